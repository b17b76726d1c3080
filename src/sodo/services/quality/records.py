"""Record checks compiled to Ibis: they run where the records are (DuckDB, PostgreSQL, Spark…).

:func:`scan_partitions` builds one expression that flags each record for every record check
(windows per month for the duplicate checks), groups it by agency × month and sums the flags —
one scan of the months asked for (or all), a result of one row per agency and month; the
examples of a failing check (at most ``EXAMPLES`` per agency and month) are one more query
each. These :class:`Partitions` are all that reaches Python: :func:`tallies_from_partitions`
sums a period's months and rolls the agencies up to the scored units (an agency counts for its
unit and every unit above; a code no longer in force counts for the unit that carries it on),
and derives freshness, coverage and monthly volumes from the same counts. The scorecard
service keeps the partitions and rescans only the months batches touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc

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
                  ) -> tuple[ir.Table, dict[str, _Flag], dict[str, ir.Table]]:
    """``t``, each record check's flag on it, and for the duplicate checks the records they
    flag (:func:`duplicate_rows`: not a flag of every record, which would take a window — a
    sort — over the whole table). Checks with nothing to test in this dataset are left out;
    flags and duplicates keep the order of ``checks``."""
    flags: dict[str, _Flag] = {}
    dups: dict[str, ir.Table] = {}
    key = t[ds.key]
    # duplicates are looked for within a month of the period field (a copy carries the
    # original's date), so that a month's partition is checked on its own
    month = [t[MONTH]] if MONTH in t.columns else []
    keep = [ds.orgunit_field, *(n for n in (MONTH,) if n in t.columns)]
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
            norm = key.lower().re_replace(_INVISIBLE_CLASS, "")
            dups[check.code] = duplicate_rows(t, [*month, norm], ds.key, keep)
        elif check.code == "sach.duplicate_content":
            fields = params.get("fields") or [f for f in ds.field_names if f != ds.key]
            dups[check.code] = duplicate_rows(t, [*month, *(t[f] for f in fields)], ds.key,
                                              keep)
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
        elif check.code == "thong_nhat.code_lists":
            items = _code_list_items(t, ds, params.get("codes") or {}, t)
        elif check.code == "ket_noi.references":
            items = _reference_items(t, ds, hierarchy, tables, t)
        if items:
            flags[check.code] = _first_of(items)
    return t, flags, dups


def duplicate_rows(t: ir.Table, groups: Sequence[ir.Value], key: str,
                   keep: Sequence[str]) -> ir.Table:
    """The records of ``t`` (columns ``key`` and ``keep``) that agree on ``groups`` (NULLs
    equal) with a record of a smaller ``key``: every copy but the first. A hash aggregate
    finds the groups of more than one record (few), the records are joined back to them and
    only those are ranked — the same records a ``row_number`` over the groups would flag,
    without sorting the whole table."""
    cols = {f"_dup{i}": g for i, g in enumerate(groups)}
    names = list(cols)
    # the two sides select different columns, so that they are not one subquery a backend
    # would materialise (copying the table) to read it twice
    g = t.select(**cols).group_by(names).aggregate(_n=ibis._.count())
    g = g.filter(g["_n"] > 1).select(*names)
    b = t.select(*dict.fromkeys([key, *keep]), **cols)
    # the month (an integer, never 0) by plain equality, so a backend can hash on it
    preds = [b[n].fill_null(0) == g[n].fill_null(0) if groups[i].get_name() == MONTH
             else b[n].identical_to(g[n]) for i, n in enumerate(names)]
    members = b.semi_join(g, preds)
    ranked = members.mutate(_dup_rn=ibis.row_number().over(
        group_by=[members[n] for n in names], order_by=[members[key]]))
    return ranked.filter(ranked["_dup_rn"] > 0).drop(*names, "_dup_rn")


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


def _unknown_among_present(t: ir.Table, base: ir.Table, name: str, known: set[str]
                           ) -> ir.BooleanValue:
    """Records whose code is not in ``known``: the codes present are few, so the unknown
    among them, found with one small distinct query, are what the records are tested on
    (a literal list of every known code would be slow to compile and to scan)."""
    present = base.select(_code=base[name].cast("string")).distinct().to_pyarrow()["_code"]
    unknown = sorted(c for c in present.to_pylist() if c is not None and c not in known)
    col = t[name]
    return col.isin(unknown) if unknown else col.isnull() & ibis.literal(False)


def _code_list_items(t: ir.Table, ds: Dataset, codes: dict[str, Sequence[str]],
                     base: ir.Table) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    """Each field with a declared code list (``codes``: field → the list's codes, resolved
    from the programme's catalogues by the service): its value is in the list."""
    items = []
    for name, known in sorted(codes.items()):
        if name not in ds.field_names:
            continue
        col = t[name]
        items.append((_unknown_among_present(t, base, name, set(known)), name, _text(col),
                      "not in the code list"))
    return items


def _reference_items(t: ir.Table, ds: Dataset, hierarchy: Hierarchy,
                     tables: Callable[[str], ir.Table] | None, base: ir.Table | None = None
                     ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    items = []
    known = {u.code for u in hierarchy}
    for f in ds.fields:
        if not f.references:
            continue
        col = t[f.name]
        if f.references == "orgunit":
            cond = _unknown_among_present(t, t if base is None else base, f.name, known)
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
    """Tallies of every record check of ``ds`` for ``period``, per scored unit (every month
    scanned; the scorecard service keeps the partitions and rescans only touched months)."""
    return tallies_from_partitions(scan_partitions(t, ds, checks, hierarchy, tables), ds,
                                   checks, period, hierarchy, units, today)


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


def _months_condition(ts: ir.TimestampValue, months: Sequence[int]) -> ir.BooleanValue:
    from sodo.services.engine.compiler import months_filter

    return months_filter(ts, [f"{m // 100:04d}-{m % 100:02d}" for m in months])


def scan_partitions(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition],
                    hierarchy: Hierarchy, tables: Callable[[str], ir.Table] | None = None,
                    months: Sequence[int] | None = None) -> Partitions:
    """Grouped scans of the records (of ``months`` only, or all) on their backend: one for
    the records, the newest and each row check's failures per agency × month; one for the
    first examples of all the row checks that failed; one per duplicate check (its counts and
    examples at once)."""
    ts = t[ds.period_field]
    if months is not None:
        if not months:
            return Partitions(*_empty(t, ds, checks, hierarchy, tables))
        t = t.filter(_months_condition(ts, months))
    t = t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})
    flagged, flags, dups = compile_flags(t, ds, checks, hierarchy, tables)
    codes = [c.code for c in checks if c.code in flags or c.code in dups]
    agency = flagged[ds.orgunit_field].cast("string").fill_null("")
    aggs = {_flag_column(code): ibis.ifelse(flag.bad, 1, 0).sum() for code, flag in flags.items()}
    grouped = flagged.group_by([agency.name("agency"), flagged[MONTH].name("ym")]).aggregate(
        n=flagged.count(), newest=flagged[ds.period_field].max(), **aggs)
    counts = grouped.to_pyarrow()
    failing = [code for code in flags if (pc.sum(counts[_flag_column(code)]).as_py() or 0) > 0]
    parts = [_examples(flagged, ds, {code: flags[code] for code in failing}, agency)]
    for code, rows in dups.items():
        found, examples = _duplicates_found(rows, ds, code)
        counts = _with_counts(counts, _flag_column(code), found)
        parts.append(examples)
    return Partitions(codes, _conform(counts, _counts_schema(codes)), pa.concat_tables(parts))


