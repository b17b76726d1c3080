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

import ibis
import ibis.expr.types as ir
import pandas as pd

from sodo.domain.indicators import PERIOD_TYPES
from sodo.domain.orgunits import Hierarchy
from sodo.services.engine.compiler import MONTH_COLUMN, UNIT_COLUMN, MeasurePlan

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


def rollup(base: pd.DataFrame, plan: MeasurePlan, ancestors: pd.DataFrame,
           period_types: Iterable[str] = PERIOD_TYPES) -> pd.DataFrame:
    """Roll a (unit, month) aggregate up on an in-process DuckDB; returns a pandas frame with
    ``orgunit, period, period_type`` and one column per measure (``dataset.mN``)."""
    base_t = ibis.memtable(base)
    anc_t = ibis.memtable(ancestors[["unit", "ancestor"]])
    return _local().execute(rollup_expr(base_t, anc_t, plan, period_types))


_LOCAL: list[ibis.BaseBackend] = []


def _local() -> ibis.BaseBackend:
    """One in-process DuckDB per process for the small roll-ups (connecting costs more than
    rolling up an incremental batch)."""
    if not _LOCAL:
        _LOCAL.append(ibis.duckdb.connect())
    return _LOCAL[0]


def combine(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Outer-join rolled frames of several datasets on (orgunit, period, period_type): a unit
    with no records of one dataset has zero sums there."""
    indexed = [f.set_index(KEYS) for f in frames if len(f)]
    if not indexed:
        return pd.DataFrame(columns=KEYS)
    out = pd.concat(indexed, axis=1, join="outer").fillna(0)
    return out.reset_index()
