"""Backends for the engine tests: the same records loaded into DuckDB, a throw-away schema on
the real PostgreSQL server, and PySpark local mode (one session for the whole run, reading
Parquet files), so every test can assert the same numbers on all three."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import ibis
import ibis.expr.types as ir
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).parent))

PG_URL = os.environ.get("SODO_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
SCHEMA = f"t_engine_{uuid.uuid4().hex[:8]}"
BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres),
            pytest.param("spark", marks=pytest.mark.spark)]

Loader = Callable[[dict[str, pa.Table]], dict[str, ir.Table]]


def _duckdb_loader() -> Loader:
    con = ibis.duckdb.connect()

    def load(tables: dict[str, pa.Table]) -> dict[str, ir.Table]:
        out = {}
        for name, table in tables.items():
            unique = f"{name}_{uuid.uuid4().hex[:6]}"
            con.con.register("_arrow", table)
            con.raw_sql(f'CREATE TABLE "{unique}" AS SELECT * FROM _arrow')
            con.con.unregister("_arrow")
            out[name] = con.table(unique)
        return out

    return load


def _postgres_loader(schema: str) -> Loader:
    con = ibis.postgres.connect(host="127.0.0.1", port=5432, user="postgres", database="test")
    con.raw_sql(f'SET search_path TO "{schema}"')

    def load(tables: dict[str, pa.Table]) -> dict[str, ir.Table]:
        return {name: con.create_table(f"{name}_{uuid.uuid4().hex[:6]}", table)
                for name, table in tables.items()}

    return load


def _spark_loader(folder: Path) -> Loader:
    from sodo.stores.records.spark_reader import spark_backend

    con = spark_backend()

    def load(tables: dict[str, pa.Table]) -> dict[str, ir.Table]:
        out = {}
        for name, table in tables.items():
            unique = f"{name}_{uuid.uuid4().hex[:6]}"
            path = folder / f"{unique}.parquet"
            pq.write_table(table, path)
            out[name] = con.read_parquet(str(path), table_name=unique)
        return out

    return load


@pytest.fixture(scope="session")
def loaders(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Loader]:
    """``loaders(backend)`` -> a function loading Arrow tables into that backend."""
    made: dict[str, Loader] = {}

    def get(backend: str) -> Loader:
        if backend not in made:
            if backend == "duckdb":
                made[backend] = _duckdb_loader()
            elif backend == "postgres":
                schema = SCHEMA
                with psycopg.connect(PG_URL, autocommit=True) as con:
                    con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                made[backend] = _postgres_loader(schema)
            else:
                made[backend] = _spark_loader(tmp_path_factory.mktemp("spark"))
        return made[backend]

    return get


@pytest.fixture(scope="session", autouse=True)
def _drop_schema() -> Iterator[None]:
    yield
    try:
        with psycopg.connect(PG_URL, autocommit=True) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE')
    except psycopg.OperationalError:
        pass
