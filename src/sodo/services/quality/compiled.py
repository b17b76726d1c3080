"""Record checks compiled to Ibis: they run where the records are (DuckDB, PostgreSQL, Spark…).

:func:`scan_partitions` builds one grouped query that flags each record for every row check
and sums the flags by agency × month — one scan of the months asked for (or all); one more
query gives the first examples (at most ``EXAMPLES`` per agency and month) of every row check
that failed; each duplicate check is one query (:func:`duplicate_rows`: a hash aggregate finds
the groups of copies, only their records are ranked; on DuckDB one per month,
:mod:`sodo.services.quality.scan`). The result, :class:`~sodo.services.
quality.records.Partitions`, is all that reaches Python.

Kept apart from :mod:`sodo.services.quality.records` (the tallies, in pyarrow) so that reading
or summing kept partitions does not import Ibis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from sodo.domain.datasets import Dataset
from sodo.domain.indicators import parse_filter
from sodo.domain.orgunits import Hierarchy
from sodo.domain.periods import Period
from sodo.domain.quality import CheckDefinition
from sodo.services.engine.compiler import compile_filter, month_key
from sodo.services.engine.sql_cache import CompiledQuery
from sodo.services.quality.records import (
    _INVISIBLE_CLASS,
    EXAMPLES,
    EXAMPLES_SCHEMA,
    INVISIBLE,
    MALFORMED_PATTERN,
    MONTH,
    Partitions,
    Tallies,
    _counts_schema,
    _flag_column,
    malformed_fields,
    tallies_from_partitions,
)
from sodo.services.quality.scan import scan

_COMPARE = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__", "gt": "__gt__",
            "ge": "__ge__"}


@dataclass
class _Flag:
    """A record check as Ibis expressions: which records fail, and what an example shows."""

    bad: ir.BooleanValue
    field: ir.StringValue
    value: ir.StringValue
    rule: ir.StringValue


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
                  hierarchy: Hierarchy, tables: Callable[[str], ir.Table] | None = None,
                  unknown: Mapping[str, list[str]] | None = None
                  ) -> tuple[ir.Table, dict[str, _Flag], dict[str, ir.Table]]:
    """``t``, each record check's flag on it, and for the duplicate checks the records they
    flag (:func:`duplicate_rows`: not a flag of every record, which would take a window — a
    sort — over the whole table). Checks with nothing to test in this dataset are left out;
    flags and duplicates keep the order of ``checks``. ``unknown``: the codes of each
    ``check:field`` not known (:func:`~sodo.services.quality.scan.unknown_codes`), else
    looked up with a query."""
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
            for f in ds.fields:
                if not f.allowed:
                    continue
                col = t[f.name]
                found = None if unknown is None else unknown.get(f"{check.code}:{f.name}")
                if found is not None:  # the values not allowed among the field's few values
                    cond = col.isin(found) if found else col.isnull() & ibis.literal(False)
                else:
                    cond = col.notnull() & ~col.isin(f.allowed)
                items.append((cond, f.name, _text(col), "allowed_values"))
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
            norm = _normalised_key(t, key)
            dups[check.code] = duplicate_rows(t, [*month, norm], ds.key, keep)
        elif check.code == "sach.duplicate_content":
            fields = params.get("fields") or [f for f in ds.field_names if f != ds.key]
            dups[check.code] = duplicate_rows(t, [*month, *(t[f] for f in fields)], ds.key,
                                              keep)
        elif check.code == "sach.malformed":
            for name in malformed_fields(ds, check):
                col = t[name]
                found = None if unknown is None else unknown.get(f"{check.code}:{name}")
                if found is not None:  # the malformed among the field's few codes
                    cond = col.isin(found) if found else col.isnull() & ibis.literal(False)
                else:
                    cond = _malformed(t, col)
                items.append((cond, name, _text(col), "malformed"))
        elif check.code == "thong_nhat.orgunit_in_force":
            used = None if unknown is None else unknown.get(f"{check.code}:{ds.orgunit_field}")
            items = _in_force_items(t, ds, hierarchy, bool(params.get("before_valid_from")),
                                    used)
        elif check.code == "thong_nhat.code_lists":
            items = _code_list_items(t, ds, params.get("codes") or {}, t, unknown)
        elif check.code == "ket_noi.references":
            items = _reference_items(t, ds, hierarchy, tables, t, unknown)
        if items:
            flags[check.code] = _first_of(items)
    return t, flags, dups


def duplicate_rows(t: ir.Table, groups: Sequence[ir.Value], key: str,
                   keep: Sequence[str]) -> ir.Table:
    """The records of ``t`` (columns ``key`` and ``keep``) that agree on ``groups`` (NULLs
    equal) with a record of a smaller ``key``: every copy but the first. A hash aggregate
    finds the groups of more than one record (few), the records are joined back to them and
    only those are ranked — the same records a ``row_number`` over the groups would flag,
    without sorting the whole table. On DuckDB the aggregate is over one 64-bit hash of the
    groups (:func:`_hash_of`: 20 M records make 20 M groups, far cheaper to hash on one
    integer than on their strings and times); the few records whose hash repeats are then
    ranked on the groups themselves, so a collision of hashes never makes a duplicate."""
    cols = {f"_dup{i}": g for i, g in enumerate(groups)}
    names = list(cols)
    # the two sides select different columns, so that they are not one subquery a backend
    # would materialise (copying the table) to read it twice
    g = t.select(**cols)
    b = t.select(*dict.fromkeys([key, *keep]), **cols)
    if _backend(t) == "duckdb":
        g = g.select(_dup_h=_hash_of(g, names)).group_by("_dup_h").aggregate(
            _n=ibis._.count())
        g = g.filter(g["_n"] > 1).select("_dup_h")
        b = b.mutate(_dup_h=_hash_of(b, names))
        members = b.semi_join(g, b["_dup_h"] == g["_dup_h"]).drop("_dup_h")
    else:
        g = g.group_by(names).aggregate(_n=ibis._.count())
        g = g.filter(g["_n"] > 1).select(*names)
        # the month (an integer, never 0) by plain equality, so a backend can hash on it
        preds = [b[n].fill_null(0) == g[n].fill_null(0) if groups[i].get_name() == MONTH
                 else b[n].identical_to(g[n]) for i, n in enumerate(names)]
        members = b.semi_join(g, preds)
    ranked = members.mutate(_dup_rn=ibis.row_number().over(
        group_by=[members[n] for n in names], order_by=[members[key]]))
    return ranked.filter(ranked["_dup_rn"] > 0).drop(*names, "_dup_rn")


def _backend(t: ir.Table) -> str:
    try:
        return str(t._find_backend().name)
    except Exception:  # an unbound table: compiled for no backend in particular
        return ""


def _malformed(t: ir.Table, col: ir.StringValue) -> ir.BooleanValue:
    """``col`` matches :data:`~sodo.services.quality.records.MALFORMED_PATTERN`. On DuckDB the
    regular expression (the dearest test of a scan: one call per record) runs only on the
    values that could match: a value of ASCII characters only (its bytes as many as its
    characters) holding none of the ASCII spaces cannot (the pattern needs a space or an
    invisible character, and the invisible characters are not ASCII). Cheaper than testing
    its first and last characters (``right`` cuts a string per record)."""
    matched = col.re_search(MALFORMED_PATTERN).fill_null(False)
    if _backend(t) != "duckdb":
        return matched
    strlen = ibis.udf.scalar.builtin(_one_arg, name="strlen", signature=(("string",), "int64"))
    plain = (strlen(col) == col.length()) & ~_holds(col, _ASCII_SPACES)
    return ibis.ifelse(plain.fill_null(False), False, matched)


def _one_arg(value: Any) -> Any: ...


#: The ASCII characters of ``\\s`` as DuckDB (RE2) reads it (not the vertical tab).
_ASCII_SPACES = ("\t", "\n", "\f", "\r", " ")


def _holds(col: ir.StringValue, chars: Sequence[str]) -> ir.BooleanValue:
    """``col`` holds one of ``chars``."""
    found = col.contains(chars[0])
    for char in chars[1:]:
        found = found | col.contains(char)
    return found


def _normalised_key(t: ir.Table, key: ir.StringValue) -> ir.StringValue:
    """``key`` lowered, without spaces and invisible characters (``sach.duplicate_key``). On
    DuckDB the regular expression (the dearest part of the check: one call per record) runs
    only on a key holding one of the characters it removes (lowering makes none of them);
    any other key is only lowered. Built-in functions only: a UDF would keep Ibis from
    inlining the expression, and DuckDB would then materialise the records as a CTE."""
    lowered = key.lower()
    stripped = lowered.re_replace(_INVISIBLE_CLASS, "")
    if _backend(t) != "duckdb":
        return stripped
    holds = _holds(key, [*_ASCII_SPACES, *INVISIBLE])
    return ibis.ifelse(holds.fill_null(True), stripped, lowered)


def _hash_of(t: ir.Table, names: Sequence[str]) -> ir.IntegerValue:
    """DuckDB's ``hash(c1, c2, …)`` of the columns ``names`` of ``t`` (NULLs hash alike)."""
    import inspect

    def hash_(*args: Any) -> Any: ...

    hash_.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(f"v{i}", inspect.Parameter.POSITIONAL_ONLY)
         for i in range(len(names))])
    fn = ibis.udf.scalar.builtin(hash_, name="hash",
                                 signature=(tuple(t[n].type() for n in names), "uint64"))
    return fn(*(t[n] for n in names))


