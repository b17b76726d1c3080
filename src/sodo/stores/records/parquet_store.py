"""Record store in a folder of Parquet files, one file set per month, for Spark and DuckDB.

Layout: ``parquet_dir/<dataset>/month=YYYY-MM/*.parquet`` (month of the dataset's period field;
the ``month`` partition column is not stored in the files). Batches are kept in
``parquet_dir/_catalog.duckdb`` (tables ``_batches`` and ``_batch_months``).

Applying a batch rewrites only the months it touches: the months of its records and those of
the older versions it replaces. The new file sets are written beside the old ones and swapped
in by renaming folders, then the batch is recorded; readers never see a half-written file.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import ibis

from sodo.domain.datasets import Dataset
from sodo.stores.records.base import BATCHES_DDL, INCOMING, BatchInfo, RecordStore, StagedBatch

if TYPE_CHECKING:
    import ibis.expr.types as ir

CATALOG = "_catalog.duckdb"


class ParquetRecordStore(RecordStore):
    backend_name = "parquet"

    def __init__(self, folder: str | Path, datasets: dict[str, Dataset]) -> None:
        super().__init__(datasets)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.catalog = duckdb.connect(str(self.folder / CATALOG))
        for ddl in BATCHES_DDL:
            self.catalog.execute(ddl)
        self._ibis: ibis.BaseBackend | None = None

    def dataset_folder(self, dataset: str) -> Path:
        return self.folder / self.dataset(dataset).code

    def files_glob(self, dataset: str) -> str:
        """The glob of the dataset's files (``month=*/*.parquet``), for DuckDB or Spark."""
        return str(self.dataset_folder(dataset) / "month=*" / "*.parquet")

    def _has_files(self, dataset: str) -> bool:
        return any(self.dataset_folder(dataset).glob("month=*/*.parquet"))

    def _select(self, ds: Dataset) -> str:
        """SQL reading the dataset's records with canonical names and types."""
        if not self._has_files(ds.code):
            return "SELECT " + ", ".join(
                f'CAST(NULL AS {f.sql_type}) AS "{f.name}"' for f in ds.fields) + " WHERE false"
        glob = self.files_glob(ds.code).replace("'", "''")
        cols = ", ".join(f'CAST("{f.name}" AS {f.sql_type}) AS "{f.name}"' for f in ds.fields)
        return (f"SELECT {cols} FROM read_parquet('{glob}', hive_partitioning = false, "
                "union_by_name = true)")

    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            self._ibis = ibis.duckdb.connect()
        return self._ibis

    def table(self, dataset: str) -> ir.Table:
        ds = self.dataset(dataset)
        backend = self.ibis()
        # Re-created on each call: the set of files changes with every batch.
        backend.raw_sql(f'CREATE OR REPLACE VIEW "{ds.code}" AS {self._select(ds)}')
        return backend.table(ds.code)

    def count(self, dataset: str) -> int:
        ds = self.dataset(dataset)
        return int(self.staging().execute(f"SELECT count(*) FROM ({self._select(ds)})")
                   .fetchall()[0][0])

    def apply_batch(self, dataset: str, file: str,
                    staged: StagedBatch | None = None) -> BatchInfo:
        ds = self.dataset(dataset)
        stage = self.staging()
        rows, pmin, pmax, months = self._staged_summary(ds, staged)
        key, period = f'"{ds.key}"', f'"{ds.period_field}"'
        cols = ", ".join(f'"{n}"' for n in ds.field_names)
        replaced = 0
        existing = self._select(ds)
        if self._has_files(ds.code):
            old = stage.execute(
                f"SELECT count(*), list(DISTINCT strftime({period}, '%Y-%m')) FROM ({existing}) "
                f"WHERE {key} IN (SELECT {key} FROM {INCOMING})").fetchall()[0]
            replaced = int(old[0])
            months = sorted(set(months) | {m for m in old[1] if m is not None})
        batch_id = int(self.catalog.execute("SELECT coalesce(max(id), 0) + 1 FROM _batches")
                       .fetchall()[0][0])
        target = self.dataset_folder(ds.code)
        target.mkdir(parents=True, exist_ok=True)
        work = target / f".batch-{batch_id}-{uuid.uuid4().hex[:8]}"
        try:
            month_list = ", ".join(f"'{m}'" for m in months) or "NULL"
            kept = ""
            if self._has_files(ds.code):
                # Records of the touched months that this batch does not replace.
                kept = (f"SELECT {cols} FROM ({existing}) WHERE strftime({period}, '%Y-%m') IN "
                        f"({month_list}) AND {key} NOT IN (SELECT {key} FROM {INCOMING}) "
                        "UNION ALL ")
            out = str(work).replace("'", "''")
            stage.execute(
                f"COPY (SELECT *, strftime({period}, '%Y-%m') AS month FROM ({kept}"
                f"SELECT {cols} FROM {INCOMING})) TO '{out}' "
                "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), "
                f"FILENAME_PATTERN 'batch{batch_id}_{{i}}')")
            self._swap_months(target, work, months)
            now = datetime.now().replace(microsecond=0)
            con = self.catalog
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute("INSERT INTO _batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            [batch_id, ds.code, file, rows, rows - replaced, replaced, pmin,
                             pmax, now])
                if months:
                    con.executemany("INSERT INTO _batch_months VALUES (?, ?, ?)",
                                    [[batch_id, ds.code, m] for m in months])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return BatchInfo(batch_id, ds.code, file, rows, rows - replaced, replaced, pmin, pmax,
                         months, now)

    @staticmethod
    def _swap_months(target: Path, work: Path, months: list[str]) -> None:
        """Put the rewritten month folders in place of the old ones."""
        trash = work.with_name(work.name + "-old")
        trash.mkdir()
        try:
            for month in months:
                fresh, current = work / f"month={month}", target / f"month={month}"
                if current.exists():
                    current.rename(trash / current.name)
                if fresh.exists():
                    fresh.rename(current)
        finally:
            shutil.rmtree(trash, ignore_errors=True)

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.catalog.execute(sql.replace("{p}", "?"), params).fetchall()

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis.disconnect()
            self._ibis = None
        self.catalog.close()
        super().close()
