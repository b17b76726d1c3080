"""Is each task on time? Pure computation over a task, its latest progress and an as-of date,
and the per-lead-agency accountability table the "6 rõ" principle asks for.

Rules (the as-of date is a day; a deadline is the last day of the period named):

* done on or before the deadline → **done on time** (the deadline day itself is on time);
  done after it → **done late**; done and no deadline → done on time;
* not done, recurring ("Thường xuyên") → **recurring**; no deadline → **no deadline**;
* not done, as-of date after the deadline → **overdue** (with the days overdue);
* not done, deadline within ``due_soon_days`` of the as-of date (deadline day included)
  → **due soon**; otherwise → **in progress**.

A completion dated after the as-of date did not happen yet at the as-of date.

An extension granted (gia hạn) keeps the original deadline: a task done after the original
deadline is **done late** against it, and the assessment adds whether it was on time against
the extension (``extension_verdict``); a task not done is judged against the extended date
(it is not overdue while the extension runs). A task whose latest progress is "vướng mắc"
(blocked) keeps its timeliness status and is flagged ``blocked`` with the obstacle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from sodo.domain.assessment.config import DEFAULT_CONFIG, AssessmentConfig
from sodo.domain.programme import Task


class TaskStatus(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    IN_PROGRESS = "in_progress"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    RECURRING = "recurring"
    NO_DEADLINE = "no_deadline"

    def label(self, lang: str = "vi") -> str:
        return _TASK_LABELS[self][0 if lang == "vi" else 1]


_TASK_LABELS = {
    TaskStatus.DONE_ON_TIME: ("Hoàn thành đúng hạn", "Done on time"),
    TaskStatus.DONE_LATE: ("Hoàn thành quá hạn", "Done late"),
    TaskStatus.IN_PROGRESS: ("Đang thực hiện", "In progress"),
    TaskStatus.DUE_SOON: ("Sắp đến hạn", "Due soon"),
    TaskStatus.OVERDUE: ("Quá hạn", "Overdue"),
    TaskStatus.RECURRING: ("Thường xuyên", "Recurring"),
    TaskStatus.NO_DEADLINE: ("Không có thời hạn", "No deadline"),
}

# Order a list of tasks is read in: what needs action first.
TASK_SEVERITY = {
    TaskStatus.OVERDUE: 0,
    TaskStatus.DUE_SOON: 1,
    TaskStatus.IN_PROGRESS: 2,
    TaskStatus.DONE_LATE: 3,
    TaskStatus.NO_DEADLINE: 4,
    TaskStatus.RECURRING: 5,
    TaskStatus.DONE_ON_TIME: 6,
}

class ProgressStatus(StrEnum):
    """What the lead agency reports of a task's progress."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    DONE = "done"

    def label(self, lang: str = "vi") -> str:
        return _PROGRESS_LABELS[self][0 if lang == "vi" else 1]


_PROGRESS_LABELS = {
    ProgressStatus.NOT_STARTED: ("Chưa thực hiện", "Not started"),
    ProgressStatus.IN_PROGRESS: ("Đang thực hiện", "In progress"),
    ProgressStatus.BLOCKED: ("Vướng mắc", "Blocked"),
    ProgressStatus.DONE: ("Đã hoàn thành", "Done"),
}
#: Task statuses in the order a list is read: what needs action first.
TASK_STATUS_ORDER = tuple(sorted(TaskStatus, key=lambda s: TASK_SEVERITY[s]))

DONE_WORDS = {"done", "completed", "complete", "hoan_thanh", "hoàn thành", "finished"}


@dataclass(frozen=True)
class TaskProgress:
    """The latest progress update of a task, as much of it as the assessment needs."""

    status: str = "in_progress"  # not_started | in_progress | done (free words tolerated)
    percent: float | None = None
    done_on: date | None = None
    updated_on: date | None = None
    note: str = ""
    unblock_by: str = ""  # for "blocked": who can remove the obstacle

    @property
    def is_blocked(self) -> bool:
        return self.status.strip().lower() == ProgressStatus.BLOCKED

    @property
    def is_done(self) -> bool:
        return (self.status.strip().lower() in DONE_WORDS
                or (self.percent is not None and self.percent >= 100))


@dataclass
class TaskAssessment:
    task_id: str
    title: str
    lead: list[str]
    deadline: str
    due: date | None
    status: TaskStatus
    days_to_due: int | None = None  # negative: days overdue
    done_on: date | None = None
    percent: float | None = None
    notes: list[str] = field(default_factory=list)
    blocked: bool = False
    obstacle: str = ""
    unblock_by: str = ""
    extended_due: date | None = None  # an extension granted; ``due`` stays the original
    extension_verdict: str | None = None  # done: "on_time" | "late" against the extension

    def to_dict(self, lang: str = "vi") -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "title": self.title,
            "lead": list(self.lead),
            "deadline": self.deadline,
            "due": self.due.isoformat() if self.due else None,
            "status": str(self.status),
            "status_label": self.status.label(lang),
            "days_to_due": self.days_to_due,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "percent": self.percent,
            "notes": list(self.notes),
            "blocked": self.blocked,
            "obstacle": self.obstacle,
            "unblock_by": self.unblock_by,
            "extended_due": self.extended_due.isoformat() if self.extended_due else None,
            "extension_verdict": self.extension_verdict,
        }


