"""Bring an operational store up to the latest schema with Alembic, from code.

``upgrade("sqlite:///sodo.db")`` or ``upgrade("postgresql://…")``; the migration scripts ship
inside the package (``sodo/stores/operational/migrations``), so no alembic.ini is needed at runtime.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from sodo.stores.operational.tables import make_engine

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(database_url: str) -> Config:
    """An Alembic config pointing at the packaged migrations and ``database_url``."""
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
    call from several processes at once."""
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


def downgrade(database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def is_up_to_date(database_url: str) -> bool:
    return current_revision(database_url) == head_revision()
