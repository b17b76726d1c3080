"""Record store in a schema of a PostgreSQL database.

``records_url`` is a PostgreSQL URL; the schema comes from its ``schema`` query parameter
(default ``records``), e.g. ``postgresql://postgres@127.0.0.1:5432/sodo?schema=records``.
A validated batch is streamed from the DuckDB staging connection with ``COPY``, then replaces
and inserts records in one PostgreSQL transaction.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ibis
import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from sodo.domain.datasets import Dataset
from sodo.domain.problems import InputError
from sodo.stores.records.base import BATCHES_DDL, INCOMING, BatchInfo, RecordStore, StagedBatch

if TYPE_CHECKING:
    import ibis.expr.types as ir

PG_TYPES = {"DOUBLE": "DOUBLE PRECISION"}
COPY_CHUNK = 1 << 20


def _pg_columns(ds: Dataset) -> str:
    cols = [f'"{f.name}" {PG_TYPES.get(f.sql_type, f.sql_type)}' for f in ds.fields]
    return ", ".join([*cols, f'PRIMARY KEY ("{ds.key}")'])


def parse_records_url(url: str) -> tuple[dict[str, Any], str]:
    """psycopg connection parameters and the schema named by a records URL."""
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy raises ArgumentError and ValueError alike
        raise InputError(f"records_url '{url}' is not a database URL: {exc}") from None
    if not parsed.drivername.startswith("postgres"):
        raise InputError(f"records_url must be a PostgreSQL URL (got '{parsed.drivername}')")
    schema = str(parsed.query.get("schema", "records"))
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
        raise InputError(f"records_url schema '{schema}' must be a lower-case identifier")
    params = {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432,
              "user": parsed.username, "password": parsed.password,
              "dbname": parsed.database}
    return {k: v for k, v in params.items() if v is not None}, schema


class PostgresRecordStore(RecordStore):
    backend_name = "postgres"

    def __init__(self, url: str, datasets: dict[str, Dataset]) -> None:
        super().__init__(datasets)
        self.params, self.schema = parse_records_url(url)
        try:
            self.pg = psycopg.connect(**self.params, autocommit=True)
        except psycopg.OperationalError as exc:
            raise InputError(f"cannot connect to the record store at {url}: "
                             f"{str(exc).strip()}") from None
        self._ibis: ibis.BaseBackend | None = None
        with self.pg.cursor() as cur:
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                sql.Identifier(self.schema)))
            cur.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(self.schema)))
            for ddl in BATCHES_DDL:
                cur.execute(ddl)
            for ds in datasets.values():
                cur.execute(f'CREATE TABLE IF NOT EXISTS "{ds.code}" ({_pg_columns(ds)})')

    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            self._ibis = ibis.postgres.connect(
                host=self.params.get("host"), port=int(self.params.get("port", 5432)),
                user=self.params.get("user"), password=self.params.get("password"),
                database=self.params.get("dbname"), schema=self.schema)
        return self._ibis

    def table(self, dataset: str) -> ir.Table:
        return self.ibis().table(self.dataset(dataset).code, database=self.schema)

    def count(self, dataset: str) -> int:
        ds = self.dataset(dataset)
        with self.pg.cursor() as cur:
            cur.execute(f'SELECT count(*) FROM "{ds.code}"')
            return int(cur.fetchone()[0])

    def apply_batch(self, dataset: str, file: str,
                    staged: StagedBatch | None = None) -> BatchInfo:
        ds = self.dataset(dataset)
        rows, pmin, pmax, months = self._staged_summary(ds, staged)
        cols = ", ".join(f'"{n}"' for n in ds.field_names)
        table, key, period = f'"{ds.code}"', f'"{ds.key}"', f'"{ds.period_field}"'
        handle, csv_path = tempfile.mkstemp(suffix=".csv", prefix="sodo-batch-")
        os.close(handle)
        try:
            self.staging().execute(
                f"COPY (SELECT {cols} FROM {INCOMING}) TO '{csv_path}' "
                "(FORMAT csv, HEADER false, TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S.%f')")
            with self.pg.transaction(), self.pg.cursor() as cur:
                cur.execute(f'CREATE TEMP TABLE "{INCOMING}" (LIKE {table}) ON COMMIT DROP')
                with cur.copy(f'COPY "{INCOMING}" ({cols}) FROM STDIN (FORMAT csv)') as copy, \
                        open(csv_path, "rb") as source:
                    while chunk := source.read(COPY_CHUNK):
                        copy.write(chunk)
                cur.execute(f'ANALYZE "{INCOMING}"')
                cur.execute(f"SELECT count(*), array_agg(DISTINCT to_char({period}, 'YYYY-MM')) "
                            f'FROM {table} WHERE {key} IN (SELECT {key} FROM "{INCOMING}")')
                replaced, old_months = cur.fetchone()
                replaced = int(replaced)
                if replaced:
                    months = sorted(set(months) | {m for m in old_months or [] if m})
                    cur.execute(f'DELETE FROM {table} WHERE {key} IN '
                                f'(SELECT {key} FROM "{INCOMING}")')
                cur.execute(f'INSERT INTO {table} ({cols}) SELECT {cols} FROM "{INCOMING}"')
                # One writer at a time allocates batch ids.
                cur.execute("LOCK TABLE _batches IN EXCLUSIVE MODE")
                cur.execute("SELECT coalesce(max(id), 0) + 1 FROM _batches")
                batch_id = int(cur.fetchone()[0])
                now = datetime.now().replace(microsecond=0)
                cur.execute("INSERT INTO _batches VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
                            [batch_id, ds.code, file, rows, rows - replaced, replaced, pmin,
                             pmax, now])
                if months:
                    cur.executemany("INSERT INTO _batch_months VALUES (%s, %s, %s)",
                                    [[batch_id, ds.code, m] for m in months])
        finally:
            with contextlib.suppress(OSError):
                os.unlink(csv_path)
        return BatchInfo(batch_id, ds.code, file, rows, rows - replaced, replaced, pmin, pmax,
                         months, now)

    def _query(self, query: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self.pg.cursor() as cur:
            cur.execute(query.replace("{p}", "%s"), params)
            return cur.fetchall()

    def drop(self) -> None:
        """Drop the whole schema (tests and resets)."""
        with self.pg.cursor() as cur:
            cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(
                sql.Identifier(self.schema)))

    def close(self) -> None:
        if self._ibis is not None:
            with contextlib.suppress(Exception):
                self._ibis.disconnect()
            self._ibis = None
        self.pg.close()
        super().close()
