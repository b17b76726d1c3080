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

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from sodo.domain.indicators import PERIOD_TYPES
from sodo.domain.orgunits import Hierarchy
from sodo.services.engine.columns import Columns, fetch_local, registered
from sodo.services.engine.plans import MONTH_COLUMN, UNIT_COLUMN, MeasurePlan
from sodo.services.engine.sql_cache import MEMORY, CompiledQuery, SqlCache, quote

if TYPE_CHECKING:
    import ibis
    import ibis.expr.types as ir
    import pyarrow as pa

KEYS = ["orgunit", "period", "period_type"]


def ancestor_frame(hierarchy: Hierarchy, levels: Sequence[str] | None = None) -> Columns:
    """(unit, ancestor, depth) rows, only ancestors of ``levels`` when given."""
    rows = hierarchy.ancestor_rows()
    if levels is not None:
        wanted = set(levels)
        level_of = {u.code: str(u.level) for u in hierarchy}
        rows = [r for r in rows if level_of.get(r[1]) in wanted]
    return Columns({"unit": np.array([r[0] for r in rows], dtype=object),
                    "ancestor": np.array([r[1] for r in rows], dtype=object),
                    "depth": np.array([r[2] for r in rows], dtype=np.int64)})


def period_key(ym: ir.IntegerValue, period_type: str) -> ir.IntegerValue:
    """The period of ``period_type`` holding month ``ym`` as an integer: ``ym`` itself, year ×
    10 + quarter or half, or the year (grouped by, then written as an id once per group)."""
    year, month = ym // 100, ym % 100
    if period_type == "month":
        return ym
    if period_type == "quarter":
        return year * 10 + (month - 1) // 3 + 1
    if period_type == "half":
        return year * 10 + (month - 1) // 6 + 1
    return year


def period_id(key: ir.IntegerValue, period_type: str) -> ir.StringValue:
    """The period id (``2025-03``, ``2025Q1``, ``2025S1``, ``2025``) of a :func:`period_key`."""
    if period_type == "month":
        return (key // 100).cast("string") + "-" + (key % 100).cast("string").lpad(2, "0")
    if period_type in ("quarter", "half"):
        letter = "Q" if period_type == "quarter" else "S"
        return (key // 10).cast("string") + letter + (key % 10).cast("string")
    return key.cast("string")


def rollup_expr(base: ir.Table, ancestors: ir.Table, plan: MeasurePlan,
                period_types: Iterable[str] = PERIOD_TYPES) -> ir.Table:
    """Sums of every measure for every ancestor × period of the requested types.

    The join is summed once per (ancestor, month); quarters, halves and years are summed from
    those few rows, grouped by an integer period key (the ids are written per group)."""
    import ibis

    types = list(period_types)
    joined = base.join(ancestors, base[UNIT_COLUMN] == ancestors["unit"])
    columns = {f"{name}__{pt}" if measure.period_dependent else name
               for name, measure in plan.measures.items() for pt in types}
    monthly = joined.group_by([joined["ancestor"].name("orgunit"), MONTH_COLUMN]).aggregate(
        **{col: joined[col].sum() for col in sorted(columns)})
    parts = []
    for pt in types:
        aggs = {}
        for name, measure in plan.measures.items():
            col = f"{name}__{pt}" if measure.period_dependent else name
            aggs[f"{plan.dataset}.{name}"] = monthly[col].sum()
        grouped = monthly.group_by(["orgunit", period_key(monthly[MONTH_COLUMN], pt)
                                    .name("_period_key")]).aggregate(**aggs)
        parts.append(grouped.select(
            "orgunit", period_id(grouped["_period_key"], pt).name("period"), *aggs,
            period_type=ibis.literal(pt)))
    return ibis.union(*parts) if len(parts) > 1 else parts[0]


#: names under which the roll-up's inputs are registered with the local DuckDB
BASE_TABLE, ANCESTOR_TABLE = "_sodo_base", "_sodo_ancestors"


def plan_signature(plan: MeasurePlan) -> list[Any]:
    """Everything of a plan its compiled queries depend on (column names and measures)."""
    return [plan.dataset, plan.period_field, plan.orgunit_field, list(plan.names.items())]


def rollup(base: pa.Table, plan: MeasurePlan, ancestors: Columns,
           period_types: Iterable[str] = PERIOD_TYPES, cache: SqlCache | None = None
           ) -> pa.Table:
    """Roll a (unit, month) aggregate (Arrow, as a scan gives it) up on the in-process DuckDB;
    returns ``orgunit, period, period_type`` and one column per measure (``dataset.mN``). The
    query is Ibis's (:func:`rollup_expr`), compiled once and kept in ``cache``."""
    types = list(period_types)
    anc = Columns({"unit": ancestors["unit"], "ancestor": ancestors["ancestor"]})
    parts = {"query": "rollup", "plan": plan_signature(plan), "period_types": types,
             "base": [(f.name, str(f.type)) for f in base.schema],
             "ancestors": [("unit", "string"), ("ancestor", "string")]}

    def compile_() -> CompiledQuery:
        import ibis

        base_t = ibis.table(ibis.Schema.from_pyarrow(base.schema), name=BASE_TABLE)
        anc_t = ibis.table(ibis.schema({"unit": "string", "ancestor": "string"}),
                           name=ANCESTOR_TABLE)
        expr = rollup_expr(base_t, anc_t, plan, types)
        return CompiledQuery(_ibis_local().compile(expr), expr.schema().to_pyarrow())

    query = (cache or MEMORY).query(parts, compile_)
    with registered({BASE_TABLE: base, ANCESTOR_TABLE: anc}) as con:
        return query.run(con)


_IBIS_LOCAL: list[ibis.BaseBackend] = []


def _ibis_local() -> ibis.BaseBackend:
    """An Ibis DuckDB backend, to compile the roll-up when its SQL is not cached yet."""
    if not _IBIS_LOCAL:
        import ibis

        _IBIS_LOCAL.append(ibis.duckdb.connect())
    return _IBIS_LOCAL[0]


def combine(rolled: Sequence[pa.Table], periods: Iterable[str] | None = None) -> Columns:
    """Outer-join rolled tables of several datasets on (orgunit, period, period_type) — a unit
    with no records of one dataset has zero sums there — restricted to ``periods`` when given,
    in key order, as :class:`Columns` for scoring."""
    tables = {f"_sodo_rolled{i}": t for i, t in enumerate(rolled) if t.num_rows}
    if not tables:
        return Columns.empty(KEYS)
    keys = ", ".join(KEYS)
    union = " UNION ".join(f"SELECT {keys} FROM {name}" for name in tables)
    columns, joins = [], []
    for name, table in tables.items():
        for col in table.column_names:
            if col not in KEYS:
                columns.append(f"coalesce({name}.{quote(col)}, 0) AS {quote(col)}")
        joins.append(f"LEFT JOIN {name} USING ({keys})")
    where, params = "", []
    if periods is not None:
        wanted = sorted(set(periods))
        if not wanted:
            return Columns.empty(KEYS)
        where = " WHERE period IN (" + ", ".join("?" for _ in wanted) + ")"
        params = wanted
    sql = ("SELECT k.orgunit, k.period, k.period_type"
           + "".join(f", {c}" for c in columns)
           + f" FROM ({union}) AS k " + " ".join(joins) + where + f" ORDER BY {keys}")
    return fetch_local(sql, tables, params)
