"""Backups and restores of a workspace, and its readiness.

A backup is a folder holding a consistent snapshot of

- the operational store: SQLite through its online backup API (``operational.sqlite``; writers
  may go on meanwhile), PostgreSQL through ``pg_dump --format=custom``
  (``operational.pgdump``);
- the record store: a DuckDB file copied by DuckDB itself inside one read transaction
  (``records.duckdb``), a Parquet folder copied file by file from its manifest
  (``parquet/``), a PostgreSQL record schema by ``pg_dump`` (``records.pgdump``);
- the programme's files (``programme/``) and ``sodo.toml``;

and ``manifest.json``: the format, sodo's version, the schema revision of the operational
store, the kind of each store, and every file with its size and SHA-256. The workspace's
secret key is not copied (sessions end after a restore; set ``SODO_SECRET_KEY`` to keep them).

A restore checks the whole backup first — format, every checksum, no file missing or added,
a schema revision this sodo knows — and refuses it otherwise, before touching anything; it
then writes into a workspace that holds no data yet (a new folder, or one made by
``sodo init``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sodo import __version__
from sodo.domain.permissions import Action, Actor, require
from sodo.domain.problems import InputError
from sodo.services.settings import CONFIG_NAME, Settings

FORMAT = "sodo-backup/1"
MANIFEST = "manifest.json"


@dataclass
class BackupInfo:
    path: Path
    manifest: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        m = self.manifest
        return {"backup": str(self.path), "created_at": m["created_at"],
                "sodo_version": m["sodo_version"], "schema_revision": m["schema_revision"],
                "operational": m["operational"], "records": m["records"],
                "files": len(m["files"]),
                "bytes": sum(f["bytes"] for f in m["files"].values())}


# -- helpers -----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sqlite_path(url: str) -> Path | None:
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    return None


def _libpq_url(url: str) -> str:
    """A SQLAlchemy PostgreSQL URL as libpq takes it (no driver suffix, no ``schema``)."""
    rest = url.split("://", 1)[1]
    base, _, query = rest.partition("?")
    params = [p for p in query.split("&") if p and not p.startswith("schema=")]
    return f"postgresql://{base}" + (f"?{'&'.join(params)}" if params else "")


def _url_schema(url: str) -> str | None:
    _, _, query = url.partition("?")
    for part in query.split("&"):
        if part.startswith("schema="):
            return part.split("=", 1)[1]
    return None


def _run(args: list[str], what: str) -> None:
    try:
        proc = subprocess.run(args, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise InputError(f"{what}: '{args[0]}' is not installed (PostgreSQL client tools "
                         "are needed for a PostgreSQL store)") from None
    if proc.returncode != 0:
        raise InputError(f"{what} failed: {proc.stderr.strip()[-500:]}")


def _records_kind(settings: Settings) -> str:
    return (settings.record_backend or "duckdb").lower()


# -- backup ------------------------------------------------------------------------------------

def backup(settings: Settings, actor: Actor, dest: str | Path) -> BackupInfo:
    """Write a consistent snapshot of the workspace into the new folder ``dest``."""
    from sodo.stores.operational.migrate import current_revision

    require(actor, Action.ADMIN)
    if settings.root is None:
        raise InputError("a backup needs a workspace (sodo.toml)")
    out = Path(dest)
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out}: exists and is not empty; name a new folder")
    out.mkdir(parents=True, exist_ok=True)
    revision = current_revision(settings.database_url)
    # recorded first, so that the backup holds the entry of its own making
    _audit(settings, actor, "operations.backup", {"backup": str(out), "schema_revision":
                                                 revision})
    work = out / ".partial"
    work.mkdir()
    try:
        operational = _backup_operational(settings.database_url, work)
        records = _backup_records(settings, work)
        if settings.programme_dir.exists():
            shutil.copytree(settings.programme_dir, work / "programme")
        shutil.copy2(settings.root / CONFIG_NAME, work / CONFIG_NAME)
        files = {p.relative_to(work).as_posix(): {"bytes": p.stat().st_size,
                                                   "sha256": _sha256(p)}
                 for p in sorted(work.rglob("*")) if p.is_file()}
        manifest = {"format": FORMAT, "created_at": datetime.now(UTC).isoformat(),
                    "sodo_version": __version__, "schema_revision": revision,
                    "operational": operational, "records": records,
                    "programme_dir": settings.programme_dir.name, "files": files}
        for child in work.iterdir():
            child.rename(out / child.name)
        # the manifest last: a backup without one is incomplete and refused
        (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False),
                                    encoding="utf-8")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupInfo(out, manifest)


def _backup_operational(url: str, work: Path) -> str:
    path = _sqlite_path(url)
    if path is not None:
        source = sqlite3.connect(path)
        target = sqlite3.connect(work / "operational.sqlite")
        try:
            with target:
                source.backup(target)  # the online backup API: a consistent copy
        finally:
            target.close()
            source.close()
        return "sqlite"
    if url.startswith("postgresql"):
        _run(["pg_dump", "--format=custom", "--no-owner", "--file",
              str(work / "operational.pgdump"), _libpq_url(url)], "pg_dump")
        return "postgresql"
    raise InputError(f"backups of a '{url.split(':', 1)[0]}' store are not supported")


def _backup_records(settings: Settings, work: Path) -> str:
    kind = _records_kind(settings)
    if kind == "duckdb":
        if not settings.records_path.exists():
            return "none"
        import duckdb

        con = duckdb.connect()
        try:
            src = settings.records_path.as_posix().replace("'", "''")
            dst = (work / "records.duckdb").as_posix().replace("'", "''")
            con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
            con.execute(f"ATTACH '{dst}' AS dst")
            con.execute("COPY FROM DATABASE src TO dst")  # one read transaction
        finally:
            con.close()
        return "duckdb"
    if kind == "parquet":
        folder = Path(settings.parquet_dir)
        if folder.exists():
            from sodo.stores.records.parquet_store import snapshot_folder

            snapshot_folder(folder, work / "parquet")
        return "parquet"
    if kind == "postgres":
        args = ["pg_dump", "--format=custom", "--no-owner", "--file",
                str(work / "records.pgdump")]
        schema = _url_schema(settings.records_url)
        if schema:
            args += ["--schema", schema]
        _run([*args, _libpq_url(settings.records_url)], "pg_dump (records)")
        return "postgres"
    raise InputError(f"backups of a '{kind}' record store are not supported")


# -- checking and restoring --------------------------------------------------------------------

def verify(src: str | Path) -> BackupInfo:
    """The backup at ``src`` if it is whole and this sodo can restore it; else InputError
    naming every problem."""
    from sodo.stores.operational.migrate import alembic_config

    folder = Path(src)
    manifest_file = folder / MANIFEST
    if not manifest_file.is_file():
        raise InputError(f"{folder}: not a sodo backup (no {MANIFEST}; an interrupted backup "
                         "has none)")
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError(f"{manifest_file}: damaged ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise InputError(f"{folder}: backup format {manifest.get('format')!r}, this sodo "
                         f"reads {FORMAT!r}")
    problems = []
    listed = manifest.get("files", {})
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
               if p.is_file() and p.name != MANIFEST}
    for name in sorted(set(listed) - present):
        problems.append(f"{name}: missing")
    for name in sorted(present - set(listed)):
        problems.append(f"{name}: not in the manifest")
    for name in sorted(set(listed) & present):
        path = folder / name
        if path.stat().st_size != listed[name]["bytes"] or _sha256(path) != listed[name]["sha256"]:
            problems.append(f"{name}: damaged (checksum differs)")
    revision = manifest.get("schema_revision")
    if revision is not None:
        from alembic.script import ScriptDirectory

        scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
        if revision not in {s.revision for s in scripts.walk_revisions()}:
            problems.append(f"schema revision {revision!r} is unknown to this sodo "
                            f"({__version__}); restore with the version that made the backup "
                            f"({manifest.get('sodo_version')})")
    if problems:
        raise InputError(f"{folder}: backup refused: " + "; ".join(problems[:20])
                         + (f" … and {len(problems) - 20} more" if len(problems) > 20 else ""))
    return BackupInfo(folder, manifest)


def restore(src: str | Path, target: str | Path, actor: Actor, *,
            database_url: str | None = None) -> BackupInfo:
    """Restore the backup ``src`` into the workspace folder ``target`` (new, or holding no
    data). ``database_url`` restores a PostgreSQL operational store into that (empty)
    database instead of the one in the backup's ``sodo.toml``. Checked whole first."""
    require(actor, Action.ADMIN)
    info = verify(src)
    m = info.manifest
    folder = Path(src)
    root = Path(target)
    root.mkdir(parents=True, exist_ok=True)
    if not (root / CONFIG_NAME).exists():
        shutil.copy2(folder / CONFIG_NAME, root / CONFIG_NAME)
    settings = Settings.load(root.resolve())
    if database_url:
        settings = Settings(**{**settings.__dict__, "database_url": database_url})
    _refuse_if_holding_data(settings)
    # operational store
    if m["operational"] == "sqlite":
        path = _sqlite_path(settings.database_url)
        if path is None:
            raise InputError("the backup holds a SQLite store; the target workspace's "
                             "database_url is not SQLite")
        path.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(folder / "operational.sqlite")
        dest = sqlite3.connect(path)
        try:
            with dest:
                source.backup(dest)
        finally:
            dest.close()
            source.close()
    else:
        if not settings.database_url.startswith("postgresql"):
            raise InputError("the backup holds a PostgreSQL store; the target's database_url "
                             "is not PostgreSQL")
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
              _libpq_url(settings.database_url), str(folder / "operational.pgdump")],
             "pg_restore")
    # record store
    if m["records"] == "duckdb":
        settings.records_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(folder / "records.duckdb", settings.records_path)
    elif m["records"] == "parquet":
        if (folder / "parquet").exists():
            shutil.copytree(folder / "parquet", settings.parquet_dir, dirs_exist_ok=True)
    elif m["records"] == "postgres":
        _run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
              _libpq_url(settings.records_url), str(folder / "records.pgdump")],
             "pg_restore (records)")
    # programme files
    if (folder / "programme").exists():
        if settings.programme_dir.exists():
            shutil.rmtree(settings.programme_dir)
        shutil.copytree(folder / "programme", settings.programme_dir)
    from sodo.stores.operational.migrate import upgrade

    upgrade(settings.database_url)  # a backup of an older schema is brought up to date
    _audit(settings, actor, "operations.restore", info.to_dict())
    return info


