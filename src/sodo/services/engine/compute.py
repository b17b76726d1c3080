"""Compute every record-computed indicator and the 766 index for a workspace, and store them.

One pass per dataset on the record backend (DuckDB, PostgreSQL or PySpark) produces the
(unit, month) sums; they are cached in the workspace (``.sodo/engine/<dataset>.arrow``) so an
incremental run scans only the months new batches touched, then rolls up the cached sums of
the affected years and replaces the values of the affected periods (those months and their
quarter, half and year).

Modes:

- full (``full=True``, the first run, or after a definition changed): scan everything,
  replace every computed value of the engine's indicators;
- periods (``periods=[...]``): rescan the months of those periods, replace their values and
  those of the quarters/halves/years that contain them (other months come from the cache);
- incremental (default): the months touched by batches newer than the last run.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sodo.domain.indicators import AllRecords, EngineConfig, Measure
from sodo.domain.orgunits import Hierarchy, default_hierarchy
from sodo.domain.periods import Period, PeriodType, vietnam_today
from sodo.domain.problems import InputError
from sodo.services.engine.columns import Columns, run_local
from sodo.services.engine.definitions import engine_config_of
from sodo.services.engine.plans import MONTH_COLUMN, MeasurePlan, plan_dataset
from sodo.services.engine.rollup import ancestor_frame, combine, plan_signature, rollup
from sodo.services.engine.scoring import VALUE_COLUMNS, score
from sodo.services.engine.sql_cache import (
    CompiledQuery,
    SqlCache,
    months_shape,
    substitute,
    template_months,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir
    import pandas as pd
    import pyarrow as pa

    from sodo.services.settings import Settings
    from sodo.stores.records.base import RecordStore

COMPUTE_BACKENDS = ("duckdb", "postgres", "parquet", "spark")
ALL_LEVELS = ("nation", "ministry", "province", "commune")
#: Levels written to the operational store by default. Commune values are many (3,321 communes
#: × 38 periods × ~41 codes ≈ 3.6 million rows for two years): about 100 s to write on SQLite,
#: so they are stored only on request (``levels`` / ``sodo compute --level commune``).
STORED_LEVELS = ("nation", "ministry", "province")
RECORDS_MEASURE = Measure("count", AllRecords())


@dataclass
class ComputeRun:
    """What one compute did."""

    id: int | None
    backend: str
    mode: str  # full | periods | incremental | up-to-date
    record_count: int
    periods: list[str]
    indicators: list[str]
    value_count: int
    seconds: float
    timings: dict[str, float] = field(default_factory=dict)
    #: what the write changed: values unchanged (kept), inserted (new or changed), deleted
    changes: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": self.id, "backend": self.backend, "mode": self.mode,
            "records": self.record_count, "periods": len(self.periods),
            "indicators": len(self.indicators), "values": self.value_count,
            "seconds": round(self.seconds, 3),
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "changes": dict(self.changes),
        }


# -- pure stages (no workspace): used by compute(), the tests and the benchmark --------------
def make_plans(config: EngineConfig) -> dict[str, MeasurePlan]:
    indicators = config.all_rate_indicators()
    plans = {}
    for ds in config.datasets():
        plan = plan_dataset(ds, indicators)
        plan.add(RECORDS_MEASURE)
        plans[ds] = plan
    return plans


def base_sums(tables: Mapping[str, ir.Table], plans: Mapping[str, MeasurePlan],
              months: Sequence[str] | Mapping[str, Sequence[str]] | None = None
              ) -> dict[str, pa.Table]:
    """Scan each dataset once: (unit, month) sums of every measure, as Arrow tables.
    ``months`` restricts the scan, for all datasets or per dataset (a dataset mapped to no
    month is not scanned)."""
    from sodo.services.engine.compiler import base_aggregate

    out = {}
    for ds, plan in plans.items():
        if ds not in tables:
            raise InputError(f"the record store has no dataset '{ds}' that the definitions use")
        wanted = months.get(ds, []) if isinstance(months, Mapping) else months
        if wanted is not None and not wanted:
            continue
        expr = base_aggregate(plan, tables[ds], wanted)
        out[ds] = expr.to_pyarrow()
    return out


def months_to_periods(months: Iterable[str]) -> set[str]:
    """Month ids and the quarter, half and year ids containing them."""
    out: set[str] = set()
    for month in months:
        period = Period.parse(month)
        out.add(period.id)
        for pt in (PeriodType.QUARTER, PeriodType.HALF, PeriodType.YEAR):
            out.add(Period.containing(period.start, pt).id)
    return out


def values_from_sums(bases: Mapping[str, pa.Table], plans: Mapping[str, MeasurePlan],
                     config: EngineConfig, hierarchy: Hierarchy,
                     periods: set[str] | None = None,
                     levels: Sequence[str] = ALL_LEVELS,
                     cache: SqlCache | None = None) -> Columns:
    """Roll the (unit, month) sums up and score them; ``periods`` restricts the output (and the
    roll-up, to the years concerned)."""
    # roll up only to the levels asked for
    ancestors = ancestor_frame(hierarchy, None if set(levels) == set(ALL_LEVELS) else levels)
    frames = []
    years = sorted({int(p[:4]) for p in periods}) if periods is not None else None
    for ds, plan in plans.items():
        base = bases[ds]
        if years is not None:
            base = _years(base, years)
        frames.append(rollup(base, plan, ancestors, cache=cache))
    rolled = combine(frames, periods)
    return score(rolled, config, dict(plans), hierarchy) if len(rolled) else \
        Columns.empty(VALUE_COLUMNS)


def _years(base: pa.Table, years: Sequence[int]) -> pa.Table:
    marks = ", ".join("?" for _ in years)
    return run_local(f'SELECT * FROM _sodo_sums WHERE "{MONTH_COLUMN}" // 100 IN ({marks})',
                     {"_sodo_sums": base}, years)


def evaluate(tables: Mapping[str, ir.Table], config: EngineConfig,
             hierarchy: Hierarchy | None = None, levels: Sequence[str] = ALL_LEVELS
             ) -> pd.DataFrame:
    """Every value of every indicator for every unit and period, from Ibis tables, as a
    pandas frame (for the tests and the benchmarks)."""
    plans = make_plans(config)
    bases = base_sums(tables, plans)
    return values_from_sums(bases, plans, config, hierarchy or default_hierarchy(),
                            levels=levels).to_pandas()


def last_month(bases: Mapping[str, pa.Table]) -> int | None:
    """The latest ``year * 100 + month`` holding records in any of ``bases``."""
    months = [_one(f'SELECT max("{MONTH_COLUMN}") FROM _sodo_sums', b)
              for b in bases.values() if b.num_rows]
    found = [int(m) for m in months if m is not None]
    return max(found) if found else None


def _one(sql: str, table: pa.Table) -> Any:
    return run_local(sql, {"_sodo_sums": table}).column(0)[0].as_py()


def mark_provisional(values: Columns, bases: Mapping[str, pa.Table], today: date) -> Columns:
    """Flag values whose period is not complete yet (tạm tính): it ends after the last month
    that holds records, or after today."""
    last = last_month(bases)
    if not len(values):
        return values.with_column("provisional", np.array([], dtype=bool))
    periods, inverse = np.unique(values["period"].astype(str), return_inverse=True)
    flags = []
    for period in periods:
        end = Period.parse(str(period)).end
        flags.append(last is None or end.year * 100 + end.month > last or end > today)
    return values.with_column("provisional", np.array(flags, dtype=bool)[inverse])


def store_sums(store: RecordStore, plans: Mapping[str, MeasurePlan],
               months: Mapping[str, Sequence[str]] | None, cache: SqlCache,
               definitions: str) -> dict[str, pa.Table] | None:
    """What :func:`base_sums` gives, read through the store's own DuckDB with the compiled
    SQL of :func:`~sodo.services.engine.compiler.base_aggregate` from ``cache`` (compiled by
    Ibis when missing); ``None`` when the store has no DuckDB relation to run it on."""
    out = {}
    for ds, plan in plans.items():
        wanted = months.get(ds, []) if months is not None else None
        if wanted is not None and not wanted:
            continue
        source = store.duckdb_relation(ds)
        if source is None:
            return None
        con, columns = source
        shape = months_shape(wanted)
        key = _scan_key(cache, store, plan, definitions, columns, shape)
        query = cache.get(key)
        sql = substitute(query.sql, shape, wanted) if query is not None else None
        if query is None or sql is None:
            query, sql = _compile_scan(store, ds, plan, shape, wanted)
            cache.compiled.append(key)
            if sql is not None:
                cache.put(key, query)
        out[ds] = CompiledQuery(sql or query.sql, query.schema).run(con)
    return out


def _scan_key(cache: SqlCache, store: RecordStore, plan: MeasurePlan, definitions: str,
              columns: Any, shape: str) -> str:
    return cache.key({"query": "scan", "backend": store.backend_name,
                      "plan": plan_signature(plan), "definitions": definitions,
                      "columns": columns, "shape": shape})


#: a month's rescan, what every incremental run after a batch needs
_BATCH_MONTHS = ["2000-01"]


def warm_month_scans(store: RecordStore, plans: Mapping[str, MeasurePlan], cache: SqlCache,
                     definitions: str) -> None:
    """Compile and keep each dataset's scan of a range of months, when Ibis is loaded already
    (a run that compiled its own scans): the incremental runs after the next batches then
    need no Ibis, the first included."""
    for ds, plan in plans.items():
        source = store.duckdb_relation(ds)
        if source is None:
            return
        key = _scan_key(cache, store, plan, definitions, source[1],
                        months_shape(_BATCH_MONTHS))
        if cache.get(key) is None:
            query, sql = _compile_scan(store, ds, plan, months_shape(_BATCH_MONTHS),
                                       _BATCH_MONTHS)
            if sql is not None:
                cache.put(key, query)


def _compile_scan(store: RecordStore, ds: str, plan: MeasurePlan, shape: str,
                  months: Sequence[str] | None) -> tuple[CompiledQuery, str | None]:
    """Ibis's scan for ``shape`` (the template) and its SQL for ``months``; when substituting
    the months into the template does not give exactly Ibis's SQL for them, the real query and
    ``None`` (nothing to cache)."""
    from sodo.services.engine.compiler import base_aggregate

    table, backend = store.table(ds), store.ibis()
    template = base_aggregate(plan, table, template_months(shape))
    query = CompiledQuery(backend.compile(template), template.schema().to_pyarrow())
    if months is None:
        return query, query.sql
    real = backend.compile(base_aggregate(plan, table, months))
    if substitute(query.sql, shape, months) == real:
        return query, real
    return CompiledQuery(real, query.schema), None


# -- the sums cache --------------------------------------------------------------------------
class SumsCache:
    """(unit, month) sums per dataset kept in the workspace, with the batch they reflect.

    Kept as Arrow IPC files: written and read back (memory-mapped) in milliseconds, where
    Parquet took a tenth of a second of a small run (and pyarrow's Parquet reader imports
    pandas)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.state_file = root / "state.json"

    def state(self) -> dict[str, Any]:
        if not self.state_file.exists():
            return {}
        try:
            return json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}

    def _path(self, dataset: str) -> Path:
        return self.root / f"{dataset}.arrow"

    def exists(self, dataset: str) -> bool:
        return self._path(dataset).exists()

    def load(self, dataset: str) -> pa.Table | None:
        import pyarrow as pa

        path = self._path(dataset)
        try:
            with pa.memory_map(str(path)) as source:
                return pa.ipc.open_file(source).read_all()
        except FileNotFoundError:
            return None

    def save(self, bases: Mapping[str, pa.Table], state: dict[str, Any]) -> None:
        import pyarrow as pa

        self.root.mkdir(parents=True, exist_ok=True)
        for ds, table in bases.items():
            tmp = self.root / f".{ds}.arrow.{os.getpid()}.tmp"
            with pa.OSFile(str(tmp), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
                out.write_table(table)
            os.replace(tmp, self._path(ds))
            (self.root / f"{ds}.parquet").unlink(missing_ok=True)  # an earlier version's
        tmp = self.root / ".state.json.tmp"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.state_file)


