"""Agency reporting: report forms declared in the programme, and submissions of values that go
draft → submitted → approved (or returned with a comment → draft again).

Approved values are locked and written to ``indicator_value`` (origin ``reported``, state
``approved``), where the API, the pages and the assessment read them. Correcting an approved
report makes a new version; every version is kept. A submission after the form's due date is
marked late. Every change is checked by :func:`sodo.services.permissions.require` and written to
the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, selectinload

from sodo.domain.forms import (
    EDITABLE,
    STATES,
    ReportForm,
    ValueInput,
    check_values,
)
from sodo.domain.orgunits import NATION_CODE, default_hierarchy
from sodo.domain.periods import Period, PeriodError, vietnam_today
from sodo.domain.permissions import Action, Actor, Conflict, Forbidden, NotFound, allows, require
from sodo.domain.problems import InputError
from sodo.domain.text import nfc
from sodo.services import audit, catalogue
from sodo.stores.operational import values as values_repo
from sodo.stores.operational.models import (
    ProgrammeItem,
    Submission,
    SubmissionValue,
    utcnow,
)

# -- forms, from the catalogue -------------------------------------------------------------

def list_forms(session: Session) -> list[ReportForm]:
    """The report forms of the synced programme."""
    rows, _ = catalogue.list_items(session, "form", limit=10_000)
    return [ReportForm.model_validate(r.data) for r in rows]


def _form_row(session: Session, code: str) -> tuple[ProgrammeItem, str]:
    try:
        item = catalogue.get_item(session, "form", code)
    except NotFound:
        raise NotFound(f"no report form '{code}'") from None
    return item, catalogue.programme_code(session, item.programme_id)


def get_form(session: Session, code: str) -> ReportForm:
    """The report form ``code`` as synced into the store (the newest sync wins)."""
    return ReportForm.model_validate(_form_row(session, code)[0].data)


# -- submissions --------------------------------------------------------------------------

def _snapshot(sub: Submission) -> dict[str, Any]:
    return {"form": sub.form, "orgunit": sub.orgunit, "period": sub.period,
            "version": sub.version, "state": sub.state, "late": sub.late,
            "comment": sub.comment,
            "values": [{"indicator": v.indicator, "category": v.category, "value": v.value,
                        "numerator": v.numerator, "denominator": v.denominator}
                       for v in sub.values]}


def _current(session: Session, form: str, orgunit: str, period: str) -> Submission | None:
    return session.scalar(select(Submission).where(
        Submission.form == form, Submission.orgunit == orgunit, Submission.period == period)
        .order_by(Submission.version.desc()).limit(1))


def save_draft(session: Session, actor: Actor, form_code: str, orgunit: str, period: str,
               values: list[ValueInput], *, channel: str = "web", today: date | None = None,
               replace: bool = True, file: str = "") -> Submission:
    """Fill in (or change) the draft of ``orgunit``'s report on ``form_code`` for ``period``.

    A returned report becomes a draft again; an approved one gets a new version (a correction).
    All values are checked first; on any problem nothing is saved (:class:`InputError`)."""
    require(actor, Action.REPORT, orgunit)
    row, programme = _form_row(session, form_code)
    form = ReportForm.model_validate(row.data)
    per = form.check_period(period)
    today = today or vietnam_today()
    if orgunit not in form.reporting_units(on=per.end) and orgunit not in \
            form.reporting_units():
        raise InputError(f"org unit '{orgunit}' does not report on form '{form.code}'")
    if today < form.opens_on(per):
        raise Conflict(f"form '{form.code}' opens for {per.id} on "
                       f"{form.opens_on(per).isoformat()}")
    problems = check_values(form, values, file=file)
    if problems:
        raise InputError(f"{len(problems)} invalid value(s) for form '{form.code}'", problems)
    sub = _current(session, form.code, orgunit, per.id)
    before = _snapshot(sub) if sub else None
    if sub is not None and sub.state == "submitted":
        raise Conflict(f"the report is submitted (version {sub.version}) and awaits approval; "
                       "it can be changed once returned")
    if sub is None or sub.state == "approved":
        if sub is not None:
            sub.current = False
        sub = Submission(programme=programme, form=form.code, orgunit=orgunit, period=per.id,
                         version=(sub.version + 1) if sub else 1, state="draft",
                         channel=channel, created_by=actor.username)
        session.add(sub)
        replace = True
    existing = {(v.indicator, v.category): v for v in sub.values}
    if replace:
        sub.values.clear()
        session.flush()
        existing = {}
    for v in values:
        row = existing.get((v.indicator, v.category))
        if row is None:
            sub.values.append(SubmissionValue(indicator=v.indicator, category=v.category,
                                              value=v.value, numerator=v.numerator,
                                              denominator=v.denominator, note=v.note))
        else:
            row.value, row.numerator, row.denominator, row.note = (
                v.value, v.numerator, v.denominator, v.note)
    sub.state = "draft"
    sub.channel = channel
    sub.updated_at = utcnow()
    session.flush()
    audit.record(session, actor, "submission.save", "submission",
                 f"{sub.form}/{sub.orgunit}/{sub.period}/v{sub.version}", before,
                 _snapshot(sub))
    return sub


def _load(session: Session, submission_id: int, actor: Actor | None = None) -> Submission:
    """The submission; with ``actor``, one they may see (else :class:`NotFound`, the same
    answer as for an id that does not exist, so drafts cannot be found by guessing)."""
    sub = session.get(Submission, submission_id,
                      options=[selectinload(Submission.values)])
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    if actor is not None and sub.state != "approved" \
            and not allows(actor, Action.READ_DRAFT, sub.orgunit):
        # The anonymous public too: 404, as for a missing id (a 401 would confirm it exists).
        raise NotFound(f"no submission {submission_id}")
    return sub


def get_submission(session: Session, actor: Actor, submission_id: int) -> Submission:
    """A submission the actor may read: approved ones are public, others need read-draft
    rights on the unit. An unreadable draft is reported as not found, so its existence does
    not leak."""
    require(actor, Action.READ_PUBLIC)
    return _load(session, submission_id, actor)


def submit(session: Session, actor: Actor, submission_id: int,
           today: date | None = None) -> Submission:
    """Send a draft for approval; it must be complete. After the due date it is marked late."""
    sub = _load(session, submission_id, actor)
    require(actor, Action.REPORT, sub.orgunit)
    if sub.state not in EDITABLE:
        raise Conflict(f"submission {sub.id} is {sub.state}; only a draft can be submitted")
    form = get_form(session, sub.form)
    values = [ValueInput(v.indicator, v.value, v.numerator, v.denominator, v.category)
              for v in sub.values]
    problems = check_values(form, values, complete=True)
    if problems:
        raise InputError("the report is incomplete or invalid", problems)
    before = _snapshot(sub)
    today = today or vietnam_today()
    sub.state = "submitted"
    sub.late = today > form.due_on(Period.parse(sub.period))
    sub.submitted_by, sub.submitted_at = actor.username, utcnow()
    sub.updated_at = utcnow()
    audit.record(session, actor, "submission.submit", "submission", _ident(sub), before,
                 _snapshot(sub))
    return sub


def _ident(sub: Submission) -> str:
    return f"{sub.form}/{sub.orgunit}/{sub.period}/v{sub.version}"


def approve(session: Session, actor: Actor, submission_id: int) -> Submission:
    """Approve a submitted report: its values are locked and published to ``indicator_value``.
    Whoever submitted a report cannot approve it."""
    sub = _load(session, submission_id, actor)
    require(actor, Action.APPROVE, sub.orgunit)
    if sub.state != "submitted":
        raise Conflict(f"submission {sub.id} is {sub.state}; only a submitted report can be "
                       "approved")
    if actor.username in (sub.submitted_by, sub.created_by) and not actor.is_admin:
        raise Forbidden("a report cannot be approved by the person who submitted it")
    before = _snapshot(sub)
    sub.state = "approved"
    sub.decided_by, sub.decided_at = actor.username, utcnow()
    sub.updated_at = utcnow()
    for old in session.scalars(select(Submission).where(
            Submission.form == sub.form, Submission.orgunit == sub.orgunit,
            Submission.period == sub.period, Submission.id != sub.id)):
        old.current = False
    sub.current = True
    _publish(session, sub)
    audit.record(session, actor, "submission.approve", "submission", _ident(sub), before,
                 _snapshot(sub))
    return sub


def return_submission(session: Session, actor: Actor, submission_id: int,
                      comment: str) -> Submission:
    """Send a submitted report back to its unit with a comment saying what to fix."""
    sub = _load(session, submission_id, actor)
    require(actor, Action.APPROVE, sub.orgunit)
    if sub.state != "submitted":
        raise Conflict(f"submission {sub.id} is {sub.state}; only a submitted report can be "
                       "returned")
    comment = nfc(comment.strip())
    if not comment:
        raise InputError("say why the report is returned (a comment is required)")
    before = _snapshot(sub)
    sub.state, sub.comment = "returned", comment
    sub.decided_by, sub.decided_at = actor.username, utcnow()
    sub.updated_at = utcnow()
    audit.record(session, actor, "submission.return", "submission", _ident(sub), before,
                 _snapshot(sub))
    return sub


def _publish(session: Session, sub: Submission) -> None:
    """The approved report's values become the unit's reported figures (values repository)."""
    values_repo.publish_reported(
        session, sub.orgunit, sub.period,
        [{"indicator": v.indicator, "category": v.category, "value": v.value,
          "numerator": v.numerator, "denominator": v.denominator, "note": v.note}
         for v in sub.values],
        source=f"form {sub.form} v{sub.version} approved by {sub.decided_by}")


def _visible(stmt: Any, actor: Actor) -> Any:
    """Restrict a submission query to what the actor may read."""
    if actor.is_admin or (actor.is_authenticated and actor.orgunit == NATION_CODE
                          and allows(actor, Action.READ_DRAFT, NATION_CODE)):
        return stmt
    if not actor.is_authenticated or not allows(actor, Action.READ_DRAFT, actor.orgunit):
        return stmt.where(Submission.state == "approved")
    subtree = [actor.orgunit, *(u.code for u in default_hierarchy().descendants(actor.orgunit))]
    return stmt.where(or_(Submission.state == "approved", Submission.orgunit.in_(subtree)))


@dataclass
class SubmissionPage:
    items: list[Submission]
    total: int


def list_submissions(session: Session, actor: Actor, *, form: str | None = None,
                     orgunit: str | None = None, period: str | None = None,
                     state: str | None = None, current_only: bool = True, limit: int = 100,
                     offset: int = 0) -> SubmissionPage:
    require(actor, Action.READ_PUBLIC)
    stmt = select(Submission)
    if form:
        stmt = stmt.where(Submission.form == form)
    if orgunit:
        stmt = stmt.where(Submission.orgunit == orgunit)
    if period:
        stmt = stmt.where(Submission.period == Period.parse(period).id)
    if state:
        if state not in STATES:
            raise InputError(f"unknown state '{state}' ({', '.join(STATES)})")
        stmt = stmt.where(Submission.state == state)
    if current_only:
        stmt = stmt.where(Submission.current.is_(True))
    stmt = _visible(stmt, actor)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    items = session.scalars(stmt.options(selectinload(Submission.values))
                            .order_by(Submission.id).limit(limit).offset(offset))
    return SubmissionPage(list(items), total)


def history(session: Session, actor: Actor, form: str, orgunit: str,
            period: str) -> list[Submission]:
    """Every version of a unit's report for a period, oldest first."""
    stmt = _visible(select(Submission).where(
        Submission.form == form, Submission.orgunit == orgunit,
        Submission.period == Period.parse(period).id), actor)
    return list(session.scalars(stmt.options(selectinload(Submission.values))
                                .order_by(Submission.version)))


