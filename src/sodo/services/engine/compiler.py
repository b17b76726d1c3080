"""Compile indicator definitions into ONE Ibis aggregate per dataset.

Every distinct measure (count / sum under a filter) of every indicator on a dataset becomes one
conditional sum in a single ``GROUP BY (org unit, month)``: the records are scanned once however
many indicators there are. A measure whose filter depends on the period's end (``timely``) gets
one column per period type (``__month``, ``__quarter``, ``__half``, ``__year``), each judged at
the end of that period, so the roll-up can sum the right one.

The expression uses only portable Ibis operations, so it runs unchanged on DuckDB, PostgreSQL
and PySpark. Timestamps are compared as epoch seconds of naive (wall-clock) timestamps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

from sodo.model.problems import InputError
from sodo.services.engine.definitions import (
    PERIOD_TYPES,
    AllOf,
    AllRecords,
    AnyOf,
    ComputedIndicator,
    FieldTest,
    Filter,
    Measure,
    Not,
    Timely,
)

SECONDS_PER_DAY = 86400
#: months per period type, to find the end of the period a month belongs to
PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}
UNIT_COLUMN = "orgunit"
MONTH_COLUMN = "ym"  # year * 100 + month, an integer (portable and cheap to group by)


@dataclass
class MeasurePlan:
    """The conditional sums one dataset pass computes, by measure key."""

    dataset: str
    period_field: str
    orgunit_field: str
    names: dict[str, str] = field(default_factory=dict)  # measure key -> base column name
    measures: dict[str, Measure] = field(default_factory=dict)  # base column name -> measure

    def add(self, measure: Measure) -> str:
        key = measure.key()
        if key not in self.names:
            name = f"m{len(self.names)}"
            self.names[key] = name
            self.measures[name] = measure
        return self.names[key]

    def column(self, measure: Measure) -> str:
        return self.names[measure.key()]

    def base_columns(self) -> list[str]:
        """Columns of the (unit, month) aggregate, with the period-type variants."""
        cols: list[str] = []
        for name, measure in self.measures.items():
            if measure.period_dependent:
                cols += [f"{name}__{pt}" for pt in PERIOD_TYPES]
            else:
                cols.append(name)
        return cols

    def fields(self) -> set[str]:
        out = {self.period_field, self.orgunit_field}
        for measure in self.measures.values():
            out |= measure.fields()
        return out


def plan_dataset(dataset: str, indicators: Iterable[ComputedIndicator]) -> MeasurePlan:
    """Collect the distinct measures of the indicators on ``dataset`` (shared ones once)."""
    plan: MeasurePlan | None = None
    for ind in indicators:
        if ind.dataset != dataset:
            continue
        if plan is None:
            plan = MeasurePlan(dataset, ind.period_field, ind.orgunit_field)
        elif (ind.period_field, ind.orgunit_field) != (plan.period_field, plan.orgunit_field):
            raise InputError(f"indicator {ind.code}: all indicators of dataset '{dataset}' must "
                             f"share period_field and orgunit_field "
                             f"({plan.period_field}, {plan.orgunit_field})")
        for measure in ind.measures():
            if measure is not None:
                plan.add(measure)
    if plan is None:
        raise InputError(f"no indicator is defined on dataset '{dataset}'")
    return plan


def period_end_epoch(ts: ir.TimestampValue, period_type: str) -> ir.IntegerValue:
    """Epoch seconds of the first instant after the ``period_type`` period containing ``ts``."""
    span = PERIOD_MONTHS[period_type]
    year, month = ts.year(), ts.month()
    next_month = ((month - 1) // span + 1) * span + 1
    next_year = ibis.ifelse(next_month > 12, year + 1, year)
    next_month = ibis.ifelse(next_month > 12, next_month - 12, next_month)
    return ibis.date(next_year, next_month, 1).cast("timestamp").epoch_seconds()


def _constant_test(col: ir.Column, op: str, value: object) -> ir.BooleanValue:
    if op == "in":
        return col.isin(list(value))  # type: ignore[arg-type]
    if op == "not_in":
        return ~col.isin(list(value))  # type: ignore[arg-type]
    if op == "is":
        return col.isnull() if value is None else (col == value)
    if op == "is_not":
        return col.notnull()
    return {
        "eq": col.__eq__, "ne": col.__ne__, "lt": col.__lt__, "le": col.__le__,
        "gt": col.__gt__, "ge": col.__ge__,
    }[op](value)


def compile_filter(node: Filter, t: ir.Table, judged_at: ir.IntegerValue | None) -> ir.BooleanValue:
    """A two-valued boolean: every leaf is made null-safe, so ``not`` behaves as written."""
    if isinstance(node, AllRecords):
        return ibis.literal(True)
    if isinstance(node, FieldTest):
        return _constant_test(t[node.field], node.op, node.value).fill_null(False)
    if isinstance(node, AnyOf):
        parts = [compile_filter(i, t, judged_at) for i in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if isinstance(node, AllOf):
        parts = [compile_filter(i, t, judged_at) for i in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if isinstance(node, Not):
        return ~compile_filter(node.item, t, judged_at)
    if isinstance(node, Timely):
        if judged_at is None:  # pragma: no cover - the plan always passes one
            raise ValueError("timely needs the period's end")
        done = t[f"_epoch_{node.done}"] if f"_epoch_{node.done}" in t.columns else \
            t[node.done].epoch_seconds()
        judged = ibis.ifelse(done.isnull() | (done > judged_at), judged_at, done)
        if node.pause_days:
            judged = judged - t[node.pause_days].fill_null(0) * SECONDS_PER_DAY
        return (judged <= t[node.due].epoch_seconds()).fill_null(False)
    raise TypeError(f"unknown filter node {node!r}")  # pragma: no cover


def _measure_value(measure: Measure, t: ir.Table, judged_at: ir.IntegerValue | None) -> ir.Scalar:
    every = isinstance(measure.where, AllRecords)
    cond = None if every else compile_filter(measure.where, t, judged_at)
    if measure.kind == "count":
        return t.count().cast("int64") if cond is None else ibis.ifelse(cond, 1, 0).sum().cast(
            "int64")
    if measure.kind == "sum":
        value = t[measure.field].cast("float64")
    else:
        start, end = t[measure.start].epoch_seconds(), t[measure.field].epoch_seconds()
        value = (end - start).cast("float64") / SECONDS_PER_DAY
    keep = value.notnull() if cond is None else cond & value.notnull()
    return ibis.ifelse(keep, value, 0.0).sum()


def _timely_nodes(node: Filter) -> list[Timely]:
    if isinstance(node, Timely):
        return [node]
    if isinstance(node, AllOf):  # AnyOf too
        return [t for item in node.items for t in _timely_nodes(item)]
    if isinstance(node, Not):
        return _timely_nodes(node.item)
    return []


def month_key(ts: ir.TimestampValue) -> ir.IntegerValue:
    return ts.year() * 100 + ts.month()


def months_filter(ts: ir.TimestampValue, months: Sequence[str]) -> ir.BooleanValue:
    """Records in the given "YYYY-MM" months; a range test first so stores can prune."""
    keys = sorted(int(m[:4]) * 100 + int(m[5:7]) for m in months)
    lo, hi = keys[0], keys[-1]
    hi_year, hi_month = divmod(hi, 100)
    nxt = f"{hi_year + 1}-01-01" if hi_month == 12 else f"{hi_year}-{hi_month + 1:02d}-01"
    start = ibis.timestamp(f"{lo // 100}-{lo % 100:02d}-01 00:00:00")
    cond = (ts >= start) & (ts < ibis.timestamp(f"{nxt} 00:00:00"))
    if len(keys) != (hi_year * 12 + hi_month) - ((lo // 100) * 12 + lo % 100) + 1:
        cond = cond & month_key(ts).isin(keys)
    return cond


def check_fields(plan: MeasurePlan, table: ir.Table) -> None:
    missing = sorted(plan.fields() - set(table.columns))
    if missing:
        raise InputError(f"dataset '{plan.dataset}': the definitions use field(s) "
                         f"{', '.join(missing)} that the records do not have")


def base_aggregate(plan: MeasurePlan, table: ir.Table,
                   months: Sequence[str] | None = None) -> ir.Table:
    """One Ibis expression: conditional sums of every measure by (org unit, month)."""
    check_fields(plan, table)
    if months is not None:
        table = table.filter(months_filter(table[plan.period_field], months))
    table = table.filter(table[plan.period_field].notnull() & table[plan.orgunit_field].notnull())
    ends: dict[str, ir.IntegerValue] = {}
    if any(m.period_dependent for m in plan.measures.values()):
        # the end of each period type and the epoch of every 'done' field once per record,
        # shared by every timely test (as a hand-written query would)
        ts = table[plan.period_field]
        extra = {f"_end_{pt}": period_end_epoch(ts, pt) for pt in PERIOD_TYPES}
        for measure in plan.measures.values():
            for node in _timely_nodes(measure.where):
                extra[f"_epoch_{node.done}"] = table[node.done].epoch_seconds()
        table = table.mutate(**extra)
        ends = {pt: table[f"_end_{pt}"] for pt in PERIOD_TYPES}
    ts = table[plan.period_field]
    aggs: dict[str, ir.Scalar] = {}
    for name, measure in plan.measures.items():
        if measure.period_dependent:
            for pt in PERIOD_TYPES:
                aggs[f"{name}__{pt}"] = _measure_value(measure, table, ends[pt])
        else:
            aggs[name] = _measure_value(measure, table, None)
    return table.group_by(
        [table[plan.orgunit_field].cast("string").name(UNIT_COLUMN),
         month_key(ts).cast("int64").name(MONTH_COLUMN)]
    ).aggregate(**aggs)
