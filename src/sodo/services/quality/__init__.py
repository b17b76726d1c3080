"""Data quality as use cases: compute the scorecard, store it, read it as an actor may see it.

A scorecard row is one dataset (or report form) × unit × period × principle:
``{dataset, unit, period, principle, score, checked, failed, checks}`` where ``checks`` lists
``{code, severity, failed, examples}`` (examples: at most five ``{key, field, value, rule,
agency}``). ``principle`` is one of the eight keys or ``overall`` (the mean of the principle
scores).

- :func:`compute` (admins: it scans the records) runs the record checks on the record store's
  backend (``sodo.services.quality.records``, compiled to Ibis), the report and publication
  checks from their services, and stores the rows (``quality_score``), replacing those of the
  same dataset × unit × period.
- :func:`scorecard` reads the stored rows; the anonymous public sees scores and counts, never
  example records; a signed-in reader sees the examples of the agencies of its subtree only.
- :func:`mark` records a follow-up mark (confirmed correct / to be corrected), audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import NATION_CODE, Hierarchy, OrgUnitError
from sodo.domain.periods import Period, PeriodType
from sodo.domain.permissions import Action, Actor, require, sees_drafts_of
from sodo.domain.problems import InputError
from sodo.domain.quality import (
    CHECKS,
    OVERALL,
    PRINCIPLE_NAMES,
    CheckDefinition,
    Principle,
    QualityConfig,
    Scope,
    overall_score,
    principle_score,
)
from sodo.services import audit
from sodo.services.quality.records import Tallies, tallies_from_partitions
from sodo.services.quality.reports import (
    form_periods,
    run_publication_check,
    run_report_checks,
)
from sodo.stores.operational.quality_models import QualityFollowup, QualityScore

if TYPE_CHECKING:
    from sodo.services.context import AppContext

CONFIG_FILE = "quality.yaml"
ROW_KEYS = ("dataset", "unit", "period", "principle", "score", "checked", "failed", "checks")
FOLLOWUP_STATES = ("confirmed", "to_correct")
EXAMPLE_KEYS = ("key", "field", "value", "rule", "agency")


def load_config(programme_path: str | Path | None = None) -> QualityConfig:
    """The programme's ``quality.yaml`` (``quality:`` mapping); the shipped one when the
    programme has none."""
    from sodo.services.programme import default_programme_path

    base = Path(programme_path) if programme_path is not None else default_programme_path()
    file = base / CONFIG_FILE
    if not file.exists():
        file = default_programme_path() / CONFIG_FILE
    try:
        doc = YAML(typ="safe").load(file.read_text(encoding="utf-8")) or {}
        config = QualityConfig.model_validate(doc.get("quality") or {})
    except (ValidationError, AttributeError, ValueError) as exc:
        raise InputError(f"{file}: invalid quality configuration: {exc}") from None
    unknown = config.unknown_codes()
    if unknown:
        raise InputError(f"{file}: unknown check(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(CHECKS))})")
    return config


CATALOGUES = "catalogues"
NOT_CONFIGURED = "not configured"


def load_code_list(programme_path: str | Path | None, name: str) -> set[str] | None:
    """The codes of the programme's code list ``name`` (``catalogues/<name>.csv``, a ``code``
    column); ``None`` when the programme has no such list."""
    import csv

    from sodo.services.programme import default_programme_path

    base = Path(programme_path) if programme_path is not None else default_programme_path()
    file = base / CATALOGUES / f"{name}.csv"
    if not file.exists():
        return None
    with file.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if "code" not in (reader.fieldnames or []):
            raise InputError(f"{file}: a code list needs a 'code' column "
                             f"(columns found: {', '.join(reader.fieldnames or []) or 'none'})")
        return {row["code"].strip() for row in reader if (row.get("code") or "").strip()}


def with_code_lists(checks: Sequence[CheckDefinition], programme_path: str | Path | None
                    ) -> list[CheckDefinition]:
    """``checks`` with the code lists ``thong_nhat.code_lists`` names (``lists``: field →
    list name) read from the programme (``codes``: field → codes); the fields whose list the
    programme lacks go to ``not_configured``."""
    out = []
    for check in checks:
        if check.code == "thong_nhat.code_lists":
            codes: dict[str, list[str]] = {}
            missing: list[str] = []
            for name, listed in sorted((check.params.get("lists") or {}).items()):
                found = load_code_list(programme_path, str(listed))
                if found is None:
                    missing.append(name)
                else:
                    codes[name] = sorted(found)
            check = check.model_copy(update={"params": {
                **check.params, "codes": codes, "not_configured": missing}})
        out.append(check)
    return out


def explain(code: str) -> dict[str, Any]:
    """A check's definition, as ``sodo quality --explain`` prints it."""
    check = CHECKS.get(code)
    if check is None:
        raise InputError(f"unknown check '{code}' (known: {', '.join(sorted(CHECKS))})")
    vi, en = PRINCIPLE_NAMES[check.principle]
    return {"code": check.code, "principle": str(check.principle), "principle_name": vi,
            "principle_name_en": en, "severity": str(check.severity), "scope": str(check.scope),
            "name": check.name, "name_en": check.name_en, "definition": check.definition,
            "definition_en": check.definition_en, "weight": check.weight,
            "params": check.params}


