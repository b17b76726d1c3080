"""Intake warnings: the record checks of severity ``warning`` run on each batch as it is taken in.

A batch that passes intake's rules (the ``error`` checks: refused, nothing loaded) is accepted;
the programme's record checks graded ``warning`` for its dataset then run on the staged batch
alone, in the staging DuckDB connection, compiled by the same code as the scorecard's
(:func:`sodo.services.quality.records.compile_flags`): one grouped query for the counts, one
small query per failing check for its first examples. What they find is stored with the batch
(``batch_warning``) and shown by ``sodo ingest``, ``GET /api/v1/batches/{id}`` and the web.

Checks that need more than the batch are left to the scorecard: freshness, coverage and
monthly volumes (they are about periods, not rows), and references to another dataset (the
staging connection holds the batch only). Duplicates are looked for within the batch.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sodo.domain.orgunits import Hierarchy
from sodo.domain.quality import CheckDefinition, Scope, Severity

if TYPE_CHECKING:
    import duckdb
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


def warner(programme_path: str | Path | None, hierarchy: Hierarchy) -> Warner:
    """A :data:`Warner` for the programme's quality configuration."""

    def warn(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset) -> list[dict[str, Any]]:
        checks = _beyond_intake(ds, warning_checks(programme_path, ds.code))
        try:
            checks, narrowed = _screened(con, view, ds, checks)
            return batch_warnings(con, view, ds, checks, hierarchy, narrowed) if checks else []
        finally:
            for stmt in [*(f"DROP VIEW IF EXISTS {v}" for v in _NARROWED.values()),
                         f"DROP TABLE IF EXISTS {_DUPLICATES}"]:
                con.execute(stmt)

    return warn


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


#: temp objects of the duplicate pre-screen: the hashes seen more than once, and per check the
#: view of the records that carry one
_DUPLICATES = "_sodo_duplicate_hashes"
_NARROWED = {"sach.duplicate_key": "_sodo_maybe_duplicate_key",
             "sach.duplicate_content": "_sodo_maybe_duplicate_content"}


def _screened(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
              checks: list[CheckDefinition]
              ) -> tuple[list[CheckDefinition], dict[str, str]]:
    """``checks`` without the duplicate checks that cannot fire, and for those that may, a
    view of the only records they can flag.

    One hash aggregate (grouping sets: one scan) finds the hashes of (month, normalised key)
    and of (month, compared fields) that occur more than once. A duplicate check with none is
    dropped; otherwise its window (a sort) runs on the records carrying such a hash only:
    every record of a group of equal values shares its hash, so each group is there whole and
    the window numbers it as over the whole batch (a hash collision only adds records)."""
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
    if not wanted:
        return checks, {}
    hashes = ", ".join(f"hash({e}) AS h{i}" for i, e in enumerate(wanted.values()))
    sets = ", ".join(f"(h{i})" for i in range(len(wanted)))
    which = "GROUPING(h0)" if len(wanted) > 1 else "0"
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_DUPLICATES} AS SELECT {which} AS g, "
                f"{', '.join(f'h{i}' for i in range(len(wanted)))} FROM (SELECT {hashes} "
                f"FROM {view}) GROUP BY GROUPING SETS ({sets}) HAVING count(*) > 1")
    found = dict(con.execute(f"SELECT g, count(*) FROM {_DUPLICATES} GROUP BY g").fetchall())
    narrowed: dict[str, str] = {}
    quiet = set()
    for i, (code, expr) in enumerate(wanted.items()):
        if not found.get(i):
            quiet.add(code)
            continue
        narrowed[code] = _NARROWED[code]
        con.execute(f"CREATE OR REPLACE TEMP VIEW {narrowed[code]} AS SELECT * FROM {view} "
                    f"WHERE hash({expr}) IN (SELECT h{i} FROM {_DUPLICATES} WHERE g = {i})")
    return [c for c in checks if c.code not in quiet], narrowed


def batch_warnings(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
                   checks: list[CheckDefinition], hierarchy: Hierarchy,
                   narrowed: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """``[{check, principle, severity, count, examples: [{row, key, field, value, rule,
    agency}]}]`` for
    each check that some records of the staged batch ``view`` fail (examples: the smallest
    keys first, at most five). ``narrowed`` maps a check to a view of the only records of
    ``view`` it can flag (see :func:`_screened`): it runs there, alone."""
    narrowed = narrowed or {}
    found = _warnings(con, view, ds, [c for c in checks if c.code not in narrowed], hierarchy)
    for code, narrow_view in narrowed.items():
        found.update(_warnings(con, narrow_view, ds, [c for c in checks if c.code == code],
                               hierarchy))
    return [found[c.code] for c in checks if c.code in found]


def _warnings(con: duckdb.DuckDBPyConnection, view: str, ds: Dataset,
              checks: list[CheckDefinition], hierarchy: Hierarchy
              ) -> dict[str, dict[str, Any]]:
    if not checks:
        return {}
    import ibis

    from sodo.services.engine.compiler import month_key
    from sodo.services.quality.records import MONTH, compile_flags

    t = ibis.duckdb.from_connection(con).table(view)
    t = t.select(*ds.field_names)
    t = t.mutate(**{MONTH: month_key(t[ds.period_field]).cast("int64")})
    flagged, flags = compile_flags(t, ds, checks, hierarchy)
    if not flags:
        return {}
    counts = flagged.aggregate(**{f"c{i}": ibis.ifelse(flag.bad, 1, 0).sum()
                                  for i, flag in enumerate(flags.values())}).to_pyarrow()
    by_code = {c.code: c for c in checks}
    out = {}
    for i, (code, flag) in enumerate(flags.items()):
        n = int(counts[f"c{i}"][0].as_py() or 0)
        if n == 0:
            continue
        key = flagged[ds.key].cast("string")
        picked = flagged.filter(flag.bad).select(
            key=key, field=flag.field, value=flag.value, rule=flag.rule,
            agency=flagged[ds.orgunit_field].cast("string")).order_by("key").limit(
            EXAMPLES).to_pyarrow().to_pylist()
        out[code] = {"check": code, "principle": str(by_code[code].principle),
                     "severity": str(by_code[code].severity), "count": n,
                     "examples": [{"row": None, **e} for e in picked]}
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