def _empty(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition], hierarchy: Hierarchy,
           tables: Callable[[str], ir.Table] | None) -> tuple[list[str], pa.Table, pa.Table]:
    t = t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})
    _, flags, dups = compile_flags(t, ds, checks, hierarchy, tables)
    codes = [c.code for c in checks if c.code in flags or c.code in dups]
    return codes, _counts_schema(codes).empty_table(), EXAMPLES_SCHEMA.empty_table()


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``'s columns and types (backends differ in both)."""
    return pa.Table.from_arrays([table[f.name].cast(f.type) for f in schema], schema=schema)


def _examples(t: ir.Table, ds: Dataset, flags: dict[str, _Flag], agency: ir.StringValue
              ) -> pa.Table:
    """For each check of ``flags``: at most ``EXAMPLES`` failing records per agency × month
    (key, field, value, rule), smallest keys first — one query over the records that fail
    any of them, ranked check by check."""
    if not flags:
        return EXAMPLES_SCHEMA.empty_table()
    items = list(flags.values())
    anyone = items[0].bad
    for flag in items[1:]:
        anyone = anyone | flag.bad
    cols: dict[str, ir.Value] = {"agency": agency, "ym": t[MONTH], "_key": t[ds.key].cast("string")}
    for i, flag in enumerate(items):
        cols |= {f"_b{i}": flag.bad, f"_f{i}": flag.field, f"_v{i}": flag.value,
                 f"_r{i}": flag.rule}
    bad = t.filter(anyone).select(**cols)
    ranked = bad.mutate(**{f"_n{i}": ibis.row_number().over(
        group_by=[bad["agency"], bad["ym"], bad[f"_b{i}"]], order_by=[bad["_key"]])
        for i in range(len(items))})
    keep = [ranked[f"_b{i}"].fill_null(False) & (ranked[f"_n{i}"] < EXAMPLES)
            for i in range(len(items))]
    wanted = keep[0]
    for cond in keep[1:]:
        wanted = wanted | cond
    picked = ranked.filter(wanted).to_pyarrow()
    parts = []
    for i, code in enumerate(flags):
        mine = picked.filter(pc.and_(pc.fill_null(picked[f"_b{i}"], False),
                                     pc.less(picked[f"_n{i}"], EXAMPLES)))
        parts.append(pa.table({
            "agency": mine["agency"], "ym": mine["ym"],
            "code": pa.array([code] * mine.num_rows, pa.string()), "key": mine["_key"],
            "field": mine[f"_f{i}"], "value": mine[f"_v{i}"], "rule": mine[f"_r{i}"]}))
    return pa.concat_tables([_conform(p, EXAMPLES_SCHEMA) for p in parts])


