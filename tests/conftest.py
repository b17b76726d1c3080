"""Shared fixtures: throw-away PostgreSQL databases on the real server.

Tests that need PostgreSQL create a database of their own and drop it afterwards, because
several test runs may share the server at once.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

# Helpers every test area may use (a served app on a free port): ``from server import serve``.
sys.path.insert(0, str(Path(__file__).parent / "support"))
# Tests say when they want the automatic recompute after a batch (tests/operations): a
# background computation would otherwise race the explicit `sodo compute` many tests run.
os.environ.setdefault("SODO_AUTO_RECOMPUTE", "0")

PG_ADMIN_URL = os.environ.get("SODO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@contextmanager
def throwaway_database(prefix: str = "sodo_test") -> Iterator[str]:
    """A new, empty PostgreSQL database; its URL; dropped (with FORCE) on exit."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Callable[[str], AbstractContextManager[str]]:
    """``with postgres_database("sodo_x") as url:`` — a throw-away database."""
    return throwaway_database
