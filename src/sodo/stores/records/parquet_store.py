"""Record store in a folder of Parquet files, one file set per month, for Spark and DuckDB.

Layout: ``parquet_dir/<dataset>/month=YYYY-MM/*.parquet`` (month of the dataset's period field;
the ``month`` partition column is not stored in the files). Batches are kept in
``parquet_dir/_catalog.duckdb`` (tables ``_batches`` and ``_batch_months``).

Applying a batch rewrites only the months it touches: the months of its records and those of
the older versions it replaces. The switch is crash-safe: the new files are written beside the
old ones under new names, then one manifest per dataset (``parquet_dir/_manifest-<dataset>.json``,
the list of current files and the batch that made it) is replaced atomically (write, fsync,
rename). Readers read only the files a manifest lists, so a crash (even ``kill -9``) before the
rename leaves the previous state whole and after it the new one; the batch record in the
catalog is restored from the manifest when the store is next opened, and files no manifest
lists (left by a crash, or replaced) are removed then.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sodo.domain.datasets import Dataset
from sodo.stores.files import fsync_dir
from sodo.stores.records.base import (
    BATCHES_DDL,
    INCOMING,
    BatchInfo,
    RecordStore,
    StagedBatch,
    writer_lock,
)

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

CATALOG = "_catalog.duckdb"
MANIFEST = "_manifest-{dataset}.json"


class ParquetRecordStore(RecordStore):
    backend_name = "parquet"

    def __init__(self, folder: str | Path, datasets: dict[str, Dataset]) -> None:
        super().__init__(datasets)
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._writer = writer_lock(self.folder)
        self.catalog = duckdb.connect(str(self.folder / CATALOG))
        self._ibis: ibis.BaseBackend | None = None
        self._raw: duckdb.DuckDBPyConnection | None = None
        # Recovery removes the files no manifest lists, which a batch being written has not
        # listed yet: it runs only when no batch of this process is being written (a batch
        # being written began after its own store had opened, and so recovered, the folder).
        if self._writer.acquire(blocking=False):
            try:
                self._set_up()
            finally:
                self._writer.release()
        elif not self._catalog_ready():  # a first opening, beside another: wait for it
            with self._writer:
                self._set_up()

    def _set_up(self) -> None:
        for ddl in BATCHES_DDL:
            self.catalog.execute(ddl)
        for code in self.datasets:
            self._recover(code)

    def _catalog_ready(self) -> bool:
        return {"_batches", "_batch_months"} <= {r[0] for r in self.catalog.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}

    # -- the manifest ----------------------------------------------------------------------
    def manifest_path(self, dataset: str) -> Path:
        return self.folder / MANIFEST.format(dataset=dataset)

    def _manifest(self, dataset: str) -> dict[str, Any] | None:
        path = self.manifest_path(dataset)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def current_files(self, dataset: str) -> list[Path]:
        """The files that hold the dataset now: those its manifest lists (a folder written
        before manifests existed: every month file)."""
        code = self.dataset(dataset).code
        manifest = self._manifest(code)
        folder = self.dataset_folder(code)
        if manifest is None:
            return sorted(folder.glob("month=*/*.parquet"))
        return [folder / name for name in manifest["files"]]

    def _write_manifest(self, dataset: str, files: list[str], batch: dict[str, Any]) -> None:
        path = self.manifest_path(dataset)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump({"files": files, "batch": batch}, handle, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # the switch: atomic on POSIX
        fsync_dir(self.folder)

    def _recover(self, dataset: str) -> None:
        """After a crash: record the batch a switched manifest holds if the catalog lacks it,
        and remove files no manifest lists (this process holds the catalog, and the caller
        the writer lock: no other writer is at work)."""
        manifest = self._manifest(dataset)
        folder = self.dataset_folder(dataset)
        for tmp in self.folder.glob(f"._manifest-{dataset}.json.*.tmp"):
            tmp.unlink(missing_ok=True)
        if folder.exists():
            for work in folder.glob(".batch-*"):
                shutil.rmtree(work, ignore_errors=True)
        if manifest is None:  # a new store, or one written before manifests: list what is
            files = sorted(p.relative_to(folder).as_posix()
                           for p in folder.glob("month=*/*.parquet"))
            self._write_manifest(dataset, files, {})
            return
        batch = manifest.get("batch") or {}
        if batch.get("id") is not None and not self.catalog.execute(
                "SELECT 1 FROM _batches WHERE id = ?", [batch["id"]]).fetchall():
            self._record_batch(batch)
        keep = {folder / name for name in manifest["files"]}
        for path in folder.glob("month=*/*.parquet"):
            if path not in keep:
                path.unlink(missing_ok=True)
        for month in folder.glob("month=*"):
            if month.is_dir() and not any(month.iterdir()):
                month.rmdir()

    def _record_batch(self, batch: dict[str, Any]) -> None:
        con = self.catalog
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute("INSERT INTO _batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [batch["id"], batch["dataset"], batch["file"], batch["rows"],
                         batch["inserted"], batch["replaced"], batch["period_min"],
                         batch["period_max"], batch["ingested_at"]])
            if batch["months"]:
                con.executemany("INSERT INTO _batch_months VALUES (?, ?, ?)",
                                [[batch["id"], batch["dataset"], m] for m in batch["months"]])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise

    def _checkpoint(self, stage: str) -> None:
        """A point of the switch (``files-written``, ``switched``); tests stop a process
        here."""

    def dataset_folder(self, dataset: str) -> Path:
        return self.folder / self.dataset(dataset).code

    def files_glob(self, dataset: str) -> str:
        """The glob of the dataset's files (``month=*/*.parquet``), for DuckDB or Spark."""
        return str(self.dataset_folder(dataset) / "month=*" / "*.parquet")

    def _has_files(self, dataset: str) -> bool:
        return bool(self.current_files(dataset))

    def _select(self, ds: Dataset) -> str:
        """SQL reading the dataset's records (the files its manifest lists) with canonical
        names and types."""
        files = self.current_files(ds.code)
        if not files:
            return "SELECT " + ", ".join(
                f'CAST(NULL AS {f.sql_type}) AS "{f.name}"' for f in ds.fields) + " WHERE false"
        listed = ", ".join("'" + p.as_posix().replace("'", "''") + "'" for p in files)
        cols = ", ".join(f'CAST("{f.name}" AS {f.sql_type}) AS "{f.name}"' for f in ds.fields)
        return (f"SELECT {cols} FROM read_parquet([{listed}], hive_partitioning = false, "
                "union_by_name = true)")

    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            import ibis  # only to compile or to read through Ibis (~0.6 s at start)

            self._ibis = ibis.duckdb.connect()
        return self._ibis

    def duckdb_relation(self, dataset: str) -> tuple[duckdb.DuckDBPyConnection, list[Any]] | None:
        ds = self.dataset(dataset)
        if self._raw is None:
            self._raw = duckdb.connect()  # as ibis() connects, with the settings Ibis gives it
            self._raw.execute("SET TimeZone = 'UTC'")
            self._raw.execute("SET python_enable_replacements = false")
        # Re-created on each call, as table() does: the set of files changes with every batch.
        self._raw.execute(f'CREATE OR REPLACE VIEW "{ds.code}" AS {self._select(ds)}')
        columns = [list(r[:3]) for r in self._raw.execute(f'DESCRIBE "{ds.code}"').fetchall()]
        return self._raw, columns

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
        # the touched months are read, rewritten and switched as one step of one writer
        with self._writer:
            return self._apply_batch(dataset, file, staged)

    def _apply_batch(self, dataset: str, file: str, staged: StagedBatch | None) -> BatchInfo:
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
            months = sorted(set(months) | {m for m in old[1] or () if m is not None})
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
            tag = uuid.uuid4().hex[:8]
            stage.execute(
                f"COPY (SELECT *, strftime({period}, '%Y-%m') AS month FROM ({kept}"
                f"SELECT {cols} FROM {INCOMING})) TO '{out}' "
                "(FORMAT parquet, COMPRESSION zstd, PARTITION_BY (month), "
                f"FILENAME_PATTERN 'batch{batch_id}_{tag}_{{i}}')")
            # new files beside the old ones, under names no earlier file has
            fresh: list[str] = []
            for path in sorted(work.glob("month=*/*.parquet")):
                name = f"{path.parent.name}/{path.name}"
                (target / path.parent.name).mkdir(exist_ok=True)
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())
                path.rename(target / name)
                fresh.append(name)
            for month in {f.split("/", 1)[0] for f in fresh}:
                fsync_dir(target / month)
            self._checkpoint("files-written")
            touched = {f"month={m}" for m in months}
            previous = [p.relative_to(target).as_posix() for p in self.current_files(ds.code)]
            files = [f for f in previous if f.split("/", 1)[0] not in touched] + fresh
            now = datetime.now().replace(microsecond=0)
            info = BatchInfo(batch_id, ds.code, file, rows, rows - replaced, replaced, pmin,
                             pmax, months, now)
            record = {"id": batch_id, "dataset": ds.code, "file": file, "rows": rows,
                      "inserted": rows - replaced, "replaced": replaced,
                      "period_min": _iso(pmin), "period_max": _iso(pmax), "months": months,
                      "ingested_at": now.isoformat()}
            self._write_manifest(ds.code, files, record)
            self._checkpoint("switched")
            self._record_batch({**record, "period_min": pmin, "period_max": pmax,
                                "ingested_at": now})
            for name in previous:  # replaced files: no manifest lists them any more
                if name not in files:
                    (target / name).unlink(missing_ok=True)
            for month in touched:
                folder = target / month
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return info

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.catalog.execute(sql.replace("{p}", "?"), params).fetchall()

    def close(self) -> None:
        if self._ibis is not None:
            self._ibis.disconnect()
            self._ibis = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        self.catalog.close()
        super().close()


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def snapshot_folder(folder: Path, dest: Path) -> None:
    """Copy a Parquet record store as it stands: every dataset's manifest and the files it
    lists, and the batch catalog (copied by DuckDB in one read transaction)."""
    import duckdb as _duckdb

    dest.mkdir(parents=True, exist_ok=True)
    for manifest in sorted(folder.glob("_manifest-*.json")):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        code = manifest.name.removeprefix("_manifest-").removesuffix(".json")
        for name in data["files"]:
            target = dest / code / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(folder / code / name, target)
        shutil.copy2(manifest, dest / manifest.name)
    catalog = folder / CATALOG
    if catalog.exists():
        con = _duckdb.connect()
        try:
            src = catalog.as_posix().replace("'", "''")
            dst = (dest / CATALOG).as_posix().replace("'", "''")
            con.execute(f"ATTACH '{src}' AS src (READ_ONLY)")
            con.execute(f"ATTACH '{dst}' AS dst")
            con.execute("COPY FROM DATABASE src TO dst")
        finally:
            con.close()
