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

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from sodo.domain.indicators import (
    PERIOD_TYPES,
    AllOf,
    AllRecords,
    AnyOf,
    FieldTest,
    Filter,
    Measure,
    Not,
    Timely,
)
from sodo.domain.problems import InputError
from sodo.services.engine.plans import (  # noqa: F401 - re-exported: the compiler's vocabulary
    MONTH_COLUMN,
    SECONDS_PER_DAY,
    UNIT_COLUMN,
    MeasurePlan,
    measure_scale,
    plan_dataset,
)

#: months per period type: a period type's periods start at month indices divisible by it
_PERIOD_MONTHS = {"month": 1, "quarter": 3, "half": 6, "year": 12}


def month_index(ts: ir.TimestampValue) -> ir.IntegerValue:
    """``year * 12 + month - 1``: consecutive integers for consecutive months."""
    return ts.year().cast("int64") * 12 + ts.month().cast("int64") - 1


def month_start_day(index: ir.IntegerValue) -> ir.IntegerValue:
    """Days from 1970-01-01 to the first day of the month ``index`` (see :func:`month_index`),
    by integer arithmetic (the proleptic Gregorian calendar, years counted from March so
    that the leap day ends a year: H. Hinnant's ``days_from_civil``)."""
    shifted = index - 2  # March of year y -> 12 * y
    year = shifted // 12
    month = shifted % 12  # 0 = March ... 11 = February
    return (year * 365 + year // 4 - year // 100 + year // 400 + (month * 153 + 2) // 5
            - 719468)