def list_checks() -> list[dict[str, Any]]:
    return [explain(code) for code in CHECKS]


def default_period(today: date) -> Period:
    """The last quarter that has ended by ``today``."""
    current = Period.containing(today, PeriodType.QUARTER)
    return Period.containing(current.start - timedelta(days=1), PeriodType.QUARTER)


def parse_period(text: str | None, today: date) -> Period:
    return default_period(today) if not text else Period.parse(text)


def scored_units(hierarchy: Hierarchy, on: date, unit: str | None = None) -> list[str]:
    """The nation, the ministries and the provinces in force on ``on`` — or ``unit`` alone."""
    if unit:
        try:
            return [hierarchy.resolve(unit, on=on).code]
        except OrgUnitError as exc:
            raise InputError(str(exc)) from None
    return [NATION_CODE, *(u.code for u in hierarchy.at_level("ministry", on=on)),
            *(u.code for u in hierarchy.at_level("province", on=on))]


@dataclass
class Target:
    """What a scorecard is computed for: a record dataset or a report form."""

    kind: str  # dataset | form
    code: str
    checks: list[CheckDefinition]


def _targets(ctx: AppContext, session: Session, config: QualityConfig,
             dataset: str | None) -> tuple[list[Target], dict[str, Any], dict[str, Any]]:
    from sodo.services import reporting
    from sodo.services.datasets import load_datasets

    declared = load_datasets(ctx.settings.programme_path())
    forms = {f.code: f for f in reporting.list_forms(session)}
    if dataset and dataset not in declared and dataset not in forms:
        known = ", ".join([*sorted(declared), *sorted(forms)]) or "none"
        raise InputError(f"unknown dataset or form '{dataset}' (known: {known})")
    targets = [Target("dataset", code, config.resolved("dataset", code))
               for code in sorted(declared) if dataset in (None, code)]
    targets += [Target("form", code, config.resolved("form", code))
                for code in sorted(forms) if dataset in (None, code)]
    return targets, declared, forms


