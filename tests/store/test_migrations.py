"""Migrations build exactly the schema the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

import sodo.stores.operational.models  # noqa: F401
from sodo.domain.permissions import Actor
from sodo.services import audit
from sodo.stores.operational.migrate import current_revision, head_revision, is_up_to_date, upgrade
from sodo.stores.operational.tables import make_engine, metadata


def test_every_table_is_migrated_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert set(metadata.tables) <= tables
        assert {"indicator_value", "compute_run", "submission", "audit_log"} <= tables
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []
    assert current_revision(database_url) == head_revision()


def test_upgrade_twice_is_harmless(database_url: str) -> None:
    upgrade(database_url)
    assert is_up_to_date(database_url)


def test_the_quick_head_check_agrees_with_alembic(database_url: str) -> None:
    """upgrade() skips Alembic when the store is at the head: the heads it reads from the
    scripts are Alembic's, and a store one step behind is not taken for current."""
    from sodo.stores.operational.migrate import _at_head, _script_heads, downgrade

    assert _script_heads() == {head_revision()}
    assert _at_head(database_url)
    downgrade(database_url, "-1")
    assert not _at_head(database_url) and not is_up_to_date(database_url)
    upgrade(database_url)
    assert _at_head(database_url) and is_up_to_date(database_url)


def test_audit_log_rows_cannot_be_changed_or_deleted(database_url: str, session) -> None:
    audit.record(session, Actor.system(), "test.write", "thing", "1", {"a": 1}, {"a": 2})
    session.commit()
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            session.execute(text(statement))
        session.rollback()
    assert session.execute(text("SELECT actor FROM audit_log")).scalars().all() == ["system"]


def test_downgrade_to_base_and_up_again(database_url: str) -> None:
    from sodo.stores.operational.migrate import downgrade

    downgrade(database_url, "base")
    engine = make_engine(database_url)
    with engine.connect() as conn:
        left = set(inspect(conn).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert left == set()
    upgrade(database_url)
    assert is_up_to_date(database_url)


def test_processes_migrating_at_once(tmp_path) -> None:
    """Web workers start together and each migrates: on a fresh store none of them fails."""
    import subprocess
    import sys

    from sqlalchemy import create_engine

    from .conftest import PG_ADMIN_URL

    for url in (f"sqlite:///{tmp_path / 'race.db'}", None):
        schema = None
        if url is None:
            schema = f"race{tmp_path.name[-8:].replace('-', '_').lower()}"
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{PG_ADMIN_URL}?options=-csearch_path%3D{schema}"
        try:
            code = f"from sodo.stores.operational.migrate import upgrade; upgrade({url!r})"
            procs = [subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE)
                     for _ in range(3)]
            errors = [p.communicate(timeout=120)[1].decode() for p in procs]
            assert [p.returncode for p in procs] == [0, 0, 0], errors
            assert is_up_to_date(url)
        finally:
            if schema:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                admin.dispose()
