"""Intake warnings: the record checks of severity ``warning`` run on each batch as it is taken in.

A batch that passes intake's rules (the ``error`` checks: refused, nothing loaded) is accepted;
the programme's record checks graded ``warning`` for its dataset then run on the staged batch
alone, in the staging DuckDB connection, compiled by the same code as the scorecard's
(:func:`sodo.services.quality.compiled.compile_flags`): one grouped query for the counts, one
small query per failing check for its first examples. What they find is stored with the batch
(``batch_warning``) and shown by ``sodo ingest``, ``GET /api/v1/batches/{id}`` and the web.

Checks that need more than the batch are left to the scorecard: freshness, coverage and
monthly volumes (they are about periods, not rows), and references to another dataset (the
staging connection holds the batch only). Duplicates are looked for within the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sodo.domain.datasets import FieldType
from sodo.domain.orgunits import Hierarchy
from sodo.domain.quality import CheckDefinition, Scope, Severity

if TYPE_CHECKING:
    import duckdb
    import ibis.expr.types as ir
    from sqlalchemy.orm import Session

    from sodo.domain.datasets import Dataset
    from sodo.domain.permissions import Actor

EXAMPLES = 5
#: Record checks that look at periods or at other datasets, not at the batch's rows.
NOT_AT_INTAKE = frozenset({"song.freshness", "du.agency_coverage", "sach.outlier_volume"})

#: ``warn(con, view, ds)``: the warnings of the staged batch ``view``.
Warner = Callable[["duckdb.DuckDBPyConnection", str, "Dataset"], list[dict[str, Any]]]


def warning_checks(programme_path: str | Path | None, dataset: str) -> list[CheckDefinition]:
    """The dataset's record checks graded ``warning`` that can run on a batch alone."""
    from sodo.services.quality import load_config, with_code_lists

    return with_code_lists(
        [c for c in load_config(programme_path).resolved("dataset", dataset)
         if c.scope is Scope.RECORDS and c.severity is Severity.WARNING
         and c.code not in NOT_AT_INTAKE], programme_path)


def warner(programme_path: str | Path | None, hierarchy: Hierarchy) -> IntakeWarner:
    """A :data:`Warner` for the programme's quality configuration (an :class:`IntakeWarner`:
    intake may fold its pre-scan into its own validation scan)."""
    return IntakeWarner(programme_path, hierarchy)