def assess_task(task: Task, progress: TaskProgress | None, as_of: date,
                config: AssessmentConfig = DEFAULT_CONFIG,
                extension: date | None = None) -> TaskAssessment:
    """The status of one task at ``as_of`` (see the module doc for the rules); ``extension``:
    the deadline of an extension granted by then."""
    due = task.due
    result = TaskAssessment(task_id=task.id, title=task.title, lead=lead_of(task),
                            deadline=due.text, due=due.due, status=TaskStatus.IN_PROGRESS,
                            percent=progress.percent if progress else None,
                            extended_due=extension)
    if progress is not None and progress.is_blocked:
        result.blocked, result.obstacle = True, progress.note
        result.unblock_by = progress.unblock_by
    done_on = None
    if progress is not None and progress.is_done:
        done_on = progress.done_on or progress.updated_on
        if done_on is None:
            result.notes.append("marked done without a date; counted as done by the as-of date")
            done_on = as_of
        elif done_on > as_of:
            result.notes.append(f"completion dated {done_on.isoformat()} is after the as-of "
                                "date; not counted yet")
            done_on = None
    effective = extension or due.due
    if effective is not None:
        result.days_to_due = (effective - as_of).days

    if done_on is not None:
        result.done_on = done_on
        if due.due is not None and done_on > due.due:
            result.status = TaskStatus.DONE_LATE
            result.notes.append(f"{(done_on - due.due).days} day(s) late")
        else:
            result.status = TaskStatus.DONE_ON_TIME
        if extension is not None:
            result.extension_verdict = "on_time" if done_on <= extension else "late"
            result.notes.append(f"{'on time' if done_on <= extension else 'late'} against the "
                                f"extension to {extension.isoformat()}")
        return result
    if due.recurring:
        result.status = TaskStatus.RECURRING
    elif due.due is None:
        result.status = TaskStatus.NO_DEADLINE
        if task.deadline_note:
            result.notes.append(task.deadline_note)
    elif effective is not None and as_of > effective:
        result.status = TaskStatus.OVERDUE
    elif effective is not None and (effective - as_of).days <= config.due_soon_days:
        result.status = TaskStatus.DUE_SOON
    else:
        result.status = TaskStatus.IN_PROGRESS
    if extension is not None and due.due is not None and as_of > due.due \
            and result.status is not TaskStatus.OVERDUE:
        result.notes.append(f"original deadline {due.due.isoformat()} passed; extension "
                            f"granted to {extension.isoformat()}")
    return result


def lead_of(task: Task) -> list[str]:
    """The lead agencies of a task: their codes, else the lead as the source names it."""
    if task.lead:
        return list(task.lead)
    return [task.lead_note] if task.lead_note else ["(chưa rõ)"]


def assess_tasks_pure(tasks: Iterable[Task], progress: Mapping[str, TaskProgress], as_of: date,
                      config: AssessmentConfig = DEFAULT_CONFIG,
                      extensions: Mapping[str, date] | None = None) -> list[TaskAssessment]:
    extensions = extensions or {}
    return [assess_task(task, progress.get(task.id), as_of, config, extensions.get(task.id))
            for task in tasks]


ACCOUNTABILITY_COLUMNS = ("led", "done_on_time", "done_late", "overdue", "in_progress",
                          "due_soon", "recurring", "no_deadline", "blocked", "extended")


def accountability(assessments: Iterable[TaskAssessment]) -> dict[str, dict[str, int]]:
    """Per lead agency: tasks led and how many are in each status. A task with two leads
    counts for each of them (each is answerable for it)."""
    table: dict[str, dict[str, int]] = {}
    for item in assessments:
        for lead in item.lead:
            row = table.setdefault(lead, dict.fromkeys(ACCOUNTABILITY_COLUMNS, 0))
            row["led"] += 1
            row[str(item.status)] += 1
            row["blocked"] += item.blocked
            row["extended"] += item.extended_due is not None
    return dict(sorted(table.items(), key=lambda kv: (-kv[1]["overdue"], -kv[1]["led"], kv[0])))


def sort_tasks_worst_first(items: Iterable[TaskAssessment]) -> list[TaskAssessment]:
    """Overdue first (most days overdue first), then due soon (nearest first), and so on."""
    return sorted(items, key=lambda a: (TASK_SEVERITY[a.status],
                                        a.days_to_due if a.days_to_due is not None else 0,
                                        a.task_id))
