"""Store tests run on SQLite and on the real PostgreSQL server (a fresh database per session)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from sodo.services.programme import LoadedProgramme, load_programme
from sodo.stores.operational.migrate import upgrade
from sodo.stores.operational.tables import make_engine

FIXTURES = Path(__file__).parent / "fixtures"
PG_ADMIN_URL = os.environ.get("SODO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_server_url(postgres_database) -> Iterator[str]:
    """A new PostgreSQL database for this test session, dropped afterwards."""
    with postgres_database("sodo_store") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, migrated operational store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
        upgrade(url)
        yield url
        return
    # A schema per test inside the session's database: much cheaper than a database each.
    server = request.getfixturevalue("pg_server_url")
    schema = f"t{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{server}?options=-csearch_path%3D{schema}"
    upgrade(url)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def session(database_url: str) -> Iterator[Session]:
    engine = make_engine(database_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as s:
        yield s
    engine.dispose()


@pytest.fixture
def loaded() -> LoadedProgramme:
    return load_programme(FIXTURES / "programme")
