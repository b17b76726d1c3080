"""The record checks' results by agency × month, and the tallies of a period drawn from them.

:mod:`sodo.services.quality.compiled` runs the checks where the records are (compiled to
Ibis) and yields :class:`Partitions`: per agency × month the records, the newest, each check's
failures and a few examples. These are all that reaches Python: :func:`tallies_from_partitions`
sums a period's months and rolls the agencies up to the scored units (an agency counts for its
unit and every unit above; a code no longer in force counts for the unit that carries it on),
and derives freshness, coverage and monthly volumes from the same counts. The scorecard
service keeps the partitions and rescans only the months batches touched. This module needs
pyarrow only (no Ibis): reading the stored scorecard or summing kept partitions stays light.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from sodo.domain.datasets import Dataset, FieldType
from sodo.domain.orgunits import NATION_CODE, Hierarchy, OrgUnitError
from sodo.domain.periods import Period
from sodo.domain.quality import CheckDefinition, is_outlier, modified_z_scores

EXAMPLES = 5
#: Characters that make two keys look equal: spaces and the usual invisible ones.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"
_INVISIBLE_CLASS = f"[\\s{INVISIBLE}]"
#: A malformed value (``sach.malformed``): padded with a space or an invisible character, or
#: holding an invisible character — the pattern the records' backend tests.
MALFORMED_PATTERN = f"^{_INVISIBLE_CLASS}|{_INVISIBLE_CLASS}$|[{INVISIBLE}]"
#: The same in Python, for values tested here (``\\s`` as the backends read it: ASCII)
MALFORMED = re.compile(MALFORMED_PATTERN, re.ASCII)


def malformed_fields(ds: Dataset, check: CheckDefinition) -> list[str]:
    """The text fields ``sach.malformed`` tests (configured, else the key and the agency)."""
    names = check.params.get("fields") or [ds.key, ds.orgunit_field]
    return [n for n in names
            if n in ds.field_names and ds.field(n).type is FieldType.STR]


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


# -- partitions: what one scan of some months yields, merged month by month -------------------
MONTH = "_ym"
_COUNT_FIXED = ("agency", "ym", "n", "newest")
_EXAMPLE_COLUMNS = ("agency", "ym", "code", "key", "field", "value", "rule")


def _flag_column(code: str) -> str:
    return "f_" + code.replace(".", "__")


@dataclass
class Partitions:
    """The record checks of one dataset by agency × month (``ym`` = YYYYMM): records, the
    newest record's time and the failures of each record check (``counts``); and at most
    ``EXAMPLES`` failing records per agency × month × check, smallest keys first
    (``examples``). Any period's tallies are sums over its months, so a batch only has its
    months rescanned (:meth:`replace`)."""

    codes: list[str]
    counts: pa.Table
    examples: pa.Table

    def replace(self, new: Partitions, months: Iterable[int]) -> Partitions:
        """These partitions with those of ``months`` taken from ``new`` (a month that has no
        record any more is dropped)."""
        if new.codes != self.codes:
            raise ValueError("partitions of different checks")
        gone = pa.array(sorted(months), pa.int64())
        counts = self.counts.filter(pc.invert(pc.is_in(self.counts["ym"], value_set=gone)))
        examples = self.examples.filter(
            pc.invert(pc.is_in(self.examples["ym"], value_set=gone)))
        return Partitions(self.codes, pa.concat_tables([counts, new.counts]),
                          pa.concat_tables([examples, new.examples]))

    def months(self) -> list[int]:
        return sorted(m for m in pc.unique(self.counts["ym"]).to_pylist() if m is not None)


def _counts_schema(codes: Sequence[str]) -> pa.Schema:
    return pa.schema([("agency", pa.string()), ("ym", pa.int64()), ("n", pa.int64()),
                      ("newest", pa.timestamp("us")),
                      *((_flag_column(c), pa.int64()) for c in codes)])


EXAMPLES_SCHEMA = pa.schema([(name, pa.int64() if name == "ym" else pa.string())
                             for name in _EXAMPLE_COLUMNS])


def _unit_table(parts: Partitions, unit_map: UnitMap) -> pa.Table:
    """agency → each scored unit it counts for, one row per pair."""
    agencies, targets = [], []
    for code in pc.unique(parts.counts["agency"]).to_pylist():
        for unit in unit_map(code or ""):
            agencies.append(code)
            targets.append(unit)
    return pa.table({"agency": pa.array(agencies, pa.string()),
                     "unit": pa.array(targets, pa.string())})


def _in_months(table: pa.Table, months: Sequence[int]) -> pa.Table:
    return table.filter(pc.is_in(table["ym"], value_set=pa.array(months, pa.int64())))


def tallies_from_partitions(parts: Partitions, ds: Dataset, checks: Sequence[CheckDefinition],
                            period: Period, hierarchy: Hierarchy, units: Sequence[str],
                            today: date) -> Tallies:
    """Tallies of the record checks for ``period`` from the partitions of its months, rolled
    up to the scored units (an agency counts for its unit and every unit above)."""
    unit_map = UnitMap(hierarchy, units, min(period.end, today))
    tallies: Tallies = {}

    def tally(unit: str, code: str) -> Tally:
        return tallies.setdefault((unit, code), Tally())

    mapping = _unit_table(parts, unit_map)
    months = _month_ids(period)
    if parts.codes:
        flags = [_flag_column(c) for c in parts.codes]
        scoped = _in_months(parts.counts, months).join(mapping, "agency", join_type="inner")
        summed = scoped.group_by("unit").aggregate([("n", "sum"), *((f, "sum") for f in flags)])
        examples = _unit_examples(_in_months(parts.examples, months), mapping)
        for row in sorted(summed.to_pylist(), key=lambda r: r["unit"]):
            for code, column in zip(parts.codes, flags, strict=True):
                tally(row["unit"], code).add(row["n_sum"], row[f"{column}_sum"] or 0,
                                             examples.get((row["unit"], code), []))
    by_code = {c.code: c for c in checks}
    if "song.freshness" in by_code:
        _freshness(parts, mapping, ds, by_code["song.freshness"], period, hierarchy,
                   unit_map, today, tally)
    if "du.agency_coverage" in by_code or "sach.outlier_volume" in by_code:
        monthly = _monthly_counts(parts, mapping)
        if "du.agency_coverage" in by_code:
            _coverage(monthly, by_code["du.agency_coverage"], period, hierarchy, units, tally)
        if "sach.outlier_volume" in by_code:
            _volume_outliers(monthly, by_code["sach.outlier_volume"], period, units, tally)
    return tallies


def _unit_examples(examples: pa.Table, mapping: pa.Table
                   ) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """Per (unit, check): the first examples, agency by agency (code order), smallest keys
    first."""
    if examples.num_rows == 0:
        return {}
    joined = examples.join(mapping, "agency", join_type="inner").sort_by(
        [("unit", "ascending"), ("code", "ascending"), ("agency", "ascending"),
         ("key", "ascending")])
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    units, codes = joined["unit"].to_pylist(), joined["code"].to_pylist()
    picked = []
    for i, (unit, code) in enumerate(zip(units, codes, strict=True)):
        have = out.setdefault((unit, code), [])
        if len(have) < EXAMPLES:
            have.append({})
            picked.append((i, len(have) - 1))
    rows = joined.take([i for i, _ in picked]).to_pylist()
    for (i, slot), row in zip(picked, rows, strict=True):
        out[(units[i], codes[i])][slot] = {"key": row["key"], "field": row["field"],
                                           "value": row["value"], "rule": row["rule"],
                                           "agency": row["agency"]}
    return out


def _freshness(parts: Partitions, mapping: pa.Table, ds: Dataset, check: CheckDefinition,
               period: Period, hierarchy: Hierarchy, unit_map: UnitMap, today: date,
               tally: Callable[[str, str], Tally]) -> None:
    """Per scored unit: the age of the newest record of its subtree at the end of the period
    (or today) against the expected frequency of its level. A unit above other scored units
    (the nation) counts each of them."""
    reference = min(period.end, today)
    until = datetime.combine(reference + timedelta(days=1), datetime.min.time())
    last_month = reference.year * 100 + reference.month
    counts = parts.counts.filter(pc.less_equal(parts.counts["ym"], last_month))
    # in the reference month, records dated after the reference do not count
    before = pc.less(counts["newest"], pa.scalar(until, pa.timestamp("us")))
    counts = counts.filter(pc.or_(pc.less(counts["ym"], last_month), before))
    newest = counts.join(mapping, "agency", join_type="inner").group_by("unit").aggregate(
        [("newest", "max")])
    latest: dict[str, datetime] = {r["unit"]: r["newest_max"] for r in newest.to_pylist()
                                   if r["newest_max"] is not None}
    max_age = int(check.params.get("max_age_days") or 31)
    by_level = check.params.get("by_level") or {}
    units = unit_map.units
    for code in sorted(units):
        unit = hierarchy.get(code)
        below = [u for u in sorted(units) if u != code and code in unit_map(u)]
        for item in below or [code]:
            item_unit = hierarchy.get(item)
            if not item_unit.active_on(reference):
                continue
            allowed = int(by_level.get(str(item_unit.level), max_age))
            last = latest.get(item)
            if last is None:
                continue  # never sent anything: a coverage question (Đủ), not freshness
            age = (reference - last.date()).days
            stale = age > allowed
            example = {"key": item, "field": ds.period_field, "value": str(last),
                       "rule": f"newest record {age} days old (> {allowed})", "agency": item}
            tally(unit.code, check.code).add(1, int(stale), [example] if stale else [])


def _monthly_counts(parts: Partitions, mapping: pa.Table) -> dict[str, dict[int, int]]:
    """Records per scored unit and month (``YYYYMM``)."""
    grouped = parts.counts.join(mapping, "agency", join_type="inner").group_by(
        ["unit", "ym"]).aggregate([("n", "sum")])
    out: dict[str, dict[int, int]] = {}
    for row in grouped.to_pylist():
        if row["ym"] is not None:
            out.setdefault(row["unit"], {})[row["ym"]] = int(row["n_sum"])
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