def _merge(old: pa.Table | None, new: pa.Table | None, months: Sequence[str] | None
           ) -> pa.Table:
    if new is None:  # dataset not rescanned
        assert old is not None
        return old
    if old is None or months is None:
        return new
    keys = sorted({int(m[:4]) * 100 + int(m[5:7]) for m in months})
    marks = ", ".join("?" for _ in keys)
    return run_local(f'SELECT * FROM _sodo_old WHERE "{MONTH_COLUMN}" NOT IN ({marks}) '
                     "UNION ALL BY NAME SELECT * FROM _sodo_new",
                     {"_sodo_old": old, "_sodo_new": new}, keys)


# -- tables per backend ----------------------------------------------------------------------
def _spark_tables(workspace: Settings, datasets: Sequence[str]) -> dict[str, ir.Table]:
    from sodo.stores.records.spark_reader import spark_tables

    return spark_tables(Path(workspace.parquet_dir), datasets)


# the steps ``compute`` reports to its ``progress`` callback (step done, of, what is next)
COMPUTE_STEPS = ("quét bản ghi / scanning records", "tổng hợp và chấm điểm / rolling up and "
                 "scoring", "ghi số liệu / writing values")


def compute(workspace: Settings, backend: str | None = None,
            periods: Sequence[str] | None = None, full: bool = False,
            levels: Sequence[str] = STORED_LEVELS,
            progress: Callable[[int, str], None] | None = None) -> ComputeRun:
    """Compute and store every engine value for ``workspace``; see the module doc for modes.

    ``backend``: duckdb | postgres | parquet (a record store, scanned by its own engine) or
    spark (PySpark local mode over the workspace's Parquet folder). ``progress(done, step)``
    is told when each of ``COMPUTE_STEPS`` begins."""
    from sqlalchemy import inspect

    def tell(done: int) -> None:
        if progress is not None:
            progress(done, COMPUTE_STEPS[done] if done < len(COMPUTE_STEPS) else "")

    from sodo.services.datasets import open_record_store, store_key
    from sodo.services.hierarchy_cache import shipped_hierarchy
    from sodo.stores.operational.tables import make_engine
    from sodo.stores.operational.values import finish_run, replace_computed_values, start_run

    began = time.perf_counter()
    timings: dict[str, float] = {}
    name = (backend or workspace.record_backend or "duckdb").lower()
    if name not in COMPUTE_BACKENDS:
        raise InputError(f"unknown compute backend '{name}' (one of: "
                         f"{', '.join(COMPUTE_BACKENDS)})")
    bad_levels = sorted(set(levels) - set(ALL_LEVELS))
    if bad_levels:
        raise InputError(f"unknown level(s) {', '.join(bad_levels)} (one of: "
                         f"{', '.join(ALL_LEVELS)})")
    cache_dir = workspace.root / ".sodo" if workspace.root else None
    config = engine_config_of(workspace.programme_path(), cache_dir)
    hierarchy = shipped_hierarchy(cache_dir)
    plans = make_plans(config)
    codes = config.output_codes()
    cache = SumsCache(workspace.root / ".sodo" / "engine")
    state = cache.state()
    store = open_record_store(workspace, "parquet" if name == "spark" else name)
    try:
        last_batch = store.last_batch_id()
        key = store_key(workspace, "parquet" if name == "spark" else name)
        since = state.get("last_batch_id")
        fresh = (full or state.get("fingerprint") != config.fingerprint()
                 or state.get("store") != key  # cached sums are of another store
                 or (since is not None and (last_batch is None or last_batch < since))  # reset
                 or any(not cache.exists(ds) for ds in plans))
        months: list[str] | None
        # months to rescan per dataset: a batch of dossiers does not rescan feedback
        per_dataset: dict[str, list[str]] | None = None
        if fresh:
            mode, months = "full", None
        elif periods:
            mode = "periods"
            months = sorted({m.id for p in periods for m in Period.parse(p).months()})
            per_dataset = {ds: months for ds in plans}
        else:
            mode = "incremental"
            per_dataset = {ds: [] for ds in plans}
            if last_batch is not None and last_batch != since:
                per_dataset = {ds: sorted(store.touched_months(ds, since)) for ds in plans}
            months = sorted({m for touched in per_dataset.values() for m in touched})
        if months is not None and not months:
            return ComputeRun(None, name, "up-to-date", 0, [], codes, 0,
                              time.perf_counter() - began)

        engine = make_engine(workspace.database_url)
        if not inspect(engine).has_table("indicator_value"):  # a store never migrated
            from sodo.stores.operational.migrate import upgrade

            upgrade(workspace.database_url)
        affected = months_to_periods(months) if months is not None else None
        run_id = start_run(engine, name, sorted(affected or []), codes)
        try:
            tell(0)
            t0 = time.perf_counter()
            # Ibis's compiled SQL, kept with the sums: a run whose queries are all cached
            # needs no Ibis (see sql_cache)
            sql_cache = SqlCache(cache.root / "sql")
            new = None if name == "spark" else store_sums(store, plans, per_dataset,
                                                            sql_cache, config.fingerprint())
            if new is None:
                if name == "spark":
                    tables = _spark_tables(workspace, list(plans))
                else:
                    tables = {ds: store.table(ds) for ds in plans}
                new = base_sums(tables, plans, per_dataset)
            timings["scan"] = time.perf_counter() - t0
            if sql_cache.compiled and name != "spark":  # Ibis is loaded: compile ahead
                warm_month_scans(store, plans, sql_cache, config.fingerprint())
            record_count = sum(
                int(_one(f'SELECT coalesce(sum("{plans[ds].column(RECORDS_MEASURE)}"), 0) '
                         "FROM _sodo_sums", new[ds])) for ds in new)
            bases = {ds: _merge(cache.load(ds) if months is not None else None, new.get(ds),
                                None if per_dataset is None else per_dataset[ds])
                     for ds in plans}
            tell(1)
            t0 = time.perf_counter()
            values = values_from_sums(bases, plans, config, hierarchy, affected, levels,
                                      sql_cache)
            timings["rollup_score"] = time.perf_counter() - t0
            values = mark_provisional(values, bases, vietnam_today())
            tell(2)
            t0 = time.perf_counter()
            changes: dict[str, int] = {}
            written = replace_computed_values(engine, run_id, values, codes, affected,
                                              source=f"sodo compute ({name})", stats=changes)
            timings["write"] = time.perf_counter() - t0
            # only the rescanned datasets' sums changed (a dossiers batch leaves feedback's)
            cache.save({ds: bases[ds] for ds in new},
                       {"fingerprint": config.fingerprint(), "store": key,
                        "last_batch_id": last_batch})
            all_periods = sorted(set(values["period"])) if affected is None else sorted(affected)
            finish_run(engine, run_id, record_count=record_count, value_count=written,
                       periods=all_periods)
            tell(len(COMPUTE_STEPS))
        except BaseException as exc:
            finish_run(engine, run_id, record_count=0, value_count=0, status="failed",
                       message=str(exc)[:2000])
            raise
        finally:
            engine.dispose()
        return ComputeRun(run_id, name, mode, record_count, all_periods, codes, written,
                          time.perf_counter() - began, timings, changes)
    finally:
        store.close()

