"""Settings: every setting sodo reads, from one place — defaults, the workspace's ``sodo.toml``
and the environment (which wins) — in one object the interfaces hand to the services.

A *workspace* is a folder with ``sodo.toml``, the programme's files, the record store and the
operational database. The CLI finds it the way git finds a repository: ``--workspace``, else
``$SODO_WORKSPACE``, else the current folder or the nearest parent holding ``sodo.toml``.

``sodo.toml`` (every key optional)::

    [workspace]
    programme = "programme"              # folder of the programme's YAML files
    database_url = "sqlite:///sodo.db"   # operational store; SODO_DATABASE_URL overrides
    records = "records.duckdb"           # record store file (DuckDB)
    record_backend = "duckdb"            # duckdb | postgres | parquet; SODO_RECORD_BACKEND
    records_url = ""                     # PostgreSQL URL for record_backend = "postgres";
                                         # s3://bucket/prefix for "parquet" in object storage
    parquet_dir = "parquet"              # Parquet folder (one file set per month, for Spark)

    [server]
    public_url = ""                      # SODO_PUBLIC_URL: the address users reach
    secret_key = ""                      # SODO_SECRET_KEY (else a key kept in .sodo-secret)
    max_body_bytes = 1048576             # SODO_MAX_BODY_BYTES: body ceiling of ordinary
                                         # routes (uploads have their own, docs/security.md)
    trusted_proxies = ""                 # SODO_TRUSTED_PROXIES: addresses or networks
                                         # (comma-separated) whose X-Forwarded-For counts
    auto_recompute = true                # SODO_AUTO_RECOMPUTE: recompute after every batch
    page_cache = true                    # SODO_PAGE_CACHE: keep page view-models (the
                                         # overview) per data version; 0 only to measure
    db_connections = 64                  # SODO_DB_CONNECTIONS: connections to the store
                                         # all workers of one `sodo serve` hold at most,
                                         # shared out among them (SODO_WORKERS, set by
                                         # `sodo serve --workers N`)

    [assess]                             # thresholds of the assessment (domain.assessment.config)

    [follow_up]                          # reminder rules (domain.follow_up.FollowUpConfig)

    [mail]
    smtp_url = ""                        # SODO_SMTP_URL: smtp://user:password@host:587?starttls=1,
                                         # smtps://host:465, smtp://127.0.0.1:1025
    sender = "sodo <sodo@localhost>"     # SODO_MAIL_SENDER: the From address
    folder = ""                          # SODO_MAIL_DIR: also write each e-mail here (.eml)

Other tables are read by the services that own them through :meth:`Settings.section`.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sodo.domain.assessment.config import AssessmentConfig
from sodo.domain.follow_up import FollowUpConfig
from sodo.domain.problems import InputError

CONFIG_NAME = "sodo.toml"
SECRET_FILE = ".sodo-secret"

DEFAULT_CONFIG = """\
# sodo workspace. Paths are relative to this folder.
[workspace]
programme = "programme"
database_url = "sqlite:///sodo.db"
records = "records.duckdb"
record_backend = "duckdb"
parquet_dir = "parquet"
"""

#: Environment variables sodo reads, and what they set (``sodo config show`` lists them).
ENVIRONMENT = {
    "SODO_WORKSPACE": "the workspace folder",
    "SODO_DATABASE_URL": "workspace.database_url",
    "SODO_RECORD_BACKEND": "workspace.record_backend",
    "SODO_RECORDS_URL": "workspace.records_url",
    "SODO_S3_ENDPOINT": "the S3-compatible endpoint of an s3:// record store (keys: AWS_*)",
    "SODO_PUBLIC_URL": "server.public_url",
    "SODO_SECRET_KEY": "server.secret_key",
    "SODO_MAX_BODY_BYTES": "server.max_body_bytes",
    "SODO_TRUSTED_PROXIES": "server.trusted_proxies",
    "SODO_TODAY": "the date sodo takes as today (demos and tests)",
    "SODO_AUTO_RECOMPUTE": "server.auto_recompute (0/false: no recompute after a batch)",
    "SODO_PAGE_CACHE": "server.page_cache (0/false: rebuild page view-models every request)",
    "SODO_DB_CONNECTIONS": "server.db_connections (store connections of all workers together)",
    "SODO_WORKERS": "worker processes sharing db_connections (set by sodo serve --workers)",
    "SODO_SMTP_URL": "mail.smtp_url",
    "SODO_MAIL_SENDER": "mail.sender",
    "SODO_MAIL_DIR": "mail.folder",
}


@dataclass(frozen=True)
class Settings:
    """The effective settings of one workspace (or of none: the shipped programme only)."""

    root: Path | None
    programme_dir: Path
    database_url: str
    records_path: Path
    record_backend: str
    records_url: str
    parquet_dir: Path
    public_url: str = ""
    secret_key: str = ""
    today: date | None = None
    max_body_bytes: int = 1024 * 1024
    trusted_proxies: tuple[str, ...] = ()
    auto_recompute: bool = True
    #: keep page view-models (the overview) per data version (off only to measure its gain)
    page_cache: bool = True
    #: connections to the operational store that all web workers of one server hold at most
    #: together (PostgreSQL refuses connections past its ``max_connections``, 100 by default)
    db_connections: int = 64
    #: the web worker processes sharing ``db_connections`` (``sodo serve --workers N``)
    workers: int = 1
    #: ``[workspace] synthetic_data = true`` (set by ``sodo demo``): the data are made up, and
    #: every page and export says so
    synthetic_data: bool = False
    assess: AssessmentConfig = field(default_factory=AssessmentConfig)
    follow_up: FollowUpConfig = field(default_factory=FollowUpConfig)
    smtp_url: str = ""
    mail_sender: str = "sodo <sodo@localhost>"
    mail_dir: Path | None = None
    sections: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    # -- finding and opening ----------------------------------------------------------------
    @classmethod
    def open(cls, root: str | Path | None = None) -> Settings:
        """The workspace at ``root``, else the one found from ``$SODO_WORKSPACE`` or the
        current folder and its parents. Raises :class:`InputError` when there is none."""
        base = find_workspace(root)
        if base is None:
            where = Path(root).resolve() if root else Path.cwd()
            raise InputError(f"{where}: not a sodo workspace (no {CONFIG_NAME} here or in a "
                             f"parent folder); create one with: sodo init <folder>, or name "
                             f"one with --workspace or SODO_WORKSPACE")
        return cls.load(base)

    @classmethod
    def load(cls, base: Path) -> Settings:
        config_file = base / CONFIG_NAME
        try:
            config = tomllib.loads(config_file.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{config_file}: not valid TOML: {exc}") from None
        return cls.from_config(base, config)

    @classmethod
    def from_config(cls, base: Path | None, config: dict[str, Any]) -> Settings:
        """Settings from a parsed ``sodo.toml`` (``{}`` for defaults) and the environment."""
        env = os.environ
        ws = config.get("workspace", {})
        server = config.get("server", {})
        here = base or Path.cwd()
        url = env.get("SODO_DATABASE_URL") or ws.get("database_url", "sqlite:///sodo.db")
        if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
            url = f"sqlite:///{(here / url.removeprefix('sqlite:///')).as_posix()}"
        mail = config.get("mail", {})
        mail_dir = env.get("SODO_MAIL_DIR") or mail.get("folder", "")
        today = env.get("SODO_TODAY") or server.get("today")
        try:
            today_date = date.fromisoformat(str(today)) if today else None
        except ValueError:
            raise InputError(f"SODO_TODAY / server.today '{today}' is not a date "
                             "(YYYY-MM-DD)") from None
        return cls(
            root=base,
            programme_dir=here / ws.get("programme", "programme"),
            database_url=url,
            records_path=here / ws.get("records", "records.duckdb"),
            record_backend=(env.get("SODO_RECORD_BACKEND")
                            or ws.get("record_backend", "duckdb")).lower(),
            records_url=env.get("SODO_RECORDS_URL") or ws.get("records_url", ""),
            parquet_dir=here / ws.get("parquet_dir", "parquet"),
            public_url=(env.get("SODO_PUBLIC_URL") or server.get("public_url", "")).rstrip("/"),
            secret_key=env.get("SODO_SECRET_KEY") or server.get("secret_key", ""),
            today=today_date,
            max_body_bytes=_positive_int(env.get("SODO_MAX_BODY_BYTES")
                                         or server.get("max_body_bytes", 1024 * 1024),
                                         "SODO_MAX_BODY_BYTES / server.max_body_bytes"),
            trusted_proxies=_proxies(env.get("SODO_TRUSTED_PROXIES")
                                     or server.get("trusted_proxies", "")),
            auto_recompute=_flag(env.get("SODO_AUTO_RECOMPUTE",
                                         server.get("auto_recompute", True))),
            page_cache=_flag(env.get("SODO_PAGE_CACHE", server.get("page_cache", True))),
            db_connections=_positive_int(env.get("SODO_DB_CONNECTIONS")
                                         or server.get("db_connections", 64),
                                         "SODO_DB_CONNECTIONS / server.db_connections"),
            workers=_positive_int(env.get("SODO_WORKERS") or 1, "SODO_WORKERS"),
            synthetic_data=bool(ws.get("synthetic_data", False)),
            assess=AssessmentConfig.from_mapping(config.get("assess", {}),
                                                 str(here / CONFIG_NAME)),
            follow_up=FollowUpConfig.from_mapping(config.get("follow_up", {}),
                                                  str(here / CONFIG_NAME)),
            smtp_url=env.get("SODO_SMTP_URL") or mail.get("smtp_url", ""),
            mail_sender=(env.get("SODO_MAIL_SENDER") or mail.get("sender", "")
                         or "sodo <sodo@localhost>"),
            mail_dir=(here / mail_dir) if mail_dir else None,
            sections=config,
        )

    @classmethod
    def default_or_none(cls, root: str | Path | None = None) -> Settings | None:
        try:
            return cls.open(root)
        except InputError:
            return None

    @classmethod
    def for_database(cls, database_url: str) -> Settings:
        """Settings of a bare operational store (no workspace): tests, one-off tools."""
        base = cls.from_config(None, {})
        return cls(**{**base.__dict__, "database_url": database_url})

    # -- derived ------------------------------------------------------------------------------
    def programme_path(self) -> Path:
        """The programme's folder (the shipped programme when the workspace has none)."""
        if self.programme_dir.exists():
            return self.programme_dir
        from sodo.services.programme import default_programme_path  # YAML, pydantic: lazily

        return default_programme_path()

    def section(self, name: str) -> dict[str, Any]:
        """A table of ``sodo.toml`` for the service that owns it (``{}`` if absent)."""
        value = self.sections.get(name, {})
        return value if isinstance(value, dict) else {}

    def records_location(self, backend: str | None = None) -> str:
        """The record store as a URL for :func:`sodo.stores.records.registry.open_store`."""
        name = (backend or self.record_backend or "duckdb").lower()
        if name == "duckdb":
            return f"duckdb:///{self.records_path.as_posix()}"
        if name == "parquet":
            if self.records_url.startswith("s3://"):  # the bucket; parquet_dir mirrors it
                sep = "&" if "?" in self.records_url else "?"
                return f"{self.records_url}{sep}cache={Path(self.parquet_dir).as_posix()}"
            return f"parquet:///{Path(self.parquet_dir).as_posix()}"
        if name == "postgres":
            if not self.records_url:
                raise InputError("record backend 'postgres' needs records_url in sodo.toml "
                                 "(or SODO_RECORDS_URL), e.g. "
                                 "postgresql://user@host/db?schema=records")
            return self.records_url
        return f"{name}://"

    def session_secret(self) -> str:
        """``SODO_SECRET_KEY``, else a key kept in the workspace (made once), else a random
        one (sessions then end when the process stops)."""
        if self.secret_key:
            return self.secret_key
        if self.root is not None:
            path = self.root / SECRET_FILE
            if not path.exists():
                _create_once(path, secrets.token_urlsafe(48))
            return path.read_text(encoding="utf-8").strip()
        return secrets.token_urlsafe(48)

    def effective(self) -> dict[str, Any]:
        """Every setting with its value, secrets masked (``sodo config show``)."""
        return {
            "workspace": str(self.root) if self.root else None,
            "programme": str(self.programme_path()),
            "database_url": _mask_url(self.database_url),
            "record_backend": self.record_backend,
            "records": str(self.records_path),
            "records_url": _mask_url(self.records_url),
            "parquet_dir": str(self.parquet_dir),
            "public_url": self.public_url,
            "secret_key": "***" if self.secret_key else "(workspace key file)",
            "today": self.today.isoformat() if self.today else None,
            "max_body_bytes": self.max_body_bytes,
            "trusted_proxies": list(self.trusted_proxies),
            "auto_recompute": self.auto_recompute,
            "page_cache": self.page_cache,
            "db_connections": self.db_connections,
            "workers": self.workers,
            "assess": dict(self.assess.__dict__),
            "follow_up": dict(self.follow_up.__dict__),
            "smtp_url": _mask_url(self.smtp_url),
            "mail_sender": self.mail_sender,
            "mail_dir": str(self.mail_dir) if self.mail_dir else None,
        }


