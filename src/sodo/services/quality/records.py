"""Record checks compiled to Ibis: they run where the records are (DuckDB, PostgreSQL, Spark…).

For one dataset and one period, :func:`run_record_checks` builds one expression that flags each
record for every record check (windows for the duplicate checks), groups it by agency and sums
the flags — one scan, a result of one row per agency. The examples of a failing check (at most
``EXAMPLES`` per agency) and the freshness and monthly volumes (one small group-by each) are
separate queries. Only these small results reach Python, where the agencies' tallies are rolled
up to the scored units (an agency counts for its unit and every unit above; a code no longer in
force counts for the unit that carries it on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir

from sodo.domain.datasets import Dataset, FieldType
from sodo.domain.indicators import parse_filter
from sodo.domain.orgunits import NATION_CODE, Hierarchy, OrgUnitError
from sodo.domain.periods import Period
from sodo.domain.quality import CheckDefinition, is_outlier, modified_z_scores
from sodo.services.engine.compiler import compile_filter, month_key

EXAMPLES = 5
#: Characters that make two keys look equal: spaces and the usual invisible ones.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"
_INVISIBLE_CLASS = f"[\\s{INVISIBLE}]"
_COMPARE = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
            "ge": "__ge__"}


@dataclass
class Tally:
    """Items a check looked at for one scored unit, how many failed, and a few examples."""

    checked: int = 0
    failed: int = 0
    examples: list[dict[str, Any]] = field(default_factory=list)

    def add(self, checked: int, failed: int, examples: Sequence[dict[str, Any]] = ()) -> None:
        self.checked += int(checked)
        self.failed += int(failed)
        room = EXAMPLES - len(self.examples)
        if room > 0:
            self.examples.extend(list(examples)[:room])


#: (unit, check code) → tally
Tallies = dict[tuple[str, str], Tally]


@dataclass
class _Flag:
    """A record check as Ibis expressions: which records fail, and what an example shows."""

    bad: ir.BooleanValue
    field: ir.StringValue
    value: ir.StringValue
    rule: ir.StringValue


class UnitMap:
    """Which scored units an agency code counts for (itself and its ancestors, through its
    successor when the code is no longer in force)."""

    def __init__(self, hierarchy: Hierarchy, units: Sequence[str], on: date) -> None:
        self.hierarchy, self.units, self.on = hierarchy, set(units), on
        self._cache: dict[str, list[str]] = {}

    def __call__(self, code: str) -> list[str]:
        if code not in self._cache:
            self._cache[code] = self._targets(code)
        return self._cache[code]

    def _targets(self, code: str) -> list[str]:
        try:
            homes = self.hierarchy.successors_on(code, self.on) or [self.hierarchy.get(code)]
        except OrgUnitError:  # an unknown code: counted for the nation (Kết nối flags it)
            return [NATION_CODE] if NATION_CODE in self.units else []
        out: list[str] = []
        for home in homes[:1]:
            for unit in (home, *self.hierarchy.ancestors(home.code)):
                if unit.code in self.units and unit.code not in out:
                    out.append(unit.code)
        return out


def _text(expr: ir.Value) -> ir.StringValue:
    return expr.cast("string").fill_null("null")


def _period_range(t: ir.Table, ds: Dataset, period: Period) -> ir.BooleanValue:
    ts = t[ds.period_field]
    start = ibis.timestamp(f"{period.start.isoformat()} 00:00:00")
    end = ibis.timestamp(f"{(period.end + timedelta(days=1)).isoformat()} 00:00:00")
    return (ts >= start) & (ts < end)


def _first_of(items: list[tuple[ir.BooleanValue, str, ir.StringValue, str]]) -> _Flag:
    """One flag from several conditions: bad if any; the example names the first that holds."""
    bad = items[0][0]
    for cond, *_ in items[1:]:
        bad = bad | cond
    if len(items) == 1:
        cond, name, value, rule = items[0]
        return _Flag(bad, ibis.literal(name), value, ibis.literal(rule))
    fields = ibis.cases(*[(c, ibis.literal(n)) for c, n, _, _ in items], else_=ibis.literal(""))
    values = ibis.cases(*[(c, v) for c, _, v, _ in items], else_=ibis.literal(""))
    rules = ibis.cases(*[(c, ibis.literal(r)) for c, _, _, r in items], else_=ibis.literal(""))
    return _Flag(bad, fields, values, rules)


def _rule_condition(spec: dict[str, Any], t: ir.Table) -> ir.BooleanValue:
    """The records breaking one configured cross-field rule (a NULL comparison is satisfied)."""
    if "compare" in spec:
        left, op, right = spec["compare"]
        ok = getattr(t[left], _COMPARE[op])(t[right]).fill_null(True)
        return ~ok
    when = compile_filter(parse_filter(spec.get("if")), t, None)
    then = compile_filter(parse_filter(spec["then"]), t, None)
    return when & ~then


def _rule_field(spec: dict[str, Any]) -> str:
    if "compare" in spec:
        return str(spec["compare"][0])
    return str(spec.get("field") or spec["then"]["field"])


def compile_flags(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition],
                  hierarchy: Hierarchy, tables: Callable[[str], ir.Table] | None = None
                  ) -> tuple[ir.Table, dict[str, _Flag]]:
    """``t`` with the window columns the duplicate checks need, and each record check's flag.
    Checks with nothing to test in this dataset are left out."""
    flags: dict[str, _Flag] = {}
    key = t[ds.key]
    extra: dict[str, ir.Value] = {}
    by_code = {c.code: c for c in checks}
    if "sach.duplicate_key" in by_code:
        norm = key.lower().re_replace(_INVISIBLE_CLASS, "")
        extra["_dup_key"] = ibis.row_number().over(group_by=[norm], order_by=[key])
    if "sach.duplicate_content" in by_code:
        fields = by_code["sach.duplicate_content"].params.get("fields") or [
            f for f in ds.field_names if f != ds.key]
        extra["_dup_content"] = ibis.row_number().over(
            group_by=[t[f] for f in fields], order_by=[key])
    if extra:
        t = t.mutate(**extra)
        key = t[ds.key]
    for check in checks:
        params = check.params
        items: list[tuple[ir.BooleanValue, str, ir.StringValue, str]] = []
        if check.code == "dung.allowed_values":
            items = [(t[f.name].notnull() & ~t[f.name].isin(f.allowed), f.name,
                      _text(t[f.name]), "allowed_values") for f in ds.fields if f.allowed]
        elif check.code == "dung.range":
            for name, bounds in (params.get("ranges") or {}).items():
                if name not in ds.field_names:
                    continue
                col = t[name]
                cond = ibis.literal(False)
                if bounds.get("min") is not None:
                    cond = cond | (col < bounds["min"]).fill_null(False)
                if bounds.get("max") is not None:
                    cond = cond | (col > bounds["max"]).fill_null(False)
                items.append((cond, name, _text(col), "range"))
        elif check.code == "dung.cross_field":
            for spec in params.get("rules") or []:
                name = _rule_field(spec)
                if name not in ds.field_names:
                    continue
                items.append((_rule_condition(spec, t), name, _text(t[name]), spec["rule"]))
        elif check.code == "du.required":
            names = [f.name for f in ds.fields if f.required] + [
                n for n in params.get("also") or [] if n in ds.field_names]
            items = [(t[n].isnull(), n, ibis.literal("null"), "required")
                     for n in dict.fromkeys(names)]
        elif check.code == "sach.duplicate_key":
            items = [(t["_dup_key"] > 0, ds.key, _text(key), "duplicate_key")]
        elif check.code == "sach.duplicate_content":
            items = [(t["_dup_content"] > 0, ds.key, _text(key), "duplicate_content")]
        elif check.code == "sach.malformed":
            names = params.get("fields") or [ds.key, ds.orgunit_field]
            for name in names:
                if name not in ds.field_names or ds.field(name).type is not FieldType.STR:
                    continue
                col = t[name]
                cond = col.re_search(f"^{_INVISIBLE_CLASS}|{_INVISIBLE_CLASS}$|[{INVISIBLE}]")
                items.append((cond.fill_null(False), name, _text(col), "malformed"))
        elif check.code == "thong_nhat.orgunit_in_force":
            items = _in_force_items(t, ds, hierarchy, bool(params.get("before_valid_from")))
        elif check.code == "ket_noi.references":
            items = _reference_items(t, ds, hierarchy, tables)
        if items:
            flags[check.code] = _first_of(items)
    return t, flags


def _in_force_items(t: ir.Table, ds: Dataset, hierarchy: Hierarchy, before_valid_from: bool
                    ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    ts, unit = t[ds.period_field], t[ds.orgunit_field]
    ended: dict[date, list[str]] = {}
    started: dict[date, list[str]] = {}
    for u in hierarchy:
        if u.valid_to is not None:
            ended.setdefault(u.valid_to, []).append(u.code)
        if before_valid_from and u.valid_from is not None:
            started.setdefault(u.valid_from, []).append(u.code)
    cond = ibis.literal(False)
    for last, codes in ended.items():
        after = ibis.timestamp(f"{(last + timedelta(days=1)).isoformat()} 00:00:00")
        cond = cond | (unit.isin(codes) & (ts >= after))
    for first, codes in started.items():
        cond = cond | (unit.isin(codes) & (ts < ibis.timestamp(f"{first.isoformat()} 00:00:00")))
    return [(cond.fill_null(False), ds.orgunit_field, _text(unit), "orgunit_in_force")]


def _reference_items(t: ir.Table, ds: Dataset, hierarchy: Hierarchy,
                     tables: Callable[[str], ir.Table] | None
                     ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    items = []
    known = ibis.memtable({"code": sorted(u.code for u in hierarchy)})
    for f in ds.fields:
        if not f.references:
            continue
        col = t[f.name]
        if f.references == "orgunit":
            cond = col.notnull() & ~col.isin(known.code)
        elif "." in f.references and tables is not None:
            other, other_field = f.references.split(".", 1)
            cond = col.notnull() & ~col.isin(tables(other)[other_field])
        else:
            continue
        items.append((cond, f.name, _text(col), f"references {f.references}"))
    return items


def run_record_checks(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition],
                      period: Period, hierarchy: Hierarchy, units: Sequence[str], today: date,
                      tables: Callable[[str], ir.Table] | None = None) -> Tallies:
    """Tallies of every record check of ``ds`` for ``period``, per scored unit."""
    unit_map = UnitMap(hierarchy, units, min(period.end, today))
    tallies: Tallies = {}

    def tally(unit: str, code: str) -> Tally:
        return tallies.setdefault((unit, code), Tally())

    in_period = t.filter(_period_range(t, ds, period))
    flagged, flags = compile_flags(in_period, ds, checks, hierarchy, tables)
    agency = flagged[ds.orgunit_field].cast("string").fill_null("")
    if flags:
        names = {code: f"f{i}" for i, code in enumerate(flags)}
        aggs = {names[code]: ibis.ifelse(flag.bad, 1, 0).sum() for code, flag in flags.items()}
        counts = flagged.group_by(agency.name("_agency")).aggregate(_n=flagged.count(), **aggs)
        rows = counts.to_pyarrow().to_pylist()
        examples = {code: _examples(flagged, ds, flag, agency)
                    for code, flag in flags.items()
                    if any((r[names[code]] or 0) > 0 for r in rows)}
        for row in rows:
            for unit in unit_map(row["_agency"]):
                for code in flags:
                    tally(unit, code).add(row["_n"], row[names[code]] or 0,
                                          examples.get(code, {}).get(row["_agency"], []))
    by_code = {c.code: c for c in checks}
    if "song.freshness" in by_code:
        _freshness(t, ds, by_code["song.freshness"], period, hierarchy, unit_map, today, tally)
    if "du.agency_coverage" in by_code or "sach.outlier_volume" in by_code:
        monthly = _monthly_counts(t, ds, period, by_code.get("sach.outlier_volume"), unit_map)
        if "du.agency_coverage" in by_code:
            _coverage(monthly, by_code["du.agency_coverage"], period, hierarchy, units, tally)
        if "sach.outlier_volume" in by_code:
            _volume_outliers(monthly, by_code["sach.outlier_volume"], period, units, tally)
    return tallies


def _examples(t: ir.Table, ds: Dataset, flag: _Flag, agency: ir.StringValue
              ) -> dict[str, list[dict[str, Any]]]:
    """At most ``EXAMPLES`` failing records per agency: key, field, value, rule."""
    key = t[ds.key]
    bad = t.filter(flag.bad).mutate(
        _agency=agency, _field=flag.field, _value=flag.value, _rule=flag.rule,
        _key=key.cast("string"))
    ranked = bad.mutate(_rn=ibis.row_number().over(group_by=[bad["_agency"]],
                                                    order_by=[bad["_key"]]))
    picked = ranked.filter(ranked["_rn"] < EXAMPLES).select(
        "_agency", "_key", "_field", "_value", "_rule").order_by(["_agency", "_key"])
    out: dict[str, list[dict[str, Any]]] = {}
    for row in picked.to_pyarrow().to_pylist():
        out.setdefault(row["_agency"], []).append(
            {"key": row["_key"], "field": row["_field"], "value": row["_value"],
             "rule": row["_rule"], "agency": row["_agency"]})
    return out


def _freshness(t: ir.Table, ds: Dataset, check: CheckDefinition, period: Period,
               hierarchy: Hierarchy, unit_map: UnitMap, today: date,
               tally: Callable[[str, str], Tally]) -> None:
    """Per scored unit: the age of the newest record of its subtree at the end of the period
    (or today) against the expected frequency of its level. A unit above other scored units
    (the nation) counts each of them."""
    reference = min(period.end, today)
    until = ibis.timestamp(f"{(reference + timedelta(days=1)).isoformat()} 00:00:00")
    before = t.filter(t[ds.period_field] < until)
    newest = before.group_by(before[ds.orgunit_field].cast("string").name("_agency")).aggregate(
        _newest=before[ds.period_field].max())
    latest: dict[str, datetime] = {}
    for row in newest.to_pyarrow().to_pylist():
        if row["_newest"] is None:
            continue
        for target in unit_map(row["_agency"]):
            if target not in latest or row["_newest"] > latest[target]:
                latest[target] = row["_newest"]
    max_age = int(check.params.get("max_age_days") or 31)
    by_level = check.params.get("by_level") or {}
    units = unit_map.units
    for code in sorted(units):
        unit = hierarchy.get(code)
        below = [u for u in units if u != code and code in unit_map(u)]
        for item in below or [code]:
            item_unit = hierarchy.get(item)
            if not item_unit.active_on(reference):
                continue
            allowed = int(by_level.get(str(item_unit.level), max_age))
            last = latest.get(item)
            if last is None:
                continue  # never sent anything: a coverage question (Đủ), not freshness
            last_day = last.date() if isinstance(last, datetime) else last
            age = (reference - last_day).days
            stale = age > allowed
            example = {"key": item, "field": ds.period_field, "value": str(last),
                       "rule": f"newest record {age} days old (> {allowed})", "agency": item}
            tally(unit.code, check.code).add(1, int(stale), [example] if stale else [])


def _monthly_counts(t: ir.Table, ds: Dataset, period: Period, volume: CheckDefinition | None,
                    unit_map: UnitMap) -> dict[str, dict[int, int]]:
    """Records per scored unit and month (``YYYYMM``), over the period and, for the volume
    check, the months before it that its history needs (plus a year, for the year-on-year
    ratio)."""
    history = int(volume.params.get("history_months", 12)) + 12 if volume else 0
    first = period.start
    for _ in range(history):
        first = (first.replace(day=1) - timedelta(days=1)).replace(day=1)
    scope = Period.parse(period.id)
    ts = t[ds.period_field]
    start = ibis.timestamp(f"{first.replace(day=1).isoformat()} 00:00:00")
    end = ibis.timestamp(f"{(scope.end + timedelta(days=1)).isoformat()} 00:00:00")
    scoped = t.filter((ts >= start) & (ts < end))
    grouped = scoped.group_by(
        [scoped[ds.orgunit_field].cast("string").name("_agency"),
         month_key(scoped[ds.period_field]).cast("int64").name("_ym")]
    ).aggregate(_n=scoped.count())
    out: dict[str, dict[int, int]] = {}
    for row in grouped.to_pyarrow().to_pylist():
        for unit in unit_map(row["_agency"]):
            months = out.setdefault(unit, {})
            months[row["_ym"]] = months.get(row["_ym"], 0) + int(row["_n"])
    return out


def _coverage(monthly: dict[str, dict[int, int]], check: CheckDefinition, period: Period,
              hierarchy: Hierarchy, units: Sequence[str],
              tally: Callable[[str, str], Tally]) -> None:
    levels = set(check.params.get("levels") or ["ministry", "province"])
    lo = period.start.year * 100 + period.start.month
    hi = period.end.year * 100 + period.end.month
    for code in units:
        unit = hierarchy.get(code)
        if str(unit.level) not in levels or not unit.active_on(period.end):
            continue
        n = sum(v for ym, v in monthly.get(code, {}).items() if lo <= ym <= hi)
        example = {"key": code, "field": "records", "value": "0",
                   "rule": "no records in the period", "agency": code}
        missing = n == 0
        for target in {code, *(a.code for a in hierarchy.ancestors(code))} & set(units):
            tally(target, check.code).add(1, int(missing), [example] if missing else [])


def _month_ids(period: Period) -> list[int]:
    out, day = [], period.start.replace(day=1)
    while day <= period.end:
        out.append(day.year * 100 + day.month)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _shift(ym: int, months: int) -> int:
    index = (ym // 100) * 12 + (ym % 100 - 1) - months
    return (index // 12) * 100 + index % 12 + 1


def _volume_outliers(monthly: dict[str, dict[int, int]], check: CheckDefinition,
                     period: Period, units: Sequence[str],
                     tally: Callable[[str, str], Tally]) -> None:
    """Each month of the period: the unit's year-on-year ratio of record counts against the
    ratios of its previous months (seasons cancel out). Upward spikes only by default (a
    drop is a freshness or coverage question)."""
    threshold = float(check.params.get("threshold", 3.5))
    history = int(check.params.get("history_months", 12))
    min_history = int(check.params.get("min_history", 6))
    both_ways = check.params.get("direction") == "both"

    def ratio(counts: dict[int, int], ym: int) -> float | None:
        before = counts.get(_shift(ym, 12), 0)
        return None if before <= 0 else counts.get(ym, 0) / before

    for unit in units:
        counts = monthly.get(unit, {})
        for ym in _month_ids(period):
            now = ratio(counts, ym)
            past = [r for r in (ratio(counts, _shift(ym, k)) for k in range(1, history + 1))
                    if r is not None]
            if now is None or len(past) < min_history:
                continue
            z = modified_z_scores([*past, now])[-1]
            bad = is_outlier(z, threshold) and (both_ways or z > 0)
            example = {"key": f"{unit}/{ym // 100}-{ym % 100:02d}", "field": "records",
                       "value": str(counts.get(ym, 0)),
                       "rule": f"modified z-score {z:.1f} (year-on-year)", "agency": unit}
            tally(unit, check.code).add(1, int(bad), [example] if bad else [])
