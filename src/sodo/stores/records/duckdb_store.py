"""Record store in a DuckDB file (the embedded default).

Layout: one table per dataset, its records **clustered by the dataset's period field**: every
batch is inserted sorted by the month of it (:func:`cluster_key`), so each of DuckDB's row
groups (~122,880 rows) holds one month or two adjacent ones and its zone map (min/max per
column) lets a scan of some months skip the row groups of the others. Sorting by the month
rather than the full timestamp prunes the same (computations select whole months) and costs
less. A large Parquet file is sorted in pieces of whole row groups (intake's
``SORT_CHUNK_ROWS``, ~4 M records): each piece's row groups still hold one month or two, a
month's records are then in a few row groups per piece, and the sorts cost about a third of
the CPU of one sort of the whole file (20 M records: ~6 against ~18 CPU s). An incremental ``sodo compute`` after a one-month batch then reads
that month's rows (~1/24 of two years' records), not every record. Stored row order carries no
other meaning.

Intake keeps a batch where it is read (:meth:`DuckDBRecordStore.stage_in_store`): inside the
batch's transaction the typed records are inserted into ``_sodo_staged``, validated there, and
:meth:`~DuckDBRecordStore.apply_staged` then renames that table to the dataset's when the
dataset holds no records yet (the file was read once and written once), or replaces and
appends from it; a rollback, or a process killed meanwhile, leaves the store as it was.

``_layout`` records, per dataset, the layout its table has (:data:`LAYOUT`). A table written by
an earlier version (no row: records in arrival order) is still read as it stands, results are
the same; the first batch applied to it re-sorts its records once, in the batch's transaction
(a user's workspace from the previous version keeps working and is migrated on its next write).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sodo.domain.datasets import Dataset
from sodo.domain.problems import StoreBusy
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


#: The layout of a dataset's table, as ``_layout`` records it: sorted by the period field.
LAYOUT = "clustered-by-period-1"
LAYOUT_DDL = ("CREATE TABLE IF NOT EXISTS _layout (dataset VARCHAR NOT NULL, "
              "layout VARCHAR NOT NULL)")
#: DuckDB's working memory while a batch is applied: the sort of a large batch spills to disk
#: beyond it (20 M records: ~4.5 GiB peak without a limit, ~2 GiB with it, same CPU time).
APPLY_MEMORY = "2GB"


#: The table a batch is kept in while it is validated where it will be stored.
STAGED = '"_sodo_staged"'


def cluster_key(period: str) -> str:
    """The SQL a batch is sorted by: the month of the (quoted) period field."""
    return f"date_trunc('month', {period})"


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class DuckDBRecordStore(RecordStore):
    backend_name = "duckdb"

    def __init__(self, path: str | Path, datasets: dict[str, Dataset]) -> None:
        super().__init__(datasets)
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.IOException as exc:
            # Typically another process (a server, a running compute) holds the file's lock.
            raise StoreBusy(f"{self.path}: the record store is in use by another process; "
                            f"try again shortly ({str(exc).splitlines()[0]})") from None
        self._ibis: ibis.BaseBackend | None = None
        self._raw: duckdb.DuckDBPyConnection | None = None
        self._staged_open = False
        self._writer = writer_lock(self.path)
        # Only a store with something to create waits for the writer (two stores opened at
        # once would both create it): opening one to read does not wait for a batch.
        if self._to_create(datasets) != (False, [], []):
            with self._writer:
                for ddl in (*BATCHES_DDL, LAYOUT_DDL):
                    self.con.execute(ddl)
                _, tables, laid_out = self._to_create(datasets)  # again, under the lock
                for ds in tables:
                    self.con.execute(f'CREATE TABLE IF NOT EXISTS "{ds.code}" '
                                     f"({ds.columns_sql()})")
                for code in laid_out:
                    self._set_layout(code)

    def _to_create(self, datasets: dict[str, Dataset]
                   ) -> tuple[bool, list[Dataset], list[str]]:
        """What opening the store must write: whether its own tables are missing, the
        datasets without a table, and those whose layout to record (a new or empty table is
        clustered from its start)."""
        existing = {r[0] for r in self.con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main'").fetchall()}
        laid_out = dict(self.con.execute("SELECT dataset, layout FROM _layout").fetchall()) \
            if "_layout" in existing else {}
        return (not {"_batches", "_batch_months", "_layout"} <= existing,
                [ds for ds in datasets.values() if ds.code not in existing],
                [ds.code for ds in datasets.values() if laid_out.get(ds.code) != LAYOUT
                 and (ds.code not in existing or not self._has_rows(ds.code))])

    def _has_rows(self, code: str) -> bool:
        return self.con.execute(f'SELECT 1 FROM "{code}" LIMIT 1').fetchall() != []

    def _set_layout(self, code: str) -> None:
        self.con.execute("DELETE FROM _layout WHERE dataset = ?", [code])
        self.con.execute("INSERT INTO _layout VALUES (?, ?)", [code, LAYOUT])

    def layout(self, dataset: str) -> str | None:
        """The layout of the dataset's table (:data:`LAYOUT`), ``None`` for a table in the
        arrival order of an earlier version (re-sorted by the next batch applied to it)."""
        rows = self.con.execute("SELECT layout FROM _layout WHERE dataset = ?",
                                [self.dataset(dataset).code]).fetchall()
        return rows[0][0] if rows else None

    def _cluster(self, code: str, period: str) -> None:
        """Re-sort a table of an earlier version by its period field (within the caller's
        transaction)."""
        table, work = _quoted(code), _quoted(f"_sodo_cluster_{code}")
        self.con.execute(f"CREATE TABLE {work} AS SELECT * FROM {table} "
                         f"ORDER BY {cluster_key(_quoted(period))}")
        self.con.execute(f"DROP TABLE {table}")
        self.con.execute(f"ALTER TABLE {work} RENAME TO {table}")
        self._set_layout(code)

    def ibis(self) -> ibis.BaseBackend:
        if self._ibis is None:
            import ibis  # only a computation needs it (intake does not: ~0.5 s at start)

            # A cursor of its own: Ibis may hold a streaming result open while intake works.
            self._ibis = ibis.duckdb.from_connection(self.con.cursor())
        return self._ibis

    def table(self, dataset: str) -> ir.Table:
        return self.ibis().table(self.dataset(dataset).code)

    def duckdb_relation(self, dataset: str) -> tuple[duckdb.DuckDBPyConnection, list[Any]] | None:
        ds = self.dataset(dataset)
        if self._raw is None:
            # a cursor of its own, as ibis() takes one, with the settings Ibis gives it
            self._raw = self.con.cursor()
            self._raw.execute("SET TimeZone = 'UTC'")
            self._raw.execute("SET python_enable_replacements = false")
        columns = [list(r[:3]) for r in self._raw.execute(f'DESCRIBE "{ds.code}"').fetchall()]
        return self._raw, columns

    @contextlib.contextmanager
    def memory_limit(self, limit: str | None) -> Iterator[None]:
        """DuckDB's ``memory_limit`` (by default 80 % of the machine's memory) lowered within
        the block: its hash aggregates and sorts spill to its temporary folder beyond it."""
        if limit is None:
            yield
            return
        def current() -> str:
            return str(self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

        before = current()
        self.con.execute(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            # the default exactly; a limit set before, to the 0.1 GiB DuckDB shows it in
            self.con.execute("RESET memory_limit")
            if current() != before:
                self.con.execute(f"SET memory_limit = '{before}'")

    def count(self, dataset: str) -> int:
        ds = self.dataset(dataset)
        return int(self.con.execute(f'SELECT count(*) FROM "{ds.code}"').fetchall()[0][0])

    def staging(self) -> duckdb.DuckDBPyConnection:
        # Stage in the store's own connection (temporary tables): no copy between engines.
        return self.con

    def apply_batch(self, dataset: str, file: str,
                    staged: StagedBatch | None = None) -> BatchInfo:
        ds = self.dataset(dataset)
        rows, pmin, pmax, months = self._staged_summary(ds, staged)
        # a batch of one month is clustered as it stands (its months were counted in the scan)
        order = f" ORDER BY {cluster_key(_quoted(ds.period_field))}" if len(months) > 1 else ""
        with self._writer, self.memory_limit(APPLY_MEMORY):
            self.con.execute("BEGIN TRANSACTION")
            try:
                batch = self._apply(ds, file, INCOMING, order, rows, pmin, pmax, months)
                self.con.execute("COMMIT")
            except BaseException:
                self.con.execute("ROLLBACK")
                raise
        return batch

    def stage_in_store(self, dataset: str, selects: Sequence[str]) -> str:
        """The batch's transaction opened and the rows of ``selects`` inserted into the table
        :data:`STAGED` of the store, each query's rows sorted by the month of the period field:
        the table is clustered as the dataset's table is, so that on an empty
        dataset it *becomes* that table (:meth:`apply_staged`), the file read only once.
        The store's writer lock is held from here until the batch is applied or discarded."""
        ds = self.dataset(dataset)
        self.discard_staged()
        cols = ", ".join(_quoted(n) for n in ds.field_names)
        order = f" ORDER BY {cluster_key(_quoted(ds.period_field))}"
        self._writer.acquire()
        try:
            self.con.execute("BEGIN TRANSACTION")
        except BaseException:
            self._writer.release()
            raise
        self._staged_open = True
        try:
            self.con.execute(f"DROP TABLE IF EXISTS {STAGED}")
            self.con.execute(f"CREATE TABLE {STAGED} ({ds.columns_sql()})")
            # Stored row order carries no meaning beyond the clustering: DuckDB may load the
            # rows of each query in parallel.
            self.con.execute("SET preserve_insertion_order = false")
            try:
                with self.memory_limit(APPLY_MEMORY):
                    for select in selects:
                        self.con.execute(f"INSERT INTO {STAGED} ({cols}) "
                                         f"SELECT {cols} FROM ({select}){order}")
            finally:
                self.con.execute("SET preserve_insertion_order = true")
        except BaseException:
            self.discard_staged()
            raise
        return STAGED

    def apply_staged(self, dataset: str, file: str, staged: StagedBatch) -> BatchInfo:
        ds = self.dataset(dataset)
        if not self._staged_open:
            raise RuntimeError("no staged batch to apply (stage_in_store first)")
        con = self.con
        try:
            if staged.normalised:  # codes written in another case: kept in upper case
                sets = ", ".join(f"{_quoted(n)} = upper({_quoted(n)})" for n in ds.code_fields)
                differs = " OR ".join(f"{_quoted(n)} <> upper({_quoted(n)})"
                                      for n in ds.code_fields)
                con.execute(f"UPDATE {STAGED} SET {sets} WHERE {differs}")
            months = list(staged.months)
            if not self._has_rows(ds.code):
                # nothing to replace: the staged table, clustered already, is the new table
                con.execute(f"DROP TABLE {_quoted(ds.code)}")
                con.execute(f"ALTER TABLE {STAGED} RENAME TO {_quoted(ds.code)}")
                self._set_layout(ds.code)
                batch = self._record_batch(ds, file, staged.rows, 0, staged.period_min,
                                           staged.period_max, months)
            else:
                with self.memory_limit(APPLY_MEMORY):
                    # in the staged table's order, which is clustered already
                    batch = self._apply(ds, file, STAGED, "", staged.rows,
                                        staged.period_min, staged.period_max, months)
                con.execute(f"DROP TABLE {STAGED}")
            con.execute("COMMIT")
        except BaseException:
            self.discard_staged()
            raise
        self._staged_open = False
        self._writer.release()
        return batch

    def discard_staged(self) -> None:
        if self._staged_open:
            self._staged_open = False
            try:
                # a COMMIT that failed has rolled back already: nothing more to undo
                with contextlib.suppress(duckdb.TransactionException):
                    self.con.execute("ROLLBACK")
            finally:
                self._writer.release()

    def _apply(self, ds: Dataset, file: str, source: str, order: str, rows: int, pmin: Any,
               pmax: Any, months: list[str]) -> BatchInfo:
        """Within the caller's transaction: the records of ``source`` replace those with
        their keys and are appended (``order``: an ORDER BY keeping the table clustered)."""
        table, key, period = _quoted(ds.code), _quoted(ds.key), _quoted(ds.period_field)
        con = self.con
        replaced = 0
        if self._has_rows(ds.code):
            if self.layout(ds.code) != LAYOUT:  # a table of an earlier version
                self._cluster(ds.code, ds.period_field)
            old = con.execute(
                f"SELECT count(*), list(DISTINCT strftime({period}, '%Y-%m')) "
                f"FROM {table} WHERE {key} IN (SELECT {key} FROM {source})").fetchall()[0]
            replaced = int(old[0])
            if replaced:
                months = sorted(set(months) | {m for m in old[1] if m is not None})
                con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM {source})")
        cols = ", ".join(_quoted(n) for n in ds.field_names)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {source}{order}")
        return self._record_batch(ds, file, rows, replaced, pmin, pmax, months)

    def _record_batch(self, ds: Dataset, file: str, rows: int, replaced: int, pmin: Any,
                      pmax: Any, months: list[str]) -> BatchInfo:
        con = self.con
        batch_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM _batches")
                       .fetchall()[0][0])
        now = datetime.now().replace(microsecond=0)
        con.execute("INSERT INTO _batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [batch_id, ds.code, file, rows, rows - replaced, replaced, pmin, pmax, now])
        if months:
            con.executemany("INSERT INTO _batch_months VALUES (?, ?, ?)",
                            [[batch_id, ds.code, m] for m in months])
        return BatchInfo(batch_id, ds.code, file, rows, rows - replaced, replaced, pmin, pmax,
                         months, now)

    def _query(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        return self.con.execute(sql.replace("{p}", "?"), params).fetchall()

    def close(self) -> None:
        with contextlib.suppress(duckdb.Error):
            self.discard_staged()
        self._ibis = None
        if self._raw is not None:
            self._raw.close()
            self._raw = None
        self.con.close()
        self._staging = None
