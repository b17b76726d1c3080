"""The record checks' scan, step by step, without Ibis: which queries it runs and what it
makes of their results (pyarrow).

:func:`scan` asks a *runner* for the result of each query by name — the codes present in a
field (``present``), the grouped counts (``counts``), the examples of the failing row checks
(``examples``), each duplicate check's records (``duplicates``) — and assembles the
:class:`~sodo.services.quality.records.Partitions`. Two runners:

- :class:`sodo.services.quality.compiled.IbisRunner` builds each query with Ibis and runs it
  on the records' backend (PostgreSQL, Spark, and any scan without a workspace);
- :class:`CachedRunner`, for records in DuckDB (DuckDB and Parquet stores): the SQL Ibis
  compiles for each query is kept in the workspace by :mod:`sodo.services.engine.sql_cache`,
  keyed by the checks' fingerprint, the relations' columns, the months' shape and the
  data-dependent lists the SQL embeds (the unknown codes found by the ``present`` queries), so
  a scorecard whose queries are cached imports no Ibis. A query is only kept when writing the
  real months into its template gives exactly Ibis's SQL for them. Where the records are laid
  out by month, a scan of many months runs each duplicate check month by month
  (:data:`DUPLICATE_CHUNK_ROWS`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import pyarrow as pa
import pyarrow.compute as pc

from sodo.domain.datasets import Dataset, FieldType
from sodo.domain.orgunits import Hierarchy
from sodo.domain.quality import CheckDefinition
from sodo.services.engine.sql_cache import (
    CompiledQuery,
    SqlCache,
    conform,
    months_shape,
    substitute,
    template_months,
)
from sodo.services.quality.records import (
    EXAMPLES,
    EXAMPLES_SCHEMA,
    MALFORMED,
    Partitions,
    _counts_schema,
    _flag_column,
    malformed_fields,
)

DUPLICATE_CHECKS = ("sach.duplicate_key", "sach.duplicate_content")
#: Records per query of a duplicate check when the runner can restrict it to some months: a
#: hash aggregate over every record of 20 M (one group each) costs far more per record than
#: one per month of them, whose table stays small (duplicates are looked for within a month,
#: so the months' results together are the whole one's).
DUPLICATE_CHUNK_ROWS = 1_000_000


class Runner(Protocol):
    def set_unknown(self, unknown: Mapping[str, list[str]]) -> None: ...

    def table(self, kind: str, arg: Any) -> pa.Table: ...


def present_fields(ds: Dataset, checks: Sequence[CheckDefinition]) -> list[str]:
    """The fields whose present codes are looked up before the checks are compiled."""
    names: list[str] = []
    for check in checks:
        if check.code == "thong_nhat.code_lists":
            names += [n for n in sorted(check.params.get("codes") or {}) if n in ds.field_names]
        elif check.code == "ket_noi.references":
            names += [f.name for f in ds.fields if f.references == "orgunit"]
        elif check.code == "thong_nhat.orgunit_in_force":
            names.append(ds.orgunit_field)
        elif check.code == "dung.allowed_values":
            names += _allowed_fields(ds)
    return list(dict.fromkeys(names))


def _allowed_fields(ds: Dataset) -> list[str]:
    """The text fields with allowed values (few distinct values: looked up, not tested on
    every record)."""
    return [f.name for f in ds.fields if f.allowed and f.type is FieldType.STR]


def unknown_codes(ds: Dataset, checks: Sequence[CheckDefinition], hierarchy: Hierarchy,
                  present: Mapping[str, Sequence[str | None]]) -> dict[str, list[str]]:
    """Per ``check:field``, the codes present that are not known (sorted): what the SQL of
    the code-list and reference checks tests the records on."""
    out: dict[str, list[str]] = {}
    for check in checks:
        if check.code == "sach.malformed":
            # a field whose codes are looked up anyway: its malformed values are found among
            # them (few), not by a regular expression on every record
            for name in malformed_fields(ds, check):
                if name in present:
                    out[f"{check.code}:{name}"] = sorted(
                        c for c in present[name] if c is not None and MALFORMED.search(c))
            continue
        if check.code == "dung.allowed_values":
            for name in _allowed_fields(ds):
                allowed = set(ds.field(name).allowed or [])
                out[f"{check.code}:{name}"] = sorted(
                    c for c in present.get(name, []) if c is not None and c not in allowed)
            continue
        if check.code == "thong_nhat.orgunit_in_force":
            # the codes with an end (or a start, when tested) present in the records: what
            # the records are tested on (most ended codes are no longer used at all; kept
            # short, the list rarely changes, nor the queries' cached SQL)
            before = bool(check.params.get("before_valid_from"))
            bounded = {u.code for u in hierarchy
                       if u.valid_to is not None or (before and u.valid_from is not None)}
            out[f"{check.code}:{ds.orgunit_field}"] = sorted(
                c for c in present.get(ds.orgunit_field, []) if c is not None and c in bounded)
            continue
        known: dict[str, set[str]] = {}
        if check.code == "thong_nhat.code_lists":
            known = {n: set(c) for n, c in (check.params.get("codes") or {}).items()
                     if n in ds.field_names}
        elif check.code == "ket_noi.references":
            units = {u.code for u in hierarchy}
            known = {f.name: units for f in ds.fields if f.references == "orgunit"}
        for name, codes in known.items():
            out[f"{check.code}:{name}"] = sorted(
                c for c in present.get(name, []) if c is not None and c not in codes)
    return out


def _constant(value: str, n: int) -> pa.Array:
    return pa.array([value] * n, pa.string())


def _examples(picked: pa.Table, codes: Sequence[str]) -> pa.Table:
    parts = []
    for i, code in enumerate(codes):
        mine = picked.filter(pc.and_(pc.fill_null(picked[f"_b{i}"], False),
                                     pc.less(picked[f"_n{i}"], EXAMPLES)))
        parts.append(pa.table({
            "agency": mine["agency"], "ym": mine["ym"],
            "code": _constant(code, mine.num_rows), "key": mine["_key"],
            "field": mine[f"_f{i}"], "value": mine[f"_v{i}"], "rule": mine[f"_r{i}"]}))
    return pa.concat_tables([conform(p, EXAMPLES_SCHEMA) for p in parts])


def _duplicates(found: pa.Table, ds: Dataset, code: str) -> tuple[pa.Table, pa.Table]:
    """A duplicate check's records (``agency, ym, _key, _found, _rn``, the first ``EXAMPLES``
    of each agency × month): its counts (``agency, ym, found``) and its examples."""
    first = found.filter(pc.equal(found["_rn"], 0))
    counts = pa.table({"agency": first["agency"], "ym": first["ym"].cast(pa.int64()),
                       "found": first["_found"].cast(pa.int64())})
    n = found.num_rows
    examples = pa.table({"agency": found["agency"], "ym": found["ym"],
                         "code": _constant(code, n), "key": found["_key"],
                         "field": _constant(ds.key, n),
                         "value": pc.fill_null(found["_key"], "null"),
                         "rule": _constant(code.split(".", 1)[1], n)})
    return counts, conform(examples, EXAMPLES_SCHEMA)


def _with_counts(counts: pa.Table, column: str, found: pa.Table) -> pa.Table:
    """``counts`` with ``column``: ``found`` of its agency × month (0 when none)."""
    counts = counts.append_column("_row", pa.array(range(counts.num_rows), pa.int64()))
    keyed = counts.select(["agency", "ym", "_row"]).cast(pa.schema(
        [("agency", pa.string()), ("ym", pa.int64()), ("_row", pa.int64())]))
    joined = keyed.join(found, ["agency", "ym"], join_type="left outer").sort_by("_row")
    values = pc.fill_null(joined["found"], 0)
    return counts.drop_columns(["_row"]).append_column(column, values)


def scan(runner: Runner, ds: Dataset, checks: Sequence[CheckDefinition],
         hierarchy: Hierarchy) -> Partitions:
    """The partitions of the months the runner scans (see the module doc)."""
    present = {name: runner.table("present", name)["_code"].to_pylist()
               for name in present_fields(ds, checks)}
    runner.set_unknown(unknown_codes(ds, checks, hierarchy, present))
    counts = runner.table("counts", None)
    flagged = [c.code for c in checks if _flag_column(c.code) in counts.column_names]
    dups = [c.code for c in checks if c.code in DUPLICATE_CHECKS]
    codes = [c.code for c in checks if c.code in flagged or c.code in dups]
    failing = [code for code in flagged
               if (pc.sum(counts[_flag_column(code)]).as_py() or 0) > 0]
    parts = [_examples(runner.table("examples", failing), failing) if failing
             else EXAMPLES_SCHEMA.empty_table()]
    chunks = _month_chunks(counts) if getattr(runner, "by_month", False) else None
    for code in dups:
        if chunks is None:
            rows = runner.table("duplicates", code)
        else:
            rows = pa.concat_tables([runner.restricted(months).table("duplicates", code)
                                     for months in chunks])
        found, examples = _duplicates(rows, ds, code)
        counts = _with_counts(counts, _flag_column(code), found)
        parts.append(examples)
    return Partitions(codes, conform(counts, _counts_schema(codes)), pa.concat_tables(parts))


def _month_chunks(counts: pa.Table) -> list[list[int]] | None:
    """The months of ``counts`` in runs of consecutive months of about
    :data:`DUPLICATE_CHUNK_ROWS` records; ``None`` when one query does (a single run, or
    records without a month, which no month's query would see)."""
    if counts.num_rows == 0 or counts["ym"].null_count:
        return None
    per_month = counts.group_by("ym").aggregate([("n", "sum")]).sort_by("ym")
    chunks: list[list[int]] = [[]]
    size = 0
    for ym, n in zip(per_month["ym"].to_pylist(), per_month["n_sum"].to_pylist(), strict=True):
        if chunks[-1] and size + n > DUPLICATE_CHUNK_ROWS:
            chunks.append([])
            size = 0
        chunks[-1].append(ym)
        size += n
    return chunks if len(chunks) > 1 else None


class CachedRunner:
    """Runs each query's cached SQL on the records' DuckDB connection; on a miss, compiles it
    with Ibis (``builder(months)`` gives :class:`~sodo.services.quality.compiled.Builder` for
    those months) and keeps it when the months' template reproduces Ibis's SQL exactly."""

    def __init__(self, con: Any, cache: SqlCache, parts: dict[str, Any],
                 months: Sequence[int] | None, builder: Callable[[Sequence[int] | None], Any],
                 by_month: bool = False) -> None:
        self.con, self.cache, self.parts = con, cache, parts
        #: the records are laid out by month (a month's query reads only its records): the
        #: duplicate checks of a scan of many months run month by month
        self.by_month = by_month
        self.months = None if months is None else [f"{m // 100:04d}-{m % 100:02d}"
                                                   for m in months]
        self.real = None if months is None else list(months)
        self.shape = months_shape(self.months)
        self.builder = builder
        self.unknown: dict[str, list[str]] | None = None
        self._built: dict[str, Any] = {}

    def set_unknown(self, unknown: Mapping[str, list[str]]) -> None:
        self.unknown = dict(unknown)
        for b in self._built.values():
            b.set_unknown(self.unknown)

    def restricted(self, months: Sequence[int]) -> CachedRunner:
        """The same scan of ``months`` only (among this one's)."""
        runner = CachedRunner(self.con, self.cache, self.parts, months, self.builder,
                              self.by_month)
        if self.unknown is not None:
            runner.set_unknown(self.unknown)
        return runner

    def _build(self, which: str) -> Any:
        if which not in self._built:
            if which == "real":
                months = self.real
            else:
                months = [int(m[:4]) * 100 + int(m[5:7])
                          for m in template_months(self.shape) or []] or None
            b = self.builder(months)
            if self.unknown is not None:
                b.set_unknown(self.unknown)
            self._built[which] = b
        return self._built[which]

    def table(self, kind: str, arg: Any) -> pa.Table:
        key = self.cache.key({**self.parts, "shape": self.shape, "kind": kind, "arg": arg,
                              "unknown": self.unknown})
        query = self.cache.get(key)
        sql = substitute(query.sql, self.shape, self.months, True) if query is not None else None
        if query is None or sql is None:
            template = self._build("template").compiled(kind, arg)
            query, sql = template, template.sql
            if self.months is not None:
                real = self._build("real").compiled(kind, arg)
                same = substitute(template.sql, self.shape, self.months, True) == real.sql
                query, sql = (template, real.sql) if same else (real, None)
            self.cache.compiled.append(key)
            if sql is not None:
                self.cache.put(key, query)
        return CompiledQuery(sql or query.sql, query.schema).run(self.con)