class IntakeWarner:
    """A :data:`Warner` whose first pass over the batch — whether its keys are plain, the codes
    present (:func:`~sodo.services.quality.scan.present_fields`) and the records each row check
    flags — is given as aggregate SQL terms (:meth:`scan_terms`), so that intake computes them
    in the one scan that validates the file; :meth:`from_scan` then finds the same warnings as
    calling the warner, without reading the batch for them again (the duplicate screen of
    :func:`_screen_duplicates`, and the examples of a check that some records fail, are
    queried)."""

    def __init__(self, programme_path: str | Path | None, hierarchy: Hierarchy) -> None:
        self.programme_path = programme_path
        self.hierarchy = hierarchy

    def __call__(self, con: duckdb.DuckDBPyConnection, view: str, ds: Dataset
                 ) -> list[dict[str, Any]]:
        checks = self.checks(ds)
        quiet, sources = _screen_duplicates(con, view, ds, checks)
        kept = [c for c in checks if c.code not in quiet]
        try:
            return batch_warnings(con, view, ds, kept, self.hierarchy,
                                  duplicate_sources=sources) if kept else []
        finally:
            _drop_tables(con, sources)

    def checks(self, ds: Dataset) -> list[CheckDefinition]:
        return _beyond_intake(ds, warning_checks(self.programme_path, ds.code))

    def scan_terms(self, con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                   checks: list[CheckDefinition]) -> list[str]:
        """Aggregates over the staged batch ``view`` (its fields by name): whether its keys
        are plain (no ``sach.duplicate_key`` copy is then possible), the distinct codes of each
        present field, then the number of records each row check flags (the checks that need
        the codes present aside). The other duplicate checks are screened after the scan
        (:func:`_duplicate_candidates`), on the hashes that repeat, not here on distinct
        hashes: that query finds the copies' records as well."""
        from sodo.services.quality.scan import present_fields

        terms = [t for t in [_plain_key_screen(ds, checks)] if t]
        terms += [f'list(DISTINCT CAST("{n}" AS VARCHAR))' for n in present_fields(ds, checks)]
        self._counted = flag_count_terms(con, view, ds, [
            c for c in checks if c.code not in NEEDS_PRESENT], self.hierarchy)
        return terms + list(self._counted.values())

    def from_scan(self, con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                  checks: list[CheckDefinition], rows: int, values: list[Any]
                  ) -> list[dict[str, Any]]:
        """The warnings of the batch ``view`` of ``rows`` records, given the values of
        :meth:`scan_terms` computed over it: a batch intake accepted, so its keys are
        distinct (no two are one in another case)."""
        from sodo.services.quality.scan import present_fields, unknown_codes

        fields = present_fields(ds, checks)
        screened = 1 if _plain_key_screen(ds, checks) else 0
        listed = values[screened:screened + len(fields)]
        counted = dict(zip(self._counted, values[screened + len(fields):], strict=True))
        # distinct keys of plain ASCII (no space): their normalised forms are distinct
        proven = {"sach.duplicate_key"} if screened and values[0] else set()
        quiet, sources = _screen_duplicates(con, view, ds, checks, proven)
        quiet |= proven
        present = {n: list(v or []) for n, v in zip(fields, listed, strict=True)}
        kept = [c for c in checks if c.code not in quiet]
        if not kept:
            return []
        unknown = unknown_codes(ds, kept, self.hierarchy, present)
        counts = {code: int(n or 0) for code, n in counted.items()}
        for check in kept:  # no unknown code present: nothing for these to flag
            prefix = f"{check.code}:"
            if check.code in NEEDS_PRESENT and not any(
                    v for k, v in unknown.items() if k.startswith(prefix)):
                counts[check.code] = 0
        try:
            return batch_warnings(con, view, ds, kept, self.hierarchy, unknown=unknown,
                                  counts=counts, duplicate_sources=sources)
        finally:
            _drop_tables(con, sources)


def _screen_duplicates(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                       checks: list[CheckDefinition], skip: set[str] | frozenset[str] = frozenset()
                       ) -> tuple[set[str], dict[str, str]]:
    """The duplicate checks of ``checks`` (but ``skip``) that cannot fire on ``view`` (no
    hash of what they compare repeats), and per one that may, the table of its candidate
    records (:func:`_duplicate_candidates`; the caller drops them, :func:`_drop_tables`)."""
    quiet: set[str] = set()
    sources: dict[str, str] = {}
    for code, groups_sql in _screen_groups(ds, checks).items():
        if code in skip:
            continue
        found = _duplicate_candidates(con, view, groups_sql, len(sources))
        if found is None:
            quiet.add(code)
        else:
            sources[code] = found
    return quiet, sources


def _drop_tables(con: duckdb.DuckDBPyConnection, tables: Mapping[str, str]) -> None:
    for table in tables.values():
        con.execute(f'DROP TABLE IF EXISTS "{table}"')