def compute(ctx: AppContext, actor: Actor, *, dataset: str | None = None,
            period: str | None = None, unit: str | None = None, store: bool = True,
            backend: str | None = None, full: bool = False) -> list[dict[str, Any]]:
    """Compute the scorecard rows (every dataset and form, or ``dataset``) for ``period``
    (default: the last ended quarter) and the units (default: the nation, the ministries and
    the provinces), store them, and return them in full. Admins only: it scans records.

    Record checks come from the dataset's partitions (``sodo.services.quality.partitions``):
    only the months touched by batches since the last run are rescanned (``full``: every
    month), then the period's months are summed."""
    import time

    from sodo.services import catalogue, opendata
    from sodo.services.datasets import open_record_store, store_key
    from sodo.services.hierarchy_cache import shipped_hierarchy
    from sodo.services.quality import partitions

    require(actor, Action.ADMIN)
    began = time.perf_counter()
    today = ctx.today()
    p = parse_period(period, today)
    hierarchy = shipped_hierarchy(ctx.settings.root / ".sodo" if ctx.settings.root else None)
    units = scored_units(hierarchy, min(p.end, today), unit)
    config = load_config(ctx.settings.programme_path())
    rows: list[dict[str, Any]] = []
    with ctx.session() as session:
        targets, declared, forms = _targets(ctx, session, config, dataset)
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
        licensed = bool(opendata.policy(cat).licence)
        open_codes = set(opendata.open_indicators(session))
        computed_by = _computed_indicators(cat, ctx.settings.programme_path())
        record_targets = [t for t in targets if t.kind == "dataset"]
        tallies_by: dict[str, Tallies] = {}
        refreshed: list[partitions.Refresh] = []
        if record_targets:
            cache = partitions.PartitionCache(
                ctx.settings.root / ".sodo" / "quality" if ctx.settings.root else None)
            key = store_key(ctx.settings, backend)
            with open_record_store(ctx.settings, backend, declared) as records:
                for target in record_targets:
                    target.checks = with_code_lists(target.checks,
                                                    ctx.settings.programme_path())
                    checks = [c for c in target.checks if c.scope is Scope.RECORDS]
                    parts, done = partitions.current(cache, records, declared[target.code],
                                                     checks, hierarchy, key, full)
                    refreshed.append(done)
                    tallies_by[target.code] = tallies_from_partitions(
                        parts, declared[target.code], checks, p, hierarchy, units, today)
        for target in targets:
            tallies = tallies_by.setdefault(target.code, {})
            if target.kind == "form":
                if not form_periods(forms[target.code], p, today):
                    continue  # nothing of this form is due within the period
                checks = [c for c in target.checks if c.scope is Scope.REPORTS]
                tallies.update(run_report_checks(session, forms[target.code], checks, p,
                                                 hierarchy, units, today, cat.indicator))
                indicators = [i.code for i in forms[target.code].indicators]
            else:
                indicators = computed_by.get(target.code, [])
            # publication applies to the units the dataset or form concerns (and the nation)
            concerned = [u for u in units if u == NATION_CODE or any(
                key[0] == u for key in tallies)]
            for check in target.checks:
                if check.scope is Scope.PUBLICATION:
                    tallies.update(run_publication_check(check, indicators, concerned,
                                                         licensed, open_codes))
            rows += build_rows(target.code, p.id, units, target.checks, tallies)
        if store:
            _store(session, rows, [t.code for t in targets], p.id, units)
            audit.record(session, actor, "quality.compute", "quality", p.id, None,
                         {"datasets": [t.code for t in targets], "units": len(units),
                          "rows": len(rows),
                          "rescanned": {r.dataset: {"mode": r.mode, "months": r.months}
                                        for r in refreshed},
                          "seconds": round(time.perf_counter() - began, 3)})
            session.commit()
    return rows


def refresh(ctx: AppContext, actor: Actor, periods: Sequence[str]) -> list[str]:
    """After a compute: rescore the periods already in the stored scorecard that contain a
    month the compute touched (incremental by the months touched; nothing stored, nothing
    done). Returns the periods rescored."""
    months = {Period.parse(p) for p in periods}
    months = {m for m in months if m.type is PeriodType.MONTH}
    if not months:
        return []
    with ctx.session() as session:
        stored = stored_periods(session)
    touched = [p for p in stored
               if any(Period.parse(p).start <= m.start <= Period.parse(p).end for m in months)]
    for period in touched:
        compute(ctx, actor, period=period)
    return touched


