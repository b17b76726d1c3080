"""Roll (unit, month) sums up the org-unit hierarchy and over time, as sums.

The flattened ancestor table (one row per unit and each of its ancestors, itself included) is
joined on the unit: one ``GROUP BY (ancestor, period)`` per period type then gives every level
(commune -> province -> nation; ministry -> nation) at once. Months roll into quarters, halves
and years by summing numerators and denominators, so ratios are always ratios of sums. A
period-dependent measure sums the variant judged at the end of the period being built.

The roll-up works on the small (unit, month) aggregate, never on records, so it runs on an
in-process DuckDB whatever backend scanned the records.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import pandas as pd

from sodo.domain.indicators import PERIOD_TYPES
from sodo.domain.orgunits import Hierarchy
from sodo.services.engine.plans import MONTH_COLUMN, UNIT_COLUMN, MeasurePlan
from sodo.services.engine.sql_cache import MEMORY, CompiledQuery, SqlCache

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir

KEYS = ["orgunit", "period", "period_type"]


def ancestor_frame(hierarchy: Hierarchy) -> pd.DataFrame:
    rows = hierarchy.ancestor_rows()
    return pd.DataFrame(rows, columns=["unit", "ancestor", "depth"])


def period_id(ym: ir.IntegerValue, period_type: str) -> ir.StringValue:
    year, month = ym // 100, ym % 100
    ys = year.cast("string")
    if period_type == "month":
        return ys + "-" + month.cast("string").lpad(2, "0")
    if period_type == "quarter":
        return ys + "Q" + ((month - 1) // 3 + 1).cast("string")
    if period_type == "half":
        return ys + "S" + ((month - 1) // 6 + 1).cast("string")
    return ys


def rollup_expr(base: ir.Table, ancestors: ir.Table, plan: MeasurePlan,
                period_types: Iterable[str] = PERIOD_TYPES) -> ir.Table:
    """Sums of every measure for every ancestor × period of the requested types."""
    import ibis

    joined = base.join(ancestors, base[UNIT_COLUMN] == ancestors["unit"])
    parts = []
    for pt in period_types:
        aggs = {}
        for name, measure in plan.measures.items():
            col = f"{name}__{pt}" if measure.period_dependent else name
            aggs[f"{plan.dataset}.{name}"] = joined[col].sum()
        parts.append(
            joined.group_by([joined["ancestor"].name("orgunit"),
                             period_id(joined[MONTH_COLUMN], pt).name("period")])
            .aggregate(**aggs)
            .mutate(period_type=ibis.literal(pt))
        )
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


#: names under which the roll-up's inputs are registered with the local DuckDB
BASE_TABLE, ANCESTOR_TABLE = "_sodo_base", "_sodo_ancestors"


def plan_signature(plan: MeasurePlan) -> list[Any]:
    """Everything of a plan its compiled queries depend on (column names and measures)."""
    return [plan.dataset, plan.period_field, plan.orgunit_field, list(plan.names.items())]


def rollup(base: pd.DataFrame, plan: MeasurePlan, ancestors: pd.DataFrame,
           period_types: Iterable[str] = PERIOD_TYPES, cache: SqlCache | None = None
           ) -> pd.DataFrame:
    """Roll a (unit, month) aggregate up on an in-process DuckDB; returns a pandas frame with
    ``orgunit, period, period_type`` and one column per measure (``dataset.mN``). The query is
    Ibis's (:func:`rollup_expr`), compiled once and kept in ``cache``."""
    import pyarrow as pa

    types = list(period_types)
    anc = ancestors[["unit", "ancestor"]]
    parts = {"query": "rollup", "plan": plan_signature(plan), "period_types": types,
             "base": [(str(c), str(t)) for c, t in base.dtypes.items()],
             "ancestors": [(str(c), str(t)) for c, t in anc.dtypes.items()]}

    def compile_() -> CompiledQuery:
        import ibis

        base_t = ibis.table(ibis.memtable(base).schema(), name=BASE_TABLE)
        anc_t = ibis.table(ibis.memtable(anc).schema(), name=ANCESTOR_TABLE)
        expr = rollup_expr(base_t, anc_t, plan, types)
        return CompiledQuery(_local().compile(expr), expr.schema().to_pyarrow())

    query = (cache or MEMORY).query(parts, compile_)
    con = _raw_local()
    con.register(BASE_TABLE, pa.Table.from_pandas(base, preserve_index=False))
    con.register(ANCESTOR_TABLE, pa.Table.from_pandas(anc, preserve_index=False))
    try:
        return query.run(con).to_pandas()
    finally:
        con.unregister(BASE_TABLE)
        con.unregister(ANCESTOR_TABLE)


_LOCAL: list[ibis.BaseBackend] = []
_RAW: list[Any] = []


def _local() -> ibis.BaseBackend:
    """An Ibis DuckDB backend, to compile the roll-up when its SQL is not cached yet."""
    if not _LOCAL:
        import ibis

        _LOCAL.append(ibis.duckdb.connect())
    return _LOCAL[0]


def _raw_local() -> Any:
    """One in-process DuckDB per process for the small roll-ups (connecting costs more than
    rolling up an incremental batch), set as Ibis sets its connections."""
    if not _RAW:
        import duckdb

        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET python_enable_replacements = false")
        _RAW.append(con)
    return _RAW[0]


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Outer-join rolled frames of several datasets on (orgunit, period, period_type): a unit
    with no records of one dataset has zero sums there."""
    indexed = [f.set_index(KEYS) for f in frames if len(f)]
    if not indexed:
        return pd.DataFrame(columns=KEYS)
    out = pd.concat(indexed, axis=1, join="outer").fillna(0)
    return out.reset_index()