def _in_force_items(t: ir.Table, ds: Dataset, hierarchy: Hierarchy, before_valid_from: bool,
                    used: Sequence[str] | None = None
                    ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    """Records on a unit code not in force on their date. ``used``: the codes with a start or
    an end that the records hold (:func:`~sodo.services.quality.scan.unknown_codes`), the
    only ones tested (else every such code of the hierarchy)."""
    ts, unit = t[ds.period_field], t[ds.orgunit_field]
    ended: dict[date, list[str]] = {}
    started: dict[date, list[str]] = {}
    wanted = None if used is None else set(used)
    for u in hierarchy:
        if wanted is not None and u.code not in wanted:
            continue
        if u.valid_to is not None:
            ended.setdefault(u.valid_to, []).append(u.code)
        if before_valid_from and u.valid_from is not None:
            started.setdefault(u.valid_from, []).append(u.code)
    cond = unit.isnull() & ibis.literal(False)  # a column: no code to test
    for last, codes in ended.items():
        after = ibis.timestamp(f"{(last + timedelta(days=1)).isoformat()} 00:00:00")
        cond = cond | (unit.isin(codes) & (ts >= after))
    for first, codes in started.items():
        cond = cond | (unit.isin(codes) & (ts < ibis.timestamp(f"{first.isoformat()} 00:00:00")))
    return [(cond.fill_null(False), ds.orgunit_field, _text(unit), "orgunit_in_force")]


def _unknown_among_present(t: ir.Table, base: ir.Table, name: str, known: set[str],
                           unknown: list[str] | None = None) -> ir.BooleanValue:
    """Records whose code is not in ``known``: the codes present are few, so the unknown
    among them, found with one small distinct query, are what the records are tested on
    (a literal list of every known code would be slow to compile and to scan)."""
    if unknown is None:
        present = present_codes(base, name).to_pyarrow()["_code"]
        unknown = sorted(c for c in present.to_pylist() if c is not None and c not in known)
    col = t[name]
    return col.isin(unknown) if unknown else col.isnull() & ibis.literal(False)


def present_codes(base: ir.Table, name: str) -> ir.Table:
    """The distinct codes (as strings) of field ``name``: column ``_code``."""
    return base.select(_code=base[name].cast("string")).distinct()


def _code_list_items(t: ir.Table, ds: Dataset, codes: dict[str, Sequence[str]],
                     base: ir.Table, unknown: Mapping[str, list[str]] | None = None
                     ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    """Each field with a declared code list (``codes``: field → the list's codes, resolved
    from the programme's catalogues by the service): its value is in the list."""
    items = []
    for name, known in sorted(codes.items()):
        if name not in ds.field_names:
            continue
        col = t[name]
        mine = None if unknown is None else unknown[f"thong_nhat.code_lists:{name}"]
        items.append((_unknown_among_present(t, base, name, set(known), mine), name, _text(col),
                      "not in the code list"))
    return items


def _reference_items(t: ir.Table, ds: Dataset, hierarchy: Hierarchy,
                     tables: Callable[[str], ir.Table] | None, base: ir.Table | None = None,
                     unknown: Mapping[str, list[str]] | None = None
                     ) -> list[tuple[ir.BooleanValue, str, ir.StringValue, str]]:
    items = []
    known = {u.code for u in hierarchy}
    for f in ds.fields:
        if not f.references:
            continue
        col = t[f.name]
        if f.references == "orgunit":
            mine = None if unknown is None else unknown[f"ket_noi.references:{f.name}"]
            cond = _unknown_among_present(t, t if base is None else base, f.name, known, mine)
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


def _months_condition(ts: ir.TimestampValue, months: Sequence[int]) -> ir.BooleanValue:
    from sodo.services.engine.compiler import months_filter

    return months_filter(ts, [f"{m // 100:04d}-{m % 100:02d}" for m in months])


def scan_partitions(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition],
                    hierarchy: Hierarchy, tables: Callable[[str], ir.Table] | None = None,
                    months: Sequence[int] | None = None) -> Partitions:
    """Grouped scans of the records (of ``months`` only, or all) on their backend: one for
    the records, the newest and each row check's failures per agency × month; one for the
    first examples of all the row checks that failed; one per duplicate check (its counts and
    examples at once) — :func:`sodo.services.quality.scan.scan`, run by Ibis."""
    if months is not None and not months:
        return Partitions(*_empty(t, ds, checks, hierarchy, tables))
    return scan(IbisRunner(Builder(t, ds, checks, hierarchy, tables, months)), ds, checks,
                hierarchy)


class Builder:
    """The Ibis expressions of a scan of ``months`` (or all) of ``table``, by query name
    (:func:`sodo.services.quality.scan.scan`); the checks are compiled once the unknown
    codes are set."""

    def __init__(self, table: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition],
                 hierarchy: Hierarchy, tables: Callable[[str], ir.Table] | None = None,
                 months: Sequence[int] | None = None,
                 compile_: Callable[[ir.Table], str] | None = None) -> None:
        t = table
        if months is not None:
            t = t.filter(_months_condition(t[ds.period_field], months))
        self.t = t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})
        self.ds, self.checks, self.hierarchy, self.tables = ds, checks, hierarchy, tables
        self.compile_ = compile_
        self._flags: tuple[ir.Table, dict[str, _Flag], dict[str, ir.Table]] | None = None
        self._unknown: Mapping[str, list[str]] | None = None

    def set_unknown(self, unknown: Mapping[str, list[str]]) -> None:
        self._unknown, self._flags = unknown, None

    def flags(self) -> tuple[ir.Table, dict[str, _Flag], dict[str, ir.Table]]:
        if self._flags is None:
            self._flags = compile_flags(self.t, self.ds, self.checks, self.hierarchy,
                                        self.tables, self._unknown)
        return self._flags

    def expr(self, kind: str, arg: Any) -> ir.Table:
        if kind == "present":
            return present_codes(self.t, arg)
        flagged, flags, dups = self.flags()
        agency = flagged[self.ds.orgunit_field].cast("string").fill_null("")
        if kind == "counts":
            aggs = {_flag_column(code): ibis.ifelse(flag.bad, 1, 0).sum()
                    for code, flag in flags.items()}
            return flagged.group_by([agency.name("agency"), flagged[MONTH].name("ym")]
                                    ).aggregate(n=flagged.count(),
                                                newest=flagged[self.ds.period_field].max(),
                                                **aggs)
        if kind == "examples":
            return _examples(flagged, self.ds, {code: flags[code] for code in arg}, agency)
        assert kind == "duplicates"
        return _duplicates_found(dups[arg], self.ds)

    def compiled(self, kind: str, arg: Any) -> CompiledQuery:
        """The query's SQL (by ``compile_``, the records' Ibis backend) and result schema."""
        assert self.compile_ is not None
        expr = self.expr(kind, arg)
        return CompiledQuery(self.compile_(expr), expr.schema().to_pyarrow())