def _computed_indicators(cat: Any, programme_path: Path) -> dict[str, list[str]]:
    """Indicator codes computed from each dataset (the engine's definitions)."""
    out: dict[str, list[str]] = {}
    try:
        from sodo.services.engine.definitions import load_engine_config

        config = load_engine_config(programme_path)
        for ind in config.all_rate_indicators():
            if cat.indicator(ind.code) is not None:
                out.setdefault(ind.dataset, []).append(ind.code)
    except (InputError, OSError, AttributeError):
        return {}
    return out


def build_rows(dataset: str, period: str, units: Sequence[str],
               checks: Sequence[CheckDefinition], tallies: Tallies) -> list[dict[str, Any]]:
    """The scorecard rows of one dataset for each unit: one per principle with items checked,
    then ``overall``."""
    rows = []
    for unit in units:
        scores = []
        unit_rows = []
        for principle in Principle:
            mine = [(c, tallies[(unit, c.code)]) for c in checks
                    if c.principle is principle and (unit, c.code) in tallies
                    and tallies[(unit, c.code)].checked > 0]
            if not mine:
                continue
            # a code-list check without a list says so (information, not a failure)
            unset = [{"code": c.code, "severity": "info", "failed": 0, "examples": [],
                      "note": NOT_CONFIGURED} for c in checks
                     if c.principle is principle and c.code == "thong_nhat.code_lists"
                     and not c.params.get("codes")]
            score = principle_score((c.weight, t.checked, t.failed) for c, t in mine)
            scores.append(score)
            unit_rows.append({
                "dataset": dataset, "unit": unit, "period": period,
                "principle": str(principle), "score": score,
                "checked": sum(t.checked for _, t in mine),
                "failed": sum(t.failed for _, t in mine),
                "checks": [{"code": c.code, "severity": str(c.severity), "failed": t.failed,
                            "examples": t.examples} for c, t in mine] + unset,
            })
        if unit_rows:
            rows += unit_rows
            rows.append({"dataset": dataset, "unit": unit, "period": period,
                         "principle": OVERALL, "score": overall_score(scores),
                         "checked": sum(r["checked"] for r in unit_rows),
                         "failed": sum(r["failed"] for r in unit_rows), "checks": []})
    return rows


def _store(session: Session, rows: list[dict[str, Any]], datasets: list[str], period: str,
           units: Sequence[str]) -> None:
    session.execute(delete(QualityScore).where(
        QualityScore.dataset.in_(datasets), QualityScore.period == period,
        QualityScore.unit.in_(list(units))))
    now = datetime.now(UTC)
    session.add_all(QualityScore(dataset=r["dataset"], unit=r["unit"], period=r["period"],
                                 principle=r["principle"], score=r["score"],
                                 checked=r["checked"], failed=r["failed"], checks=r["checks"],
                                 computed_at=now) for r in rows)


# -- reading -----------------------------------------------------------------------------------
def scorecard(session: Session, actor: Actor, *, dataset: str | None = None,
              period: str | None = None, unit: str | None = None,
              principle: str | None = None) -> list[dict[str, Any]]:
    """Stored rows, as ``actor`` may see them (see :func:`visible`)."""
    require(actor, Action.READ_PUBLIC)
    stmt = select(QualityScore)
    if dataset:
        stmt = stmt.where(QualityScore.dataset == dataset)
    if period:
        stmt = stmt.where(QualityScore.period == Period.parse(period).id)
    if unit:
        stmt = stmt.where(QualityScore.unit == unit)
    if principle:
        stmt = stmt.where(QualityScore.principle == principle)
    order = {str(p): i for i, p in enumerate(Principle)} | {OVERALL: len(Principle)}
    found = sorted(session.scalars(stmt), key=lambda r: (
        r.dataset, r.period, _unit_order(r.unit), order.get(r.principle, 99)))
    return [visible(_row(r), actor) for r in found]