def _duplicate_candidates(con: duckdb.DuckDBPyConnection, view: str, groups_sql: str,
                          number: int) -> str | None:
    """The records of ``view`` whose hash of ``groups_sql`` (see :func:`_screen_groups`)
    another record shares, kept in a temporary table whose name is returned; ``None`` when
    no hash repeats (no duplicate is possible). Every copy of a duplicate is among them (a
    collision of hashes only adds records the duplicate query then tells apart), so that
    query runs on a few records, and on none when there is nothing to find."""
    hashes, table = f"_sodo_dup_hashes_{number}", f"_sodo_dup_candidates_{number}"
    con.execute(f'CREATE OR REPLACE TEMP TABLE "{hashes}" AS SELECT hash({groups_sql}) AS h '
                f"FROM {view} GROUP BY 1 HAVING count(*) > 1")
    try:
        if not con.execute(f'SELECT count(*) FROM "{hashes}"').fetchall()[0][0]:
            return None
        con.execute(f'CREATE OR REPLACE TEMP TABLE "{table}" AS SELECT * FROM {view} '
                    f'WHERE hash({groups_sql}) IN (SELECT h FROM "{hashes}")')
        return table
    finally:
        con.execute(f'DROP TABLE IF EXISTS "{hashes}"')


def _plain_key_screen(ds: Dataset, checks: list[CheckDefinition]) -> str | None:
    """:func:`_plain_keys` when ``sach.duplicate_key`` is among ``checks``."""
    return _plain_keys(ds) if any(c.code == "sach.duplicate_key" for c in checks) else None


def _plain_keys(ds: Dataset) -> str | None:
    """An aggregate true when every key of the batch is there, of ASCII characters, without
    a space: the normalised key of ``sach.duplicate_key`` (lower case, without white space
    or invisible characters) is then the key in lower case, as distinct as the keys. The
    other white space (tab, line breaks) is made of control characters, which intake refuses
    in a key (``key_format``): a batch accepted holds none. ``None`` for a key that is not
    text."""
    if ds.field(ds.key).type is not FieldType.STR:
        return None
    key = f'"{ds.key}"'
    return (f"(count({key}) = count(*) AND coalesce(bool_and(strlen({key}) = length({key}) "
            f"AND NOT contains({key}, ' ')), true))")


#: Checks whose flags test the codes present (found by a query when compiled without them).
NEEDS_PRESENT = frozenset({"thong_nhat.code_lists", "ket_noi.references",
                           "thong_nhat.orgunit_in_force"})


def _batch_table(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset) -> ir.Table:
    import ibis

    from sodo.services.engine.compiler import month_key
    from sodo.services.quality.records import MONTH

    t = ibis.duckdb.from_connection(con).table(view)
    t = t.select(*ds.field_names)
    return t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})


def flag_count_terms(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                     checks: list[CheckDefinition], hierarchy: Hierarchy) -> dict[str, str]:
    """Per row check of ``checks`` (compiled as :func:`batch_warnings` does), the SQL of an
    aggregate over ``view`` counting the records it flags, on the fields by name: to be
    computed in a scan of the caller's. ``{}`` when the compiled query is not the plain
    aggregate over the fields expected (its counts are then queried by ``batch_warnings``)."""
    import ibis
    import sqlglot
    from sqlglot import exp

    from sodo.services.quality.compiled import compile_flags

    t = _batch_table(con, view, ds)
    _, flags, _ = compile_flags(t, ds, checks, hierarchy)
    if not flags:
        return {}
    agg = t.aggregate(**{f"c{i}": ibis.ifelse(flag.bad, 1, 0).sum()
                         for i, flag in enumerate(flags.values())})
    tree = sqlglot.parse_one(ibis.to_sql(agg, dialect="duckdb"), read="duckdb")
    source = tree.args.get("from_")
    inner = source.this if source is not None else None
    if not isinstance(inner, exp.Subquery) or not isinstance(inner.this, exp.Select):
        return {}
    names = set(ds.field_names)
    out: dict[str, str] = {}
    for code, projection in zip(flags, tree.expressions, strict=True):
        if not isinstance(projection, exp.Alias) or projection.find(exp.Select) is not None:
            return {}
        term = projection.this.copy()
        for column in term.find_all(exp.Column):
            if column.name not in names:
                return {}
            column.set("table", None)
        out[code] = term.sql(dialect="duckdb")
    return out