class IbisRunner:
    """Runs each query of a scan with Ibis on the records' backend."""

    def __init__(self, builder: Builder) -> None:
        self.builder = builder

    def set_unknown(self, unknown: Mapping[str, list[str]]) -> None:
        self.builder.set_unknown(unknown)

    def table(self, kind: str, arg: Any) -> pa.Table:
        return self.builder.expr(kind, arg).to_pyarrow()


def _empty(t: ir.Table, ds: Dataset, checks: Sequence[CheckDefinition], hierarchy: Hierarchy,
           tables: Callable[[str], ir.Table] | None) -> tuple[list[str], pa.Table, pa.Table]:
    t = t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})
    _, flags, dups = compile_flags(t, ds, checks, hierarchy, tables)
    codes = [c.code for c in checks if c.code in flags or c.code in dups]
    return codes, _counts_schema(codes).empty_table(), EXAMPLES_SCHEMA.empty_table()


def _examples(t: ir.Table, ds: Dataset, flags: dict[str, _Flag], agency: ir.StringValue
              ) -> ir.Table:
    """For each check of ``flags``: at most ``EXAMPLES`` failing records per agency × month
    (key, field, value, rule), smallest keys first — one query over the records that fail
    any of them, ranked check by check (split per check by :mod:`.scan`)."""
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
    return ranked.filter(wanted)


def _duplicates_found(rows: ir.Table, ds: Dataset) -> ir.Table:
    """A duplicate check's flagged records (:func:`duplicate_rows`) per agency × month: how
    many (``_found``), and the first ``EXAMPLES`` of each (``_rn``), smallest keys first —
    one query."""
    picked = rows.select(agency=rows[ds.orgunit_field].cast("string").fill_null(""),
                         ym=rows[MONTH], _key=rows[ds.key].cast("string"), _one=ibis.literal(1))
    within = {"group_by": [picked["agency"], picked["ym"]]}
    ranked = picked.mutate(_found=picked["_one"].sum().over(**within),
                           _rn=ibis.row_number().over(**within, order_by=[picked["_key"]]))
    return ranked.filter(ranked["_rn"] < EXAMPLES)
