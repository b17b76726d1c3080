"""The task workflow beyond progress updates: extension requests (xin gia hạn) by the lead
agency, granted or refused by the programme office (the original deadline stays in the
programme; the assessment judges against both); the responsible person named per task
(rõ người); the programme office's review of an update's evidence (accepted or sent back).
Rights are checked and every change audited here."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sodo.domain.permissions import Action, Actor, Conflict, Forbidden, NotFound, allows, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.text import nfc
from sodo.services import audit
from sodo.services.catalogue import programme_code
from sodo.services.task_progress import get_task, local_date
from sodo.stores.operational.models import TaskUpdate, utcnow
from sodo.stores.operational.task_workflow_models import TaskExtension, TaskResponsible, TaskReview

VERDICTS = ("accepted", "returned")


def _lead_unit(actor: Actor, task: Any, action: Action) -> str:
    leads: list[str] = list(task.data.get("lead") or [])
    unit = next((u for u in leads if allows(actor, action, u)), None)
    if unit is None:
        if not leads:
            raise InputError(f"task '{task.key}' has no lead agency")
        require(actor, action, leads[0])
        raise Forbidden(f"only the lead agency of task '{task.key}' may do this")
    return unit


def extension_dict(ext: TaskExtension) -> dict[str, Any]:
    return {"id": ext.id, "task": ext.task, "orgunit": ext.orgunit,
            "new_deadline": ext.new_deadline, "reason": ext.reason,
            "requested_by": ext.requested_by,
            "requested_at": ext.requested_at.isoformat() if ext.requested_at else None,
            "state": ext.state, "decided_by": ext.decided_by,
            "decided_at": ext.decided_at.isoformat() if ext.decided_at else None,
            "decision_note": ext.decision_note}


def request_extension(session: Session, actor: Actor, task_id: str, new_deadline: str,
                      reason: str) -> TaskExtension:
    """The lead agency asks for a new deadline, saying why."""
    task = get_task(session, task_id)
    unit = _lead_unit(actor, task, Action.UPDATE_TASK)
    try:
        day = date.fromisoformat(new_deadline.strip())
    except ValueError:
        raise InputError(f"'{new_deadline}' is not a date (YYYY-MM-DD)",
                         [Problem("not a date", column="new_deadline", rule="type")]) from None
    reason = nfc(reason.strip())
    if not reason:
        raise InputError("say why the extension is needed",
                         [Problem("a reason is required", column="reason", rule="required")])
    if session.scalar(select(TaskExtension.id).where(
            TaskExtension.task == task_id, TaskExtension.state == "requested")) is not None:
        raise Conflict(f"task '{task_id}' already has an extension request awaiting decision")
    ext = TaskExtension(programme=programme_code(session, task.programme_id), task=task_id,
                        orgunit=unit, new_deadline=day.isoformat(), reason=reason,
                        requested_by=actor.username)
    session.add(ext)
    session.flush()
    audit.record(session, actor, "task.extension.request", "task", task_id, None,
                 extension_dict(ext))
    return ext


def decide_extension(session: Session, actor: Actor, extension_id: int, grant: bool,
                     note: str = "") -> TaskExtension:
    """The programme office grants or refuses an extension request."""
    require(actor, Action.ADMIN)
    ext = session.get(TaskExtension, extension_id)
    if ext is None:
        raise NotFound(f"no extension request {extension_id}")
    if ext.state != "requested":
        raise Conflict(f"extension request {extension_id} is already {ext.state}")
    before = extension_dict(ext)
    ext.state = "granted" if grant else "refused"
    ext.decided_by, ext.decided_at = actor.username, utcnow()
    ext.decision_note = nfc(note.strip())
    audit.record(session, actor, f"task.extension.{ext.state}", "task", ext.task, before,
                 extension_dict(ext))
    return ext


def extensions(session: Session, actor: Actor, task_id: str) -> list[TaskExtension]:
    """A task's extension requests, newest first (public, as progress is)."""
    require(actor, Action.READ_PUBLIC)
    return list(session.scalars(select(TaskExtension).where(TaskExtension.task == task_id)
                                .order_by(TaskExtension.id.desc())))


def granted_extensions(session: Session, programme: str = "", as_of: date | None = None
                       ) -> dict[str, date]:
    """Each task's extended deadline: the latest extension granted by ``as_of``."""
    stmt = select(TaskExtension).where(TaskExtension.state == "granted")
    if programme:
        stmt = stmt.where(TaskExtension.programme.in_([programme, ""]))
    out: dict[str, date] = {}
    for ext in session.scalars(stmt.order_by(TaskExtension.decided_at, TaskExtension.id)):
        decided = local_date(ext.decided_at)
        if as_of is not None and decided is not None and decided > as_of:
            continue
        out[ext.task] = date.fromisoformat(ext.new_deadline)
    return out


def set_responsible(session: Session, actor: Actor, task_id: str, person: str,
                    username: str = "") -> TaskResponsible:
    """Name the person responsible for a task (the lead agency or the programme office)."""
    task = get_task(session, task_id)
    if not actor.is_admin:
        _lead_unit(actor, task, Action.UPDATE_TASK)
    person = nfc(person.strip())
    if not person:
        raise InputError("name the responsible person",
                         [Problem("a name is required", column="person", rule="required")])
    row = TaskResponsible(task=task_id, person=person[:500], username=username.strip(),
                          set_by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "task.responsible", "task", task_id, None,
                 {"person": row.person, "username": row.username})
    return row


def responsible(session: Session, task_id: str) -> TaskResponsible | None:
    return session.scalar(select(TaskResponsible).where(TaskResponsible.task == task_id)
                          .order_by(TaskResponsible.at.desc(), TaskResponsible.id.desc())
                          .limit(1))


def review_update(session: Session, actor: Actor, update_id: int, verdict: str,
                  note: str = "") -> TaskReview:
    """The programme office accepts an update's evidence or sends it back (with a note)."""
    require(actor, Action.ADMIN)
    update = session.get(TaskUpdate, update_id)
    if update is None:
        raise NotFound(f"no task update {update_id}")
    if verdict not in VERDICTS:
        raise InputError(f"verdict must be accepted or returned, not '{verdict}'")
    note = nfc(note.strip())
    if verdict == "returned" and not note:
        raise InputError("say why the evidence is sent back",
                         [Problem("a note is required", column="note", rule="required")])
    row = TaskReview(update_id=update_id, task=update.task, verdict=verdict, note=note,
                     by=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, f"task.evidence.{verdict}", "task", update.task, None,
                 {"update": update_id, "note": note})
    return row


def reviews(session: Session, task_id: str) -> dict[int, TaskReview]:
    """The latest review of each update of a task."""
    out: dict[int, TaskReview] = {}
    for row in session.scalars(select(TaskReview).where(TaskReview.task == task_id)
                               .order_by(TaskReview.at, TaskReview.id)):
        out[row.update_id] = row
    return out