def _beyond_intake(ds: Dataset, checks: list[CheckDefinition]) -> list[CheckDefinition]:
    """``checks`` without what intake has just proven: keys and references with invisible
    characters or padding are refused there, so ``sach.malformed`` keeps its other fields."""
    proven = {ds.key, *(f.name for f in ds.fields if f.references is not None)}
    out = []
    for check in checks:
        if check.code == "sach.malformed":
            fields = [f for f in check.params.get("fields") or [ds.key, ds.orgunit_field]
                      if f not in proven]
            if not fields:
                continue
            check = check.model_copy(update={"params": {**check.params, "fields": fields}})
        out.append(check)
    return out


def _screen_groups(ds: Dataset, checks: list[CheckDefinition]) -> dict[str, str]:
    """Per duplicate check of ``checks``, the SQL of the values it compares (the month and
    the normalised key, or the month and the compared fields; see :func:`_screen_duplicates`)."""
    from sodo.services.quality.records import _INVISIBLE_CLASS

    codes = {c.code: c for c in checks}
    wanted: dict[str, str] = {}
    month = f'date_trunc(\'month\', "{ds.period_field}")'
    if "sach.duplicate_key" in codes:
        wanted["sach.duplicate_key"] = (f"{month}, regexp_replace(lower(\"{ds.key}\"), "
                                        f"'{_INVISIBLE_CLASS}', '', 'g')")
    if "sach.duplicate_content" in codes:
        fields = codes["sach.duplicate_content"].params.get("fields") or [
            f for f in ds.field_names if f != ds.key]
        wanted["sach.duplicate_content"] = ", ".join([month, *(f'"{f}"' for f in fields)])
    return wanted


def batch_warnings(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                   checks: list[CheckDefinition], hierarchy: Hierarchy,
                   unknown: Mapping[str, list[str]] | None = None,
                   counts: Mapping[str, int] | None = None,
                   duplicate_sources: Mapping[str, str] | None = None
                   ) -> list[dict[str, Any]]:
    """``[{check, principle, severity, count, examples: [{row, key, field, value, rule,
    agency}]}]`` for
    each check that some records of the staged batch ``view`` fail (examples: the smallest
    keys first, at most five). ``duplicate_sources``: per duplicate check, a table of the
    batch's records among which all its copies are (:func:`_duplicate_candidates`)."""
    import ibis

    from sodo.services.quality.compiled import compile_flags

    t = _batch_table(con, view, ds)
    flagged, flags, dups = compile_flags(t, ds, checks, hierarchy, unknown=unknown)
    by_code = {c.code: c for c in checks}
    for code, source in (duplicate_sources or {}).items():
        if code in dups:
            dups[code] = compile_flags(_batch_table(con, source, ds), ds, [by_code[code]],
                                       hierarchy)[2][code]
    if not flags and not dups:
        return []
    known = dict(counts or {})
    todo = [code for code in flags if code not in known]
    counted = flagged.aggregate(**{f"c{i}": ibis.ifelse(flags[code].bad, 1, 0).sum()
                                   for i, code in enumerate(todo)}
                                ).to_pyarrow() if todo else None
    out = []
    for code in [c.code for c in checks if c.code in flags or c.code in dups]:
        if code in flags:
            if code in known:
                n = known[code]
            else:
                assert counted is not None
                n = int(counted[f"c{todo.index(code)}"][0].as_py() or 0)
            flag = flags[code]
            found, field, value, rule = flagged.filter(flag.bad), flag.field, flag.value, \
                flag.rule
        else:
            # the flagged copies (few) kept once: counting them and picking their examples
            # would each run the duplicate query over the whole batch again
            kept = f"_sodo_dups_{len(out)}"
            con.execute(f'CREATE OR REPLACE TEMP TABLE "{kept}" AS '
                        + ibis.to_sql(dups[code], dialect="duckdb"))
            found = ibis.duckdb.from_connection(con).table(kept)
            field, value = ibis.literal(ds.key), found[ds.key].cast("string").fill_null("null")
            rule = ibis.literal(code.split(".", 1)[1])
        try:
            if code in dups:
                n = int(found.count().to_pyarrow().as_py() or 0)
            if n == 0:
                continue
            picked = found.select(
                key=found[ds.key].cast("string"), field=field, value=value, rule=rule,
                agency=found[ds.orgunit_field].cast("string")).order_by("key").limit(
                EXAMPLES).to_pyarrow().to_pylist()
        finally:
            if code in dups:
                con.execute(f'DROP TABLE IF EXISTS "{kept}"')
        out.append({"check": code, "principle": str(by_code[code].principle),
                    "severity": str(by_code[code].severity), "count": n,
                    "examples": [{"row": None, **e} for e in picked]})
    return out