def _duplicates_found(rows: ir.Table, ds: Dataset, code: str) -> tuple[pa.Table, pa.Table]:
    """A duplicate check's flagged records (:func:`duplicate_rows`) per agency × month: how
    many (``agency, ym, found``), and the first ``EXAMPLES`` of each, smallest keys first —
    one query."""
    picked = rows.select(agency=rows[ds.orgunit_field].cast("string").fill_null(""),
                         ym=rows[MONTH], _key=rows[ds.key].cast("string"), _one=ibis.literal(1))
    within = {"group_by": [picked["agency"], picked["ym"]]}
    ranked = picked.mutate(_found=picked["_one"].sum().over(**within),
                           _rn=ibis.row_number().over(**within, order_by=[picked["_key"]]))
    found = ranked.filter(ranked["_rn"] < EXAMPLES).to_pyarrow()
    first = found.filter(pc.equal(found["_rn"], 0))
    counts = pa.table({"agency": first["agency"], "ym": first["ym"].cast(pa.int64()),
                       "found": first["_found"].cast(pa.int64())})
    field = ds.key
    rule = code.split(".", 1)[1]
    n = found.num_rows
    examples = pa.table({"agency": found["agency"], "ym": found["ym"],
                         "code": pa.array([code] * n, pa.string()), "key": found["_key"],
                         "field": pa.array([field] * n, pa.string()),
                         "value": pc.fill_null(found["_key"], "null"),
                         "rule": pa.array([rule] * n, pa.string())})
    return counts, _conform(examples, EXAMPLES_SCHEMA)


def _with_counts(counts: pa.Table, column: str, found: pa.Table) -> pa.Table:
    """``counts`` with ``column``: ``found`` of its agency × month (0 when none)."""
    counts = counts.append_column("_row", pa.array(range(counts.num_rows), pa.int64()))
    keyed = counts.select(["agency", "ym", "_row"]).cast(pa.schema(
        [("agency", pa.string()), ("ym", pa.int64()), ("_row", pa.int64())]))
    joined = keyed.join(found, ["agency", "ym"], join_type="left outer").sort_by("_row")
    values = pc.fill_null(joined["found"], 0)
    return counts.drop_columns(["_row"]).append_column(column, values)


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
        below = [u for u in units if u != code and code in unit_map(u)]
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
