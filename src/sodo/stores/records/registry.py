"""Record stores by URL: the one place that maps a location to a backend (as Ibis does).

- ``duckdb:///path/records.duckdb`` — one DuckDB file, a table per dataset (the default);
- ``postgresql://user@host/db?schema=records`` — one schema of a PostgreSQL database;
- ``parquet:///path/folder`` — one file set per dataset and month, readable by Spark too;
- ``s3://bucket/prefix?cache=/path/folder`` — the same files kept in an S3-compatible object
  store, read and written through a local mirror.

Callers never name a backend class; a new backend registers its scheme in :data:`SCHEMES`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sodo.domain.datasets import Dataset
from sodo.domain.problems import InputError
from sodo.stores.records.base import RecordStore


def _local_path(location: str) -> Path:
    """The file or folder of ``scheme:///path``: an absolute path (a URL written with the
    path's own leading slash, ``scheme:////path``, names the same one, shown with one slash)."""
    rest = location.split("://", 1)[1]
    return Path("/" + rest.lstrip("/")) if rest.startswith("/") else Path(rest)


def _duckdb(location: str, datasets: dict[str, Dataset]) -> RecordStore:
    from sodo.stores.records.duckdb_store import DuckDBRecordStore

    return DuckDBRecordStore(_local_path(location), datasets)


def _parquet(location: str, datasets: dict[str, Dataset]) -> RecordStore:
    from sodo.stores.records.parquet_store import ParquetRecordStore

    return ParquetRecordStore(_local_path(location), datasets)


def _s3(location: str, datasets: dict[str, Dataset]) -> RecordStore:
    from sodo.stores.records.s3_store import S3ParquetRecordStore

    return S3ParquetRecordStore(location, datasets)


def _postgres(location: str, datasets: dict[str, Dataset]) -> RecordStore:
    from sodo.stores.records.postgres_store import PostgresRecordStore

    return PostgresRecordStore(location, datasets)


#: URL scheme → the function that opens that kind of store.
SCHEMES: dict[str, Callable[[str, dict[str, Dataset]], RecordStore]] = {
    "duckdb": _duckdb, "parquet": _parquet, "postgresql": _postgres, "postgres": _postgres,
    "postgresql+psycopg": _postgres, "s3": _s3,
}
#: The backend names settings and the CLI accept, and the scheme each is opened by.
BACKENDS = ("duckdb", "postgres", "parquet")


def open_store(location: str, datasets: dict[str, Dataset]) -> RecordStore:
    """The record store at ``location`` (a URL, see the module doc) for ``datasets``."""
    scheme = location.split("://", 1)[0].lower() if "://" in location else location.lower()
    opener = SCHEMES.get(scheme)
    if opener is None:
        raise InputError(f"unknown record backend '{scheme}' (one of: {', '.join(BACKENDS)})")
    return opener(location, datasets)