# -- stored with the batch ---------------------------------------------------------------------
def store(session: Session, batch_id: int, dataset: str, rows: int,
          warnings: list[dict[str, Any]]) -> None:
    """Keep a batch's warnings (an empty list: checked, nothing found)."""
    from sodo.stores.operational.quality_models import BatchWarning

    session.merge(BatchWarning(batch_id=batch_id, dataset=dataset, rows=rows,
                               warnings=warnings))


def of_batch(session: Session, batch_id: int) -> dict[str, Any] | None:
    """``{dataset, rows, warnings, checked_at}`` of a batch; ``None`` when none was stored
    (a batch taken in before warnings were kept, or by the store directly)."""
    from sodo.stores.operational.quality_models import BatchWarning

    row = session.get(BatchWarning, batch_id)
    if row is None:
        return None
    return {"dataset": row.dataset, "rows": row.rows, "warnings": list(row.warnings or []),
            "checked_at": row.checked_at}


def newest_counts(session: Session) -> dict[str, dict[str, int]]:
    """Per dataset, its newest batch that was checked at intake and how many warnings it got
    (``{dataset: {batch, count}}``; 0: checked, nothing found). Counts only: anyone may see
    them, as on the quality page."""
    from sqlalchemy import func, select

    from sodo.stores.operational.quality_models import BatchWarning

    newest = select(func.max(BatchWarning.batch_id)).group_by(BatchWarning.dataset)
    out = {}
    for row in session.scalars(select(BatchWarning).where(BatchWarning.batch_id.in_(newest))):
        out[row.dataset] = {"batch": row.batch_id, "count": sum(
            int(w.get("count", 0)) for w in row.warnings or [])}
    return out


def recent(session: Session, actor: Actor, limit: int = 10) -> list[dict[str, Any]]:
    """The newest batches accepted with warnings, newest first, as ``actor`` may see them:
    checks and counts for everyone; example records only for signed-in readers, of the
    agencies of their subtree (as for the scorecard)."""
    from sqlalchemy import select

    from sodo.domain.permissions import Action, require, sees_drafts_of
    from sodo.stores.operational.quality_models import BatchWarning

    require(actor, Action.READ_PUBLIC)
    sees = sees_drafts_of(actor)

    def shown(warning: dict[str, Any]) -> dict[str, Any]:
        examples = warning.get("examples") or []
        if sees is not None:
            examples = [e for e in examples if e.get("agency") in set(sees)]
        return {**warning, "examples": examples}

    found = session.scalars(select(BatchWarning).order_by(BatchWarning.batch_id.desc())
                            .limit(200))
    out = []
    for row in found:
        if row.warnings:
            out.append({"batch": row.batch_id, "dataset": row.dataset, "rows": row.rows,
                        "warnings": [shown(w) for w in row.warnings],
                        "checked_at": row.checked_at,
                        "count": sum(int(w.get("count", 0)) for w in row.warnings)})
        if len(out) >= limit:
            break
    return out