def submission_dict(sub: Submission) -> dict[str, Any]:
    return {"id": sub.id, "programme": sub.programme, "form": sub.form, "orgunit": sub.orgunit,
            "period": sub.period,
            "version": sub.version, "current": sub.current, "state": sub.state,
            "late": sub.late, "channel": sub.channel, "comment": sub.comment,
            "created_by": sub.created_by, "created_at": sub.created_at.isoformat(),
            "submitted_by": sub.submitted_by,
            "submitted_at": sub.submitted_at.isoformat() if sub.submitted_at else None,
            "decided_by": sub.decided_by,
            "decided_at": sub.decided_at.isoformat() if sub.decided_at else None,
            "values": [{"indicator": v.indicator, "category": v.category, "value": v.value,
                        "numerator": v.numerator, "denominator": v.denominator,
                        "note": v.note} for v in sub.values]}


def form_dict(form: ReportForm, period: str | None = None) -> dict[str, Any]:
    data = form.model_dump()
    if period:
        try:
            per = form.check_period(period)
        except (InputError, PeriodError):
            return data
        start, end = form.window(per)
        data.update(period=per.id, window=[start.isoformat(), end.isoformat()],
                    opens_on=form.opens_on(per).isoformat(), due_on=form.due_on(per).isoformat())
    return data
