"""The record store: raw dataset records (dossiers, feedback…) and the batches that brought them.

Three backends share one interface, :class:`RecordStore`:

- ``duckdb`` (default): the workspace's DuckDB file, one table per dataset;
- ``postgres``: one schema of a PostgreSQL database (``records_url``);
- ``parquet``: a folder with one file set per month,
  ``parquet_dir/<dataset>/month=YYYY-MM/*.parquet``, readable by DuckDB and Spark alike.

Every intake is a *batch* with an id, kept in ``_batches`` (id, dataset, file, rows, inserted,
replaced, period_min/period_max of the dataset's period field, ingested_at) and
``_batch_months`` (the "YYYY-MM" months the batch touched: those of the new records and those
of the older versions they replaced). The engine recomputes only those months after a run.

DuckDB results are always read to the end (``fetchall``): DuckDB 2 refuses other work on a
connection while a result is half-read.

Records are validated before they reach a store (``sodo.services.intake``): a store only applies
a staged, already valid batch, all-or-nothing, replacing records with the same key.

The embedded stores (a DuckDB file, the Parquet folder's catalog) are written by one process
(their files are locked to it), and within it by one batch at a time (:func:`writer_lock`):
batches arriving together, from the API's threads or the drop folder, wait for each other
rather than race for the next batch number or for the staged table. PostgreSQL locks
``_batches`` in each batch's transaction instead, across processes.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sodo.domain.datasets import Dataset
from sodo.domain.problems import InputError

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

#: Name of the staged, typed, validated view a store applies (columns in declaration order).
INCOMING = "_incoming"

_WRITERS: dict[Path, threading.RLock] = {}
_WRITERS_GUARD = threading.Lock()


def writer_lock(location: str | Path) -> threading.RLock:
    """The lock held by whoever writes the embedded store at ``location`` in this process:
    the same lock for every store object opened on it."""
    key = Path(location).resolve()
    with _WRITERS_GUARD:
        return _WRITERS.setdefault(key, threading.RLock())

BATCHES_DDL = (
    'CREATE TABLE IF NOT EXISTS _batches (id BIGINT PRIMARY KEY, dataset VARCHAR NOT NULL, '
    'file VARCHAR, "rows" BIGINT, inserted BIGINT, replaced BIGINT, '
    'period_min TIMESTAMP, period_max TIMESTAMP, ingested_at TIMESTAMP)',
    'CREATE TABLE IF NOT EXISTS _batch_months (batch_id BIGINT NOT NULL, '
    'dataset VARCHAR NOT NULL, month VARCHAR NOT NULL, PRIMARY KEY (batch_id, month))',
)


@dataclass(frozen=True)
class BatchInfo:
    """What one applied batch did."""

    id: int
    dataset: str
    file: str
    rows: int
    inserted: int
    replaced: int
    period_min: datetime | None
    period_max: datetime | None
    months: list[str] = field(default_factory=list)
    ingested_at: datetime | None = None
    #: Records whose key or codes intake folded to upper case (``hs7-1`` stored as
    #: ``HS7-1``); known only in the result of the intake, not kept with the batch.
    normalised: int | None = None
    #: the intake warnings found on the batch (accepted all the same): ``[{check, principle,
    #: severity, count, examples}]``
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "batch": self.id, "dataset": self.dataset, "file": self.file, "rows": self.rows,
            "inserted": self.inserted, "replaced": self.replaced,
            "period_min": self.period_min, "period_max": self.period_max,
            "months": self.months, "ingested_at": self.ingested_at,
            "warnings": self.warnings,
        }
        if self.normalised is not None:
            out["normalised"] = self.normalised
        return out


@dataclass(frozen=True)
class StagedBatch:
    """Summary of a staged batch, computed by intake during validation."""

    rows: int
    period_min: datetime | None
    period_max: datetime | None
    months: list[str]
    normalised: int = 0  # records whose key or codes were folded to upper case


class RecordStore(ABC):
    """Base class of the record stores. Subclasses implement the storage; the engine only uses
    :meth:`ibis`, :meth:`table`, :meth:`count`, :meth:`touched_months` and
    :meth:`last_batch_id`."""

    backend_name: str = ""

    def __init__(self, datasets: dict[str, Dataset]) -> None:
        self.datasets = datasets
        self._staging: duckdb.DuckDBPyConnection | None = None

    # -- reading (the engine's side) ---------------------------------------------------
    @abstractmethod
    def ibis(self) -> ibis.BaseBackend:
        """An Ibis connection over the records."""
        raise NotImplementedError

    @abstractmethod
    def table(self, dataset: str) -> ir.Table:
        """The records of ``dataset`` as an Ibis table, canonical field names and types."""
        raise NotImplementedError

    def count(self, dataset: str) -> int:
        return int(self.table(dataset).count().execute())

    def duckdb_relation(self, dataset: str) -> tuple[duckdb.DuckDBPyConnection, list[Any]] | None:
        """A DuckDB connection on which the SQL Ibis compiles against :meth:`table` runs as it
        is (the dataset's code names the relation, set as Ibis sets its connection), with the
        relation's columns (name, type, nullable); ``None`` when the records are not in
        DuckDB. Lets the engine run cached compiled SQL without Ibis."""
        return None

    def touched_months(self, dataset: str, after_batch_id: int | None = None) -> set[str]:
        """Months ("YYYY-MM") touched by the batches of ``dataset`` with id > ``after_batch_id``
        (all batches when ``None``): months of the new records and of the versions replaced."""
        rows = self._query(
            "SELECT DISTINCT month FROM _batch_months WHERE dataset = {p} AND batch_id > {p}",
            [dataset, after_batch_id if after_batch_id is not None else -1],
        )
        return {r[0] for r in rows}

    def touched_periods(self, dataset: str, since_batch: int | None = None) -> set[str]:
        """Alias of :meth:`touched_months`."""
        return self.touched_months(dataset, since_batch)

    def last_batch_id(self, dataset: str | None = None) -> int | None:
        """Id of the newest batch (of ``dataset``, or of any dataset); ``None`` if none yet."""
        if dataset is None:
            rows = self._query("SELECT max(id) FROM _batches", [])
        else:
            rows = self._query("SELECT max(id) FROM _batches WHERE dataset = {p}", [dataset])
        return None if not rows or rows[0][0] is None else int(rows[0][0])

    def batches(self, dataset: str | None = None) -> list[BatchInfo]:
        where, params = ("WHERE dataset = {p}", [dataset]) if dataset else ("", [])
        rows = self._query(
            'SELECT id, dataset, file, "rows", inserted, replaced, period_min, period_max, '
            f"ingested_at FROM _batches {where} ORDER BY id", params)
        months: dict[int, list[str]] = {}
        for batch_id, month in self._query(
                "SELECT batch_id, month FROM _batch_months ORDER BY batch_id, month", []):
            months.setdefault(int(batch_id), []).append(month)
        return [BatchInfo(id=int(r[0]), dataset=r[1], file=r[2], rows=int(r[3]),
                          inserted=int(r[4]), replaced=int(r[5]), period_min=r[6],
                          period_max=r[7], months=months.get(int(r[0]), []), ingested_at=r[8])
                for r in rows]

    def checksum(self, dataset: str) -> str:
        """A digest of all records of ``dataset`` (order-independent), to prove a store unchanged."""
        key = self.dataset(dataset).key
        arrow = self.table(dataset).order_by(key).to_pyarrow()
        digest = hashlib.sha256()
        for batch in arrow.to_batches():
            for column in batch.columns:
                digest.update(str(column.to_pylist()).encode())
        return digest.hexdigest()

    # -- writing (the intake's side) ---------------------------------------------------
    def staging(self) -> duckdb.DuckDBPyConnection:
        """The DuckDB connection in which intake stages and validates a file."""
        if self._staging is None:
            self._staging = duckdb.connect()
        return self._staging

    @abstractmethod
    def apply_batch(self, dataset: str, file: str,
                    staged: StagedBatch | None = None) -> BatchInfo:
        """Apply the staged view ``_incoming`` of the staging connection as one batch:
        records with a key already stored are replaced; all or nothing. ``staged`` is the
        batch's summary when the caller already has it."""
        raise NotImplementedError

    def stage_in_store(self, dataset: str, selects: Sequence[str]) -> str | None:
        """Keep a batch where it is read: open the batch's transaction, insert the rows of
        each query of ``selects`` (over :meth:`staging`; the dataset's fields in declaration
        order; each query's rows in the store's clustering order) into a new table of the
        store, and return that table's name. The caller validates the batch there, then calls :meth:`apply_staged` (which commits) or
        :meth:`discard_staged` (which rolls back: the store as it was). ``None`` when the store
        cannot (its records are not in the staging engine): intake then stages views over the
        file and calls :meth:`apply_batch`, reading the file again."""
        return None

    def apply_staged(self, dataset: str, file: str, staged: StagedBatch) -> BatchInfo:
        """Apply the table of :meth:`stage_in_store` as one batch (as :meth:`apply_batch`
        does) and commit. A store whose :meth:`stage_in_store` keeps nothing has no staged
        batch to apply."""
        raise RuntimeError(f"{type(self).__name__} keeps no staged batch "
                           "(stage_in_store returned None): apply with apply_batch")

    def discard_staged(self) -> None:
        """Roll back the transaction of :meth:`stage_in_store`, if one is open."""
        return None

    @contextlib.contextmanager
    def memory_limit(self, limit: str | None) -> Iterator[None]:
        """Within the block, the store's engine keeps its working memory under ``limit``
        (e.g. ``"2GB"``), spilling to disk beyond it, where it can; elsewhere a no-op."""
        yield

    def close(self) -> None:
        if self._staging is not None:
            self._staging.close()
            self._staging = None

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- helpers -----------------------------------------------------------------------
    def dataset(self, code: str) -> Dataset:
        try:
            return self.datasets[code]
        except KeyError:
            known = ", ".join(sorted(self.datasets)) or "none"
            raise InputError(f"unknown dataset '{code}' (declared: {known})") from None

    @abstractmethod
    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        """Run a small metadata query; ``{p}`` marks a parameter."""
        raise NotImplementedError

    def _staged_summary(self, ds: Dataset,
                        staged: StagedBatch | None = None) -> tuple[int, Any, Any, list[str]]:
        """Rows, min and max of the period field, and months of the staged batch."""
        if staged is not None:
            return staged.rows, staged.period_min, staged.period_max, list(staged.months)
        stage = self.staging()
        period = f'"{ds.period_field}"'
        rows, pmin, pmax = stage.execute(
            f"SELECT count(*), min({period}), max({period}) FROM {INCOMING}").fetchall()[0]
        months = [r[0] for r in stage.execute(
            f"SELECT DISTINCT strftime({period}, '%Y-%m') AS m FROM {INCOMING} "
            f"WHERE {period} IS NOT NULL ORDER BY m").fetchall()]
        return int(rows), pmin, pmax, months
