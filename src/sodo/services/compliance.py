"""Reporting compliance: for each report form, the period whose report is due, which units owe
it, which have sent it and which have not — as the asking user may see it.

Signed-in users with read rights on a unit see its report's real state (draft, submitted,
returned, approved); everyone else, the anonymous public included, sees only whether its report
has been approved and published (``approved``) or not yet (``unpublished``): an unapproved
report is never shown outside its unit's subtree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from sodo.domain.forms import ReportForm
from sodo.domain.permissions import Action, Actor, allows, require
from sodo.services import reporting

UNPUBLISHED = "unpublished"  # what those who may not see drafts are told of an unapproved report
OPEN = "open"  # nothing saved yet


@dataclass
class UnitReport:
    orgunit: str
    state: str  # open | draft | submitted | returned | approved | unpublished
    late: bool = False
    submitted_at: Any = None


@dataclass
class FormCompliance:
    form: str
    name: str
    name_en: str
    period: str
    due: date
    owed: int
    sent: int
    missing: list[str]
    overdue: bool  # the due date has passed and some units have not sent
    units: list[UnitReport] = field(default_factory=list)
    # for one unit's page: the period open for reporting now and that unit's state in it
    current_period: str | None = None
    current_state: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["due"] = self.due.isoformat()
        return data


def _state_for(actor: Actor, sub: Any) -> str:
    if sub is None:
        return OPEN if allows(actor, Action.READ_DRAFT, None) else UNPUBLISHED
    if sub.state == "approved":
        return "approved"
    return sub.state if allows(actor, Action.READ_DRAFT, sub.orgunit) else UNPUBLISHED


def reporting_status(session: Session, actor: Actor, today: date, *,
                     orgunit: str | None = None,
                     forms: list[ReportForm] | None = None) -> list[FormCompliance]:
    """Per report form: the last period whose report is due by ``today``, how many units owe
    it, how many sent it (submitted or approved, as far as ``actor`` may know; approved only
    for those who may not see drafts), and each unit's state. With ``orgunit``: only the forms
    that unit reports on, with its state in the period open now."""
    require(actor, Action.READ_PUBLIC)
    out = []
    for form in forms if forms is not None else reporting.list_forms(session):
        period = form.due_period(today)
        units = form.reporting_units(on=period.end)
        if orgunit is not None and orgunit not in units:
            continue
        subs = {sub.orgunit: sub for sub in reporting.list_submissions(
            session, actor, form=form.code, period=period.id, limit=100_000).items}
        reports = []
        for unit in units:
            sub = subs.get(unit)
            state = _state_for(actor, sub)
            reports.append(UnitReport(unit, state, bool(sub and sub.late),
                                      sub.submitted_at if sub else None))
        sent = {r.orgunit for r in reports if r.state in ("submitted", "approved")}
        missing = [u for u in units if u not in sent]
        row = FormCompliance(form.code, form.name, form.name_en, period.id,
                             form.due_on(period), len(units), len(sent), missing,
                             bool(missing) and form.due_on(period) < today, reports)
        if orgunit is not None:
            current = form.open_period(today)
            mine = subs.get(orgunit) if current.id == period.id else next(iter(
                reporting.list_submissions(session, actor, form=form.code, orgunit=orgunit,
                                           period=current.id).items), None)
            row.current_period, row.current_state = current.id, _state_for(actor, mine)
            row.units = [r for r in reports if r.orgunit == orgunit]
        out.append(row)
    return out
