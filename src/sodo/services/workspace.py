"""A workspace: a folder with ``sodo.toml``, the programme, the record store and the database.

``sodo.toml`` (all keys optional)::

    [workspace]
    programme = "programme"              # folder of the programme's YAML files
    database_url = "sqlite:///sodo.db"   # operational store; SODO_DATABASE_URL overrides
    records = "records.duckdb"           # record store file (DuckDB)
    record_backend = "duckdb"            # duckdb | postgres | parquet
    records_url = ""                     # PostgreSQL URL when record_backend = "postgres"
    parquet_dir = "parquet"              # Parquet folder (one file set per month, for Spark)
"""

from __future__ import annotations

import os
import shutil
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sodo.domain.problems import InputError
from sodo.services.programme import default_programme_path

CONFIG_NAME = "sodo.toml"

DEFAULT_CONFIG = """\
# sodo workspace. Paths are relative to this folder.
[workspace]
programme = "programme"
database_url = "sqlite:///sodo.db"
records = "records.duckdb"
record_backend = "duckdb"
parquet_dir = "parquet"
"""


@dataclass(frozen=True)
class Workspace:
    root: Path
    programme_dir: Path
    database_url: str
    records_path: Path
    record_backend: str
    records_url: str
    parquet_dir: Path

    @classmethod
    def open(cls, root: str | Path | None = None) -> Workspace:
        """Open the workspace at ``root`` (default: ``$SODO_WORKSPACE`` or the current folder)."""
        base = Path(root or os.environ.get("SODO_WORKSPACE") or ".").resolve()
        config_file = base / CONFIG_NAME
        if not config_file.exists():
            raise InputError(f"{base}: not a sodo workspace (no {CONFIG_NAME}); "
                             f"create one with: sodo init {base}")
        try:
            config = tomllib.loads(config_file.read_text(encoding="utf-8")).get("workspace", {})
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{config_file}: not valid TOML: {exc}") from None
        return cls.from_config(base, config)

    @classmethod
    def from_config(cls, base: Path, config: dict) -> Workspace:
        url = os.environ.get("SODO_DATABASE_URL") or config.get("database_url", "sqlite:///sodo.db")
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{(base / url.removeprefix('sqlite:///')).as_posix()}"
        return cls(
            root=base,
            programme_dir=base / config.get("programme", "programme"),
            database_url=url,
            records_path=base / config.get("records", "records.duckdb"),
            record_backend=os.environ.get("SODO_RECORD_BACKEND")
            or config.get("record_backend", "duckdb"),
            records_url=os.environ.get("SODO_RECORDS_URL") or config.get("records_url", ""),
            parquet_dir=base / config.get("parquet_dir", "parquet"),
        )

    @classmethod
    def default_or_none(cls, root: str | Path | None = None) -> Workspace | None:
        try:
            return cls.open(root)
        except InputError:
            return None

    def programme_path(self) -> Path:
        return self.programme_dir if self.programme_dir.exists() else default_programme_path()


def init_workspace(path: str | Path, force: bool = False) -> Workspace:
    """Create a workspace at ``path`` with ``sodo.toml`` and a copy of the default programme."""
    root = Path(path).resolve()
    if (root / CONFIG_NAME).exists() and not force:
        raise InputError(f"{root}: already a sodo workspace ({CONFIG_NAME} exists); "
                         "use --force to start it again")
    root.mkdir(parents=True, exist_ok=True)
    (root / CONFIG_NAME).write_text(DEFAULT_CONFIG, encoding="utf-8")
    target = root / "programme"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(default_programme_path(), target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "__init__.py"))
    return Workspace.open(root)
