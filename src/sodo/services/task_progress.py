"""Task progress reported by the lead agency: status (not started, in progress, done), percent,
a note and evidence (a link, or an uploaded file — size-limited and type-checked by content,
not by name). Updates are only ever added, so the history is kept."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sodo.domain.assessment.tasks import ProgressStatus, TaskProgress
from sodo.domain.periods import VIETNAM
from sodo.domain.permissions import Action, Actor, Forbidden, NotFound, allows, require
from sodo.domain.problems import InputError, Problem
from sodo.domain.text import nfc
from sodo.services import audit
from sodo.services.catalogue import get_item, programme_code
from sodo.services.excel_forms import inspect_zip
from sodo.stores.operational.models import EvidenceFile, ProgrammeItem, TaskUpdate

STATUSES = tuple(str(s) for s in ProgressStatus)
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_TYPES = {  # extension → media type; the content must match too
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)


@dataclass
class Evidence:
    filename: str
    content: bytes


def get_task(session: Session, task_id: str) -> ProgrammeItem:
    """The task as the catalogue holds it (:class:`NotFound` if the programme has none)."""
    return get_item(session, "task", task_id)


def _check_evidence(evidence: Evidence) -> str:
    """The media type of an acceptable evidence file; :class:`InputError` otherwise."""
    name = nfc(evidence.filename or "evidence")
    data = evidence.content
    ext = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InputError(f"{name}: file too large ({len(data):,} bytes; at most "
                         f"{MAX_EVIDENCE_BYTES:,})", [Problem("file too large", name,
                                                             rule="size")])
    if not data:
        raise InputError(f"{name}: the file is empty", [Problem("empty file", name,
                                                                rule="size")])
    if ext not in EVIDENCE_TYPES:
        allowed = ", ".join(sorted(EVIDENCE_TYPES))
        raise InputError(f"{name}: file type not accepted as evidence (accepted: {allowed})",
                         [Problem("file type not accepted", name, rule="type")])
    ok = {
        ".pdf": data.startswith(b"%PDF-"),
        ".png": data.startswith(b"\x89PNG\r\n\x1a\n"),
        ".jpg": data.startswith(b"\xff\xd8\xff"),
        ".jpeg": data.startswith(b"\xff\xd8\xff"),
    }.get(ext)
    if ext in (".docx", ".xlsx"):
        inspect_zip(data, name, max_bytes=MAX_EVIDENCE_BYTES, kind=ext[1:])
        ok = True
    if not ok:
        raise InputError(f"{name}: the content is not a {ext} file",
                         [Problem("content does not match the file type", name, rule="type")])
    return EVIDENCE_TYPES[ext]


def report_progress(session: Session, actor: Actor, task_id: str, status: str,
                    percent: float | None = None, note: str = "", evidence_url: str = "",
                    evidence: Evidence | None = None, orgunit: str | None = None,
                    unblock_by: str = "", today: date | None = None) -> TaskUpdate:
    """Add a progress update for ``task_id`` by its lead agency (``orgunit``: which lead
    unit, when the task has several; by default the first the actor may report for). A
    "blocked" (vướng mắc) update names the obstacle in ``note`` and who can remove it in
    ``unblock_by``.

    ``today`` is the date the application takes as today (``AppContext.today``): when a demo
    or a test pins one earlier than the clock, the update is stamped on that day (at the
    clock's time of day), so the assessment "as of today" counts it instead of dropping it
    as made in the future."""
    task = get_task(session, task_id)
    leads: list[str] = list(task.data.get("lead") or [])
    if orgunit is None:
        orgunit = next((u for u in leads if allows(actor, Action.UPDATE_TASK, u)),
                       leads[0] if leads else None)
    if orgunit is None:
        raise InputError(f"task '{task_id}' has no lead agency to report for it")
    require(actor, Action.UPDATE_TASK, orgunit)
    if orgunit not in leads:
        raise Forbidden(f"'{orgunit}' is not a lead agency of task '{task_id}' "
                        f"(lead: {', '.join(leads) or 'none'})")
    problems: list[Problem] = []
    if status not in STATUSES:
        problems.append(Problem(f"status '{status}' is not one of {', '.join(STATUSES)}",
                                column="status", rule="allowed"))
    if percent is None:
        percent = {"not_started": 0.0, "done": 100.0}.get(status, 0.0)
    if not 0 <= percent <= 100:
        problems.append(Problem(f"percent {percent:g} must be between 0 and 100",
                                column="percent", rule="range"))
    elif status == "done" and percent != 100:
        problems.append(Problem("a done task is 100 percent", column="percent", rule="logic"))
    elif status == "not_started" and percent != 0:
        problems.append(Problem("a task not started is 0 percent", column="percent",
                                rule="logic"))
    unblock_by = nfc((unblock_by or "").strip())
    if status == "blocked" and not note.strip():
        problems.append(Problem("say what the obstacle is (vướng mắc)", column="note",
                                rule="required"))
    if status == "blocked" and not unblock_by:
        problems.append(Problem("say who can remove the obstacle", column="unblock_by",
                                rule="required"))
    evidence_url = (evidence_url or "").strip()
    if evidence_url and (not _URL.match(evidence_url) or len(evidence_url) > 2000):
        problems.append(Problem("evidence link must be an http(s) address",
                                column="evidence_url", rule="type"))
    if problems:
        raise InputError(f"invalid progress update for task '{task_id}'", problems)
    media_type = _check_evidence(evidence) if evidence is not None else None
    file_row = None
    if evidence is not None and media_type is not None:
        file_row = EvidenceFile(filename=nfc(evidence.filename)[:255], media_type=media_type,
                                size=len(evidence.content),
                                sha256=hashlib.sha256(evidence.content).hexdigest(),
                                content=evidence.content, uploaded_by=actor.username)
        session.add(file_row)
        session.flush()
    update = TaskUpdate(programme=programme_code(session, task.programme_id), task=task_id,
                        orgunit=orgunit, status=status, percent=float(percent),
                        note=nfc(note.strip()), evidence_url=evidence_url,
                        unblock_by=unblock_by if status == "blocked" else "",
                        evidence_id=file_row.id if file_row else None, actor=actor.username)
    now = datetime.now(UTC)
    if today is not None and today < now.astimezone(VIETNAM).date():
        local = now.astimezone(VIETNAM)
        update.at = datetime.combine(today, local.timetz()).astimezone(UTC)
    session.add(update)
    session.flush()
    audit.record(session, actor, "task.update", "task", task_id, None, update_dict(update))
    return update


def task_updates(session: Session, actor: Actor, task_id: str) -> list[TaskUpdate]:
    """The progress history of a task, newest first — the order of :func:`latest_updates`
    (public: progress is published)."""
    require(actor, Action.READ_PUBLIC)
    get_task(session, task_id)
    return list(session.scalars(select(TaskUpdate).where(TaskUpdate.task == task_id)
                                .options(selectinload(TaskUpdate.evidence))
                                .order_by(TaskUpdate.at.desc(), TaskUpdate.id.desc())))


def _history(session: Session, programme_code: str = "", as_of: date | None = None
             ) -> dict[str, list[TaskUpdate]]:
    """Every task's updates in the order they were made (time, then id), up to ``as_of`` (a
    Vietnam calendar day): the one ordering "latest update" means everywhere."""
    stmt = select(TaskUpdate)
    if programme_code:
        stmt = stmt.where(TaskUpdate.programme.in_([programme_code, ""]))
    history: dict[str, list[TaskUpdate]] = {}
    for row in session.scalars(stmt.order_by(TaskUpdate.task, TaskUpdate.at, TaskUpdate.id)):
        day = local_date(row.at)
        if as_of is not None and day is not None and day > as_of:
            continue
        history.setdefault(row.task, []).append(row)
    return history


def latest_updates(session: Session, programme_code: str = "") -> dict[str, TaskUpdate]:
    """The latest update of every task that has one (for boards and the task API)."""
    return {task: rows[-1] for task, rows in _history(session, programme_code).items()}


def progress_by_task(session: Session, programme_code: str = "",
                     as_of: date | None = None) -> dict[str, TaskProgress]:
    """The latest progress of each task as known at ``as_of``, for the assessment. A task's
    done date is the first update of the run of ``done`` updates it ends with (a reopened
    task is not done)."""
    progress: dict[str, TaskProgress] = {}
    for task_id, rows in _history(session, programme_code, as_of).items():
        last = rows[-1]
        done_on = None
        if str(last.status).lower() == "done":
            first_done = last
            for row in reversed(rows):
                if str(row.status).lower() != "done":
                    break
                first_done = row
            done_on = local_date(first_done.at)
        progress[task_id] = TaskProgress(
            status=str(last.status), percent=last.percent, done_on=done_on,
            updated_on=local_date(last.at), note=last.note or "",
            unblock_by=last.unblock_by or "")
    return progress


def local_date(moment: datetime | date | None) -> date | None:
    """A stored moment as a Vietnam calendar day (UTC+7 all year: an update stamped 23:30
    UTC on 31/01 was made on 01/02)."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
        return aware.astimezone(VIETNAM).date()
    return moment


