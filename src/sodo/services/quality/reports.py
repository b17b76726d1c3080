"""Checks on what agencies report and on what is published, read from their owners' services:
submissions from ``reporting``, values from ``values``, openness from ``opendata``.

- ``du.reporting_rate``: each unit owing a form's report for a period that is due (DHIS2's
  reporting rate: actual / expected reports);
- ``song.on_time``: each report sent, on time or late (``Submission.late``);
- ``sach.outlier_reported``: each approved reported value against the other units' for the same
  indicator and period (modified z-score);
- ``dong_bo.reported_vs_computed``: each unit × period with both a reported and a computed value
  of a configured pair, within the tolerance;
- ``thong_nhat.units``: each approved reported value against its indicator's declared unit
  (a percentage given as a fraction, a count with decimals);
- ``dung_chung.published``: each indicator of a dataset or form, open data with a licence.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import date

from sqlalchemy.orm import Session

from sodo.domain.forms import ReportForm
from sodo.domain.orgunits import Hierarchy
from sodo.domain.periods import Period, PeriodError
from sodo.domain.permissions import Actor
from sodo.domain.programme import Indicator
from sodo.domain.quality import CheckDefinition, is_outlier, modified_z_scores, unit_conflict
from sodo.domain.values import COMPUTED, REPORTED
from sodo.services import reporting, values
from sodo.services.quality.records import Tallies, Tally

SENT = ("submitted", "approved")


def form_periods(form: ReportForm, period: Period, today: date) -> list[Period]:
    """The form's periods inside ``period`` whose report is due by ``today``."""
    if str(period.type) == form.period_type:
        candidates = [period]
    else:
        try:
            candidates = period.subperiods(str(form.period_type))
        except PeriodError:
            return []
    return [p for p in candidates if form.due_on(p) <= today]


def _targets(unit: str, units: set[str], hierarchy: Hierarchy) -> list[str]:
    out = [unit] if unit in units else []
    with contextlib.suppress(LookupError):
        out += [a.code for a in hierarchy.ancestors(unit) if a.code in units]
    return out


def run_report_checks(session: Session, form: ReportForm, checks: Sequence[CheckDefinition],
                      period: Period, hierarchy: Hierarchy, units: Sequence[str],
                      today: date, indicator: Callable[[str], Indicator | None] | None = None
                      ) -> Tallies:
    """The report checks of ``form`` for ``period``; ``indicator(code)`` is the programme's
    definition of an indicator (its declared unit, for ``thong_nhat.units``)."""
    tallies: Tallies = {}
    wanted = set(units)

    def add(unit: str, code: str, checked: int, failed: int, example: dict | None) -> None:
        for target in _targets(unit, wanted, hierarchy):
            tallies.setdefault((target, code), Tally()).add(
                checked, failed, [example] if example and failed else [])

    by_code = {c.code: c for c in checks}
    periods = form_periods(form, period, today)
    system = Actor.system("quality")
    for fp in periods:
        owed = form.reporting_units(on=fp.end)
        subs = {s.orgunit: s for s in reporting.list_submissions(
            session, system, form=form.code, period=fp.id, limit=100_000).items}
        for unit in owed:
            sub = subs.get(unit)
            sent = sub is not None and sub.state in SENT
            key = f"{form.code}/{unit}/{fp.id}"
            if "du.reporting_rate" in by_code:
                add(unit, "du.reporting_rate", 1, int(not sent),
                    {"key": key, "field": "state", "value": sub.state if sub else "open",
                     "rule": "report not sent", "agency": unit})
            if sent and "song.on_time" in by_code:
                add(unit, "song.on_time", 1, int(bool(sub.late)),
                    {"key": key, "field": "submitted_at", "value": str(sub.submitted_at),
                     "rule": f"due {form.due_on(fp).isoformat()}", "agency": unit})
        if "sach.outlier_reported" in by_code:
            _outliers(session, form, by_code["sach.outlier_reported"], fp, owed, add)
        if "dong_bo.reported_vs_computed" in by_code:
            _agreement(session, by_code["dong_bo.reported_vs_computed"], fp, owed, add)
        if "thong_nhat.units" in by_code and indicator is not None:
            _units(session, form, by_code["thong_nhat.units"], fp, owed, add, indicator)
    return tallies


