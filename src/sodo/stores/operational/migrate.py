"""Bring an operational store up to the latest schema with Alembic, from code.

``upgrade("sqlite:///sodo.db")`` or ``upgrade("postgresql://…")``; the migration scripts ship
inside the package (``sodo/stores/operational/migrations``), so no alembic.ini is needed at runtime.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from sodo.stores.operational.tables import make_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``database_url``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation would eat a '%' in a password.
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


# Key of the PostgreSQL advisory lock that serialises upgrades (several web workers start at
# once and each migrates).
_LOCK_KEY = 0x50D0_0001


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply every migration not yet applied to the database at ``database_url``. Safe to
    call from several processes at once. A store already at the head is seen without loading
    Alembic (every command opens the store this way: that import alone costs a quarter of a
    second)."""
    if revision == "head" and _at_head(database_url):
        return
    from alembic import command

    config = alembic_config(database_url)
    engine = make_engine(database_url)
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _LOCK_KEY})
                conn.commit()
                try:
                    config.attributes["connection"] = conn
                    command.upgrade(config, revision)
                    conn.commit()
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _LOCK_KEY})
                    conn.commit()
            return
        with _file_lock(engine.url.database if engine.dialect.name == "sqlite" else None):
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@contextmanager
def _file_lock(database: str | None) -> Iterator[None]:
    """An exclusive lock on ``<database>.migrate-lock`` while a SQLite file is migrated."""
    if not database or database == ":memory:":
        yield
        return
    try:
        import fcntl
    except ImportError:  # not POSIX: concurrent first starts are not guarded
        yield
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _script_heads() -> set[str]:
    """The head revisions of the packaged scripts, read from their ``revision`` and
    ``down_revision`` lines (what Alembic's script directory would say, without Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("[!_]*.py"):
        source = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', source, re.M)
        down = re.search(r"^down_revision\s*=\s*(.+)$", source, re.M)
        if rev is None or down is None:
            return set()  # not understood: let Alembic decide
        revisions.add(rev.group(1))
        parents.update(re.findall(r'["\']([^"\']+)["\']', down.group(1)))
    return revisions - parents


def _at_head(database_url: str) -> bool:
    heads = _script_heads()
    if not heads:
        return False
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return False
            found = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
    finally:
        engine.dispose()
    return found == heads


def downgrade(database_url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_up_to_date(database_url: str) -> bool:
    return current_revision(database_url) == head_revision()
