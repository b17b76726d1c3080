"""Commands import only what they use: `sodo --help` and `sodo tasks list` must not pull in
the heavy libraries (SQLAlchemy, pandas, Alembic, DuckDB, Ibis) they do not need, so they start
fast even where bytecode is never cached (PYTHONDONTWRITEBYTECODE=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SODO = Path(sys.executable).with_name("sodo")
HEAVY = ("pandas", "alembic", "duckdb", "ibis", "pyarrow", "openpyxl", "pyspark")


def _imported(args: list[str], cwd: Path) -> set[str]:
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    env.pop("SODO_WORKSPACE", None)
    proc = subprocess.run([str(SODO), *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    return names


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_help_imports_no_store_library(tmp_path: Path) -> None:
    names = _imported(["--help"], tmp_path)
    assert "typer" in names  # the measurement works
    assert not names & {*HEAVY, "sqlalchemy", "pydantic"}, names & {*HEAVY, "sqlalchemy"}


@pytest.mark.skipif(not SODO.exists(), reason="the sodo entry point is not installed")
def test_tasks_list_imports_no_engine_library(tmp_path: Path) -> None:
    names = _imported(["tasks", "list", "--format", "json"], tmp_path)
    assert not names & set(HEAVY), names & set(HEAVY)


def test_shipped_unit_files_read_the_same_with_either_parser() -> None:
    from importlib import resources

    from ruamel.yaml import YAML

    from sodo.domain.orgunits import _yaml_data

    for name in ("ministries.yaml", "provinces-63.yaml"):
        text = resources.files("sodo.data").joinpath(name).read_text(encoding="utf-8")
        assert _yaml_data(name) == YAML(typ="safe").load(text)