def period_end_month(ts: ir.TimestampValue, period_type: str) -> ir.IntegerValue:
    """The month index (see :func:`month_index`) of the first month after the
    ``period_type`` period containing ``ts``: integer arithmetic only."""
    span = _PERIOD_MONTHS[period_type]
    index = month_index(ts)
    return index + 1 if span == 1 else (index // span + 1) * span


def period_end_epoch(ts: ir.TimestampValue, period_type: str) -> ir.IntegerValue:
    """Epoch seconds of the first instant after the ``period_type`` period containing ``ts``
    (whole seconds, exactly the epoch of the next period's first midnight)."""
    return month_start_day(period_end_month(ts, period_type)) * SECONDS_PER_DAY


#: epoch seconds beyond which an instant is taken as this far (year 5138): keeps the day
#: number an integer for NaN and infinities, which every engine orders above (NaN, +inf) or
#: below (-inf) every period's end, as they compared before
_FAR = 1e11


def month_of_epoch(seconds: ir.NumericValue) -> ir.IntegerValue:
    """The month index of the day containing the instant ``seconds`` (epoch seconds; null
    stays null), by integer arithmetic (H. Hinnant's ``civil_from_days``).

    A period ending at month ``e`` (its end is the midnight starting month ``e``) ends at or
    before the instant exactly when ``e <= month_of_epoch(seconds)``, since month starts are
    midnights: the timely test compares month indices instead of computing the epoch of each
    period type's end for every record."""
    if seconds.type().is_floating():
        # NaN > _FAR holds on DuckDB, PostgreSQL and Spark (NaN orders above every number);
        # null stays null (isnan(null) is not null-safe on every engine)
        seconds = ibis.ifelse(seconds > _FAR, _FAR, ibis.ifelse(seconds < -_FAR, -_FAR, seconds))
    day = (seconds / SECONDS_PER_DAY).floor()
    z = day + 719468  # days from 0000-03-01
    era = z // 146097
    doe = z - era * 146097  # day of the 400-year era, 0 ... 146096
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365  # year of the era
    doy = doe - (yoe * 365 + yoe // 4 - yoe // 100)  # day of the March-based year
    mp = (doy * 5 + 2) // 153  # month of the March-based year, 0 = March
    return (yoe + era * 400) * 12 + mp + 2


#: up to this many values, ``in`` is written as equalities joined by ``or``: DuckDB evaluates
#: ``x = 'a' OR x = 'b'`` on a dictionary-compressed string column about twice as fast as
#: ``x IN ('a', 'b')`` (the same three-valued result, null for a null ``x``)
_IN_AS_EQUALITIES = 4


def _is_in(col: ir.Column, values: list[object]) -> ir.BooleanValue:
    if not values or len(values) > _IN_AS_EQUALITIES:
        return col.isin(values)
    out = col == values[0]
    for v in values[1:]:
        out = out | (col == v)
    return out


def _constant_test(col: ir.Column, op: str, value: object) -> ir.BooleanValue:
    if op == "in":
        return _is_in(col, list(value))  # type: ignore[call-overload]
    if op == "not_in":
        return ~_is_in(col, list(value))  # type: ignore[call-overload]
    if op == "is":
        if value is None:
            return col.isnull()
        return col if value is True else ~col  # booleans need no comparison
    if op == "is_not":
        return col.notnull()
    return {
        "eq": col.__eq__, "ne": col.__ne__, "lt": col.__lt__, "le": col.__le__,
        "gt": col.__gt__, "ge": col.__ge__,
    }[op](value)


def compile_filter(node: Filter, t: ir.Table, judged_at: ir.IntegerValue | None,
                   leaves: dict[str, str] | None = None, period_type: str = ""
                   ) -> ir.BooleanValue:
    """A two-valued boolean: every leaf is made null-safe, so ``not`` behaves as written.
    ``leaves`` maps a leaf's key to a column of ``t`` that already holds its value."""
    if leaves:
        column = leaves.get(_leaf_key(node, period_type))
        if column is not None:
            return t[column]
    if isinstance(node, AllRecords):
        return ibis.literal(True)
    if isinstance(node, FieldTest):
        return _constant_test(t[node.field], node.op, node.value).fill_null(False)
    if isinstance(node, AnyOf):
        parts = [compile_filter(i, t, judged_at, leaves, period_type) for i in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = out | p
        return out
    if isinstance(node, AllOf):
        parts = [compile_filter(i, t, judged_at, leaves, period_type) for i in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = out & p
        return out
    if isinstance(node, Not):
        return ~compile_filter(node.item, t, judged_at, leaves, period_type)
    if isinstance(node, Timely):
        if judged_at is None:  # pragma: no cover - the plan always passes one
            raise ValueError("timely needs the period's end")
        # min(done, J) − pause ≤ due  ⟺  done ≤ due + pause  or  J ≤ due + pause: the first
        # part does not depend on the period, so it is computed once per record (see
        # base_aggregate); only the comparison with the period's end J is per period type.
        # ``judged_at`` is the month index of the period's end, ``late_at`` the month index of
        # the day the record becomes late (see month_of_epoch)
        late_at, done_in_time = _timely_columns(node, t)
        return done_in_time | (judged_at <= late_at).fill_null(False)
    raise TypeError(f"unknown filter node {node!r}")  # pragma: no cover


def _leaf_key(node: Filter, period_type: str) -> str:
    return f"{node.key()}@{period_type}" if isinstance(node, Timely) else node.key()


def _leaves(node: Filter) -> list[Filter]:
    if isinstance(node, FieldTest | Timely):
        return [node]
    if isinstance(node, AllOf):
        return [leaf for item in node.items for leaf in _leaves(item)]
    if isinstance(node, Not):
        return _leaves(node.item)
    return []


def _timely_names(node: Timely) -> tuple[str, str]:
    key = f"{node.done}_{node.due}_{node.pause_days or ''}"
    return f"_late_at_{key}", f"_done_in_time_{key}"


def _timely_expressions(node: Timely, t: ir.Table) -> tuple[ir.IntegerValue, ir.BooleanValue]:
    """The month index of the day after whose start the record is late (a period ending at
    or before it judges the record on time), and whether it was done by the time it is
    late."""
    late_at = t[node.due].epoch_seconds()
    if node.pause_days:
        late_at = late_at + t[node.pause_days].fill_null(0) * SECONDS_PER_DAY
    done_in_time = (t[node.done].epoch_seconds() <= late_at).fill_null(False)
    return month_of_epoch(late_at), done_in_time


def _timely_columns(node: Timely, t: ir.Table) -> tuple[ir.IntegerValue, ir.BooleanValue]:
    late_name, done_name = _timely_names(node)
    if late_name in t.columns:
        return t[late_name], t[done_name]
    return _timely_expressions(node, t)


def _measure_value(measure: Measure, t: ir.Table, judged_at: ir.IntegerValue | None,
                   leaves: dict[str, str] | None = None, period_type: str = "") -> ir.Scalar:
    every = isinstance(measure.where, AllRecords)
    cond = None if every else compile_filter(measure.where, t, judged_at, leaves, period_type)
    if measure.kind == "count":
        return t.count().cast("int64") if cond is None else cond.sum().cast("int64")
    # Integer sums are exact whatever order the engine adds them in (in parallel, or a full run
    # against an incremental merge), so every run stores the same components. A duration is
    # summed in whole seconds; scoring turns it into days (see ``measure_scale``).
    if measure.kind == "sum":
        column = t[measure.field]
        value = column.cast("int64") if column.type().is_integer() else column.cast("float64")
    else:
        start, end = t[measure.start].epoch_seconds(), t[measure.field].epoch_seconds()
        value = (end - start).cast("int64")
    keep = value.notnull() if cond is None else cond & value.notnull()
    return ibis.ifelse(keep, value, 0).sum()


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


def _field_tests(node: Filter) -> list[FieldTest]:
    if isinstance(node, FieldTest):
        return [node]
    if isinstance(node, AllOf):
        return [t for item in node.items for t in _field_tests(item)]
    if isinstance(node, Not):
        return _field_tests(node.item)
    return []


def check_fields(plan: MeasurePlan, table: ir.Table) -> None:
    """Every field the definitions use exists, and ``is: true/false`` tests booleans."""
    missing = sorted(plan.fields() - set(table.columns))
    if missing:
        raise InputError(f"dataset '{plan.dataset}': the definitions use field(s) "
                         f"{', '.join(missing)} that the records do not have")
    schema = table.schema()
    for measure in plan.measures.values():
        for test in _field_tests(measure.where):
            if test.op == "is" and test.value is not None and \
                    not schema[test.field].is_boolean():
                raise InputError(f"dataset '{plan.dataset}': '{test.field}' is "
                                 f"{schema[test.field]}, not a boolean: write "
                                 f"{{field: {test.field}, eq: ...}} instead of 'is: "
                                 f"{str(test.value).lower()}'")


def base_aggregate(plan: MeasurePlan, table: ir.Table,
                   months: Sequence[str] | None = None) -> ir.Table:
    """One Ibis expression: conditional sums of every measure by (org unit, month)."""
    check_fields(plan, table)
    if months is not None:
        table = table.filter(months_filter(table[plan.period_field], months))
    table = table.filter(table[plan.period_field].notnull() & table[plan.orgunit_field].notnull())
    ends: dict[str, ir.IntegerValue] = {}
    if any(m.period_dependent for m in plan.measures.values()):
        # the end of each period type (a month index) and, per timely test, the month the
        # record becomes late and whether it was done by then, once per record, shared by
        # every timely test (as a hand-written query would)
        ts = table[plan.period_field]
        extra = {f"_end_{pt}": period_end_month(ts, pt) for pt in PERIOD_TYPES}
        for measure in plan.measures.values():
            for node in _timely_nodes(measure.where):
                late_name, done_name = _timely_names(node)
                extra[late_name], extra[done_name] = _timely_expressions(node, table)
        table = table.mutate(**extra)
        ends = {pt: table[f"_end_{pt}"] for pt in PERIOD_TYPES}
    # Every distinct leaf test once per record, as a boolean column: many indicators share
    # tests (status, timeliness) and the aggregates then only combine booleans.
    leaves: dict[str, str] = {}
    leaf_columns: dict[str, ir.BooleanValue] = {}
    for measure in plan.measures.values():
        for leaf in _leaves(measure.where):
            for pt in (PERIOD_TYPES if isinstance(leaf, Timely) else ("",)):
                key = _leaf_key(leaf, pt)
                if key not in leaves:
                    leaves[key] = f"_leaf{len(leaves)}"
                    leaf_columns[leaves[key]] = compile_filter(
                        leaf, table, ends.get(pt), None, pt)
    if leaf_columns:
        table = table.mutate(**leaf_columns)
    ts = table[plan.period_field]
    aggs: dict[str, ir.Scalar] = {}
    for name, measure in plan.measures.items():
        if measure.period_dependent:
            for pt in PERIOD_TYPES:
                aggs[f"{name}__{pt}"] = _measure_value(measure, table, None, leaves, pt)
        else:
            aggs[name] = _measure_value(measure, table, None, leaves)
    return table.group_by(
        [table[plan.orgunit_field].cast("string").name(UNIT_COLUMN),
         month_key(ts).cast("int64").name(MONTH_COLUMN)]
    ).aggregate(**aggs)