Add = Callable[[str, str, int, int, "dict | None"], None]


def _outliers(session: Session, form: ReportForm, check: CheckDefinition, fp: Period,
              owed: list[str], add: Add) -> None:
    threshold = float(check.params.get("threshold", 3.5))
    min_units = int(check.params.get("min_units", 5))
    cands = values.candidates(session, indicators=[i.code for i in form.indicators],
                              orgunits=owed, periods=[fp.id])
    by_indicator: dict[str, list[tuple[str, float]]] = {}
    for cand in cands:
        if cand.origin == REPORTED and cand.value is not None and not cand.category:
            by_indicator.setdefault(cand.indicator, []).append((cand.orgunit, cand.value))
    for indicator, pairs in sorted(by_indicator.items()):
        if len(pairs) < min_units:
            continue
        for (unit, value), z in zip(pairs, modified_z_scores([v for _, v in pairs]),
                                    strict=True):
            bad = is_outlier(z, threshold)
            add(unit, check.code, 1, int(bad),
                {"key": f"{indicator}/{unit}/{fp.id}", "field": indicator, "value": str(value),
                 "rule": f"modified z-score {z:.1f}", "agency": unit})


def _units(session: Session, form: ReportForm, check: CheckDefinition, fp: Period,
           owed: list[str], add: Add, indicator: Callable[[str], Indicator | None]) -> None:
    """Each reported value of the form's indicators against the indicator's declared unit
    (``domain.quality.unit_conflict``)."""
    below = float(check.params.get("fraction_below", 1.0))
    declared = {i.code: indicator(i.code) for i in form.indicators}
    cands = values.candidates(session, indicators=[c for c, d in declared.items() if d],
                              orgunits=owed, periods=[fp.id])
    for cand in sorted(cands, key=lambda c: (c.indicator, c.orgunit)):
        definition = declared.get(cand.indicator)
        if cand.origin != REPORTED or cand.value is None or cand.category or not definition:
            continue
        why = unit_conflict(definition.value_type, definition.unit, float(cand.value), below)
        add(cand.orgunit, check.code, 1, int(why is not None),
            {"key": f"{cand.indicator}/{cand.orgunit}/{fp.id}", "field": cand.indicator,
             "value": f"{cand.value:g}",
             "rule": f"{why} (unit: {definition.unit or definition.value_type})",
             "agency": cand.orgunit})


def _agreement(session: Session, check: CheckDefinition, fp: Period, owed: list[str],
               add: Add) -> None:
    for pair in check.params.get("pairs") or []:
        reported, computed = pair["reported"], pair["computed"]
        tolerance = float(pair.get("tolerance", 0))
        found: dict[tuple[str, str], float] = {}
        for cand in values.candidates(session, indicators=[reported, computed],
                                      orgunits=owed, periods=[fp.id]):
            if cand.value is None or cand.category:
                continue
            if cand.indicator == reported and cand.origin == REPORTED:
                found[(cand.orgunit, "r")] = cand.value
            elif cand.indicator == computed and cand.origin == COMPUTED:
                found[(cand.orgunit, "c")] = cand.value
        for unit in owed:
            if (unit, "r") not in found or (unit, "c") not in found:
                continue
            r, c = found[(unit, "r")], found[(unit, "c")]
            bad = abs(r - c) > tolerance
            add(unit, check.code, 1, int(bad),
                {"key": f"{reported}/{unit}/{fp.id}", "field": reported,
                 "value": f"{r:g} (computed {computed}: {c:g})",
                 "rule": f"differs by more than {tolerance:g}", "agency": unit})


def run_publication_check(check: CheckDefinition, indicators: list[str],
                          units: Sequence[str], licensed: bool, open_codes: set[str]) -> Tallies:
    """Every unit's row carries the same publication tally: the indicators of the dataset or
    form that are open data (``open_codes``, from ``opendata.open_indicators``) under a
    licence."""
    failed: list[str] = [code for code in indicators if not licensed or code not in open_codes]
    examples = [{"key": code, "field": "open_data", "value": "false",
                 "rule": "not published as open data" if licensed else "no licence",
                 "agency": ""} for code in failed]
    out: Tallies = {}
    if indicators:
        for unit in units:
            out[(unit, check.code)] = Tally(len(indicators), len(failed), examples[:5])
    return out
