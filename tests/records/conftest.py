"""Fixtures for the record store and intake tests: a fresh store per test on each backend
(DuckDB file, a throw-away schema on the real PostgreSQL server, a Parquet folder) and small
generated sample files in every input format."""

from __future__ import annotations

import dataclasses
import itertools
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pyarrow as pa
import pytest

from sodo.services.datasets import open_record_store
from sodo.services.generate import generate_table
from sodo.services.settings import Settings
from sodo.services.workspace import init_workspace
from sodo.stores.records.base import RecordStore

# The tests run with --import-mode=importlib; make the shared helpers module importable.
sys.path.insert(0, str(Path(__file__).parent))

PG_URL = os.environ.get("SODO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SESSION = uuid.uuid4().hex[:8]
_schema_numbers = itertools.count()

SAMPLE_ROWS = 240


@pytest.fixture(scope="session")
def dossiers_sample() -> pa.Table:
    """A small, valid set of generated dossiers (two months, so replaces can move months)."""
    return generate_table("dossiers", SAMPLE_ROWS, "2025-10", "2025-11", seed=11)


@pytest.fixture(scope="session")
def feedback_sample() -> pa.Table:
    return generate_table("feedback", 120, "2025-10", "2025-11", seed=12)


@pytest.fixture
def workspace(tmp_path: Path) -> Settings:
    return init_workspace(tmp_path / "ws")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres),
                        "parquet"])
def store(request: pytest.FixtureRequest, workspace: Settings) -> Iterator[RecordStore]:
    backend = request.param
    ws = workspace
    if backend == "postgres":
        schema = f"t_records_{SESSION}_{next(_schema_numbers)}"
        ws = dataclasses.replace(workspace, records_url=f"{PG_URL}?schema={schema}")
    opened = open_record_store(ws, backend)
    try:
        yield opened
    finally:
        if backend == "postgres":
            opened.drop()  # type: ignore[attr-defined]
        opened.close()


@pytest.fixture(scope="session", autouse=True)
def _drop_leftover_schemas() -> Iterator[None]:
    """Drop this session's PostgreSQL schemas even if a test died before its teardown."""
    yield
    try:
        with psycopg.connect(PG_URL, autocommit=True) as con, con.cursor() as cur:
            cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s",
                        [f"t_records_{SESSION}_%"])
            for (name,) in cur.fetchall():
                cur.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    except psycopg.OperationalError:
        pass