def stored_periods(session: Session) -> list[str]:
    periods = session.scalars(select(QualityScore.period).distinct())
    return sorted(periods, key=lambda p: Period.parse(p).start, reverse=True)


def _unit_order(code: str) -> tuple[int, str]:
    return (0 if code == NATION_CODE else 1 if code.isdigit() else 2, code)


def _row(r: QualityScore) -> dict[str, Any]:
    return {"dataset": r.dataset, "unit": r.unit, "period": r.period,
            "principle": r.principle, "score": r.score, "checked": r.checked,
            "failed": r.failed,
            "checks": [{"code": c["code"], "severity": c["severity"], "failed": c["failed"],
                        "examples": [{k: e.get(k) for k in EXAMPLE_KEYS} for e in c["examples"]],
                        **({"note": c["note"]} if c.get("note") else {})}
                       for c in r.checks or []]}


def visible(row: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """The row with only the examples ``actor`` may see: none for the anonymous public (scores
    and counts only); for a reader bound to a unit, those of the agencies in its subtree."""
    sees = sees_drafts_of(actor)
    if sees is None:
        return row
    allowed = set(sees)

    def keep(example: dict[str, Any]) -> bool:
        return bool(allowed) and (example.get("agency") in allowed
                                  or (example.get("agency") == "" and row["unit"] in allowed))

    return {**row, "checks": [{**c, "examples": [e for e in c["examples"] if keep(e)]}
                              for c in row["checks"]]}


# -- follow-up ---------------------------------------------------------------------------------
def mark(session: Session, actor: Actor, *, dataset: str, check_code: str, ref: str,
         state: str, comment: str = "", unit: str = "") -> dict[str, Any]:
    """Mark a flagged record, value or batch "confirmed correct" (``confirmed``) or "to be
    corrected" (``to_correct``), with a comment; audited. Who may report for (or approve) the
    unit may mark it; admins anything."""
    if state not in FOLLOWUP_STATES:
        raise InputError(f"unknown follow-up state '{state}' ({', '.join(FOLLOWUP_STATES)})")
    if check_code not in CHECKS:
        raise InputError(f"unknown check '{check_code}'")
    if unit:
        if not actor.is_admin:
            require(actor, Action.REPORT if actor.role == "reporter" else Action.APPROVE, unit)
    else:
        require(actor, Action.ADMIN)
    row = QualityFollowup(dataset=dataset, check_code=check_code, ref=ref[:200], unit=unit,
                          state=state, comment=comment, actor=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "quality.followup", "quality_followup", str(row.id), None,
                 {"dataset": dataset, "check": check_code, "ref": ref, "unit": unit,
                  "state": state, "comment": comment})
    return followup_dict(row)


def followups(session: Session, actor: Actor, *, dataset: str | None = None,
              unit: str | None = None) -> list[dict[str, Any]]:
    """The standing (latest) mark of each flagged item, as ``actor`` may see them."""
    require(actor, Action.READ_PUBLIC)
    sees = sees_drafts_of(actor)
    if sees == []:
        return []
    stmt = select(QualityFollowup).order_by(QualityFollowup.id)
    if dataset:
        stmt = stmt.where(QualityFollowup.dataset == dataset)
    if unit:
        stmt = stmt.where(QualityFollowup.unit == unit)
    latest: dict[tuple[str, str, str], QualityFollowup] = {}
    for row in session.scalars(stmt):
        if sees is None or row.unit in sees:
            latest[(row.dataset, row.check_code, row.ref)] = row
    return [followup_dict(r) for r in latest.values()]


def followup_dict(row: QualityFollowup) -> dict[str, Any]:
    return {"id": row.id, "dataset": row.dataset, "check": row.check_code, "ref": row.ref,
            "unit": row.unit, "state": row.state, "comment": row.comment, "actor": row.actor,
            "at": row.at.isoformat() if row.at else None}