def get_evidence(session: Session, actor: Actor, evidence_id: int) -> EvidenceFile:
    """An evidence file; readable by those who may read the unit's unpublished material."""
    update = session.scalar(select(TaskUpdate).where(TaskUpdate.evidence_id == evidence_id))
    if update is None or update.evidence is None \
            or not allows(actor, Action.READ_DRAFT, update.orgunit):
        # A file one may not open is answered as missing (anonymous callers too), so ids
        # cannot be probed for.
        raise NotFound(f"no evidence file {evidence_id}")
    return update.evidence


def update_dict(update: TaskUpdate) -> dict[str, Any]:
    evidence = None
    if update.evidence_id is not None and update.evidence is not None:
        evidence = {"id": update.evidence_id, "filename": update.evidence.filename,
                    "media_type": update.evidence.media_type, "size": update.evidence.size,
                    "sha256": update.evidence.sha256}
    return {"id": update.id, "programme": update.programme, "task": update.task, "orgunit": update.orgunit,
            "status": update.status, "status_label": ProgressStatus(update.status).label("vi"),
            "percent": update.percent, "note": update.note, "unblock_by": update.unblock_by,
            "evidence_url": update.evidence_url, "evidence_file": evidence,
            "actor": update.actor, "at": update.at.isoformat() if update.at else None}