def _refuse_if_holding_data(settings: Settings) -> None:
    from sqlalchemy import inspect

    from sodo.stores.operational.tables import make_engine

    path = _sqlite_path(settings.database_url)
    if path is not None and not path.exists():
        pass
    else:
        engine = make_engine(settings.database_url)
        try:
            with engine.connect() as conn:
                tables = inspect(conn).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise InputError(f"{settings.database_url.split('@')[-1]}: the target store "
                             "already holds tables; restore into a new workspace or an empty "
                             "database")
    if settings.records_path.exists() and _records_kind(settings) == "duckdb":
        raise InputError(f"{settings.records_path}: the target record store exists; restore "
                         "into a new workspace")


def _audit(settings: Settings, actor: Actor, action: str, details: dict[str, Any]) -> None:
    from sodo.services import audit
    from sodo.services.context import AppContext

    with AppContext(settings) as ctx, ctx.session() as session:
        audit.record(session, actor, action, "backup", Path(details["backup"]).name, None,
                     details)
        session.commit()


# -- readiness -----------------------------------------------------------------------------

def readiness(settings: Settings, engine: Any) -> dict[str, Any]:
    """Whether the stores are reachable and the schema current: ``{"ready": bool, "checks":
    {name: {"ok": bool, "detail": str}}}`` (no secrets in the details)."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import text

    from sodo.stores.operational.migrate import head_revision

    checks: dict[str, dict[str, Any]] = {}
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
        head = head_revision()
        checks["operational_store"] = {"ok": True, "detail": engine.dialect.name}
        checks["migrations"] = {"ok": current == head,
                                "detail": f"current {current}, head {head}"}
    except Exception as exc:
        checks["operational_store"] = {"ok": False, "detail": type(exc).__name__}
        checks["migrations"] = {"ok": False, "detail": "store unreachable"}
    if settings.root is not None:
        checks["record_store"] = _record_store_check(settings)
    return {"ready": all(c["ok"] for c in checks.values()), "checks": checks}


def _record_store_check(settings: Settings) -> dict[str, Any]:
    kind = _records_kind(settings)
    try:
        if kind == "duckdb":
            folder = settings.records_path.parent
            ok = folder.is_dir()
            return {"ok": ok, "detail": "duckdb file" if settings.records_path.exists()
                    else "duckdb (no records yet)"}
        if kind == "parquet":
            return {"ok": Path(settings.parquet_dir).parent.is_dir(), "detail": "parquet"}
        if kind == "postgres":
            import psycopg

            with psycopg.connect(_libpq_url(settings.records_url), connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            return {"ok": True, "detail": "postgres"}
    except Exception as exc:
        return {"ok": False, "detail": type(exc).__name__}
    return {"ok": False, "detail": f"unknown backend {kind}"}