def _flag(value: Any) -> bool:
    """A boolean setting: 0, false, no, off (any case) are off, anything else on."""
    return str(value).strip().lower() not in ("0", "false", "no", "off")


def _positive_int(value: object, name: str) -> int:
    try:
        number = int(str(value).strip())
    except ValueError:
        number = 0
    if number <= 0:
        raise InputError(f"{name} '{value}' is not a positive whole number")
    return number


def _proxies(value: object) -> tuple[str, ...]:
    """Addresses or networks of trusted reverse proxies, checked: '10.0.0.1, 10.1.0.0/16'."""
    import ipaddress

    items = value if isinstance(value, list) else str(value or "").split(",")
    out = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        try:
            out.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise InputError(f"SODO_TRUSTED_PROXIES / server.trusted_proxies: '{item}' is not "
                             "an IP address or network") from None
    return tuple(out)


def _mask_url(url: str) -> str:
    """``postgresql://user:secret@host/db`` → ``postgresql://user:***@host/db``."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    creds, host = rest.rsplit("@", 1)
    if ":" in creds:
        creds = creds.split(":", 1)[0] + ":***"
    return f"{scheme}://{creds}@{host}"


def find_workspace(start: str | Path | None = None) -> Path | None:
    """The workspace folder: ``start`` itself if given (it must hold ``sodo.toml``), else
    ``$SODO_WORKSPACE``, else the current folder or its nearest parent with ``sodo.toml``."""
    if start is not None:
        base = Path(start).resolve()
        return base if (base / CONFIG_NAME).is_file() else None
    named = os.environ.get("SODO_WORKSPACE")
    if named:
        base = Path(named).resolve()
        return base if (base / CONFIG_NAME).is_file() else None
    here = Path.cwd().resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None


def _create_once(path: Path, text: str) -> None:
    """Write ``path`` unless it exists, atomically: the workers of ``sodo serve --workers N``
    start together, and each would otherwise write a key of its own (or read another's
    half-written one), so a session signed by one worker would be refused by the next. The
    text goes to a private temporary file, linked into place only if no other process got
    there first; whoever loses reads the winner's key."""
    temporary = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        with suppress(FileExistsError):  # another process made it first: theirs stands
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
