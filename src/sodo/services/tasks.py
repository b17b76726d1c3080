"""Tasks as flat rows for listings and exports (CLI, API, CSV)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sodo.domain.orgunits import Hierarchy, agency_hierarchy, default_hierarchy
from sodo.domain.programme import Programme, Task

if TYPE_CHECKING:
    from sodo.services.settings import Settings


def task_row(task: Task, hierarchy: Hierarchy | None = None) -> dict[str, Any]:
    """One task with stable snake_case keys; ``deadline`` is an ISO date or None."""
    hierarchy = hierarchy or default_hierarchy()
    due = task.due

    def names(codes: list[str]) -> list[str]:
        return [hierarchy.get(c).display_name if c in hierarchy else c for c in codes]

    return {
        "id": task.id,
        "title": task.title,
        "work": task.work,
        "lead": list(task.lead),
        "lead_names": names(task.lead),
        "lead_note": task.lead_note,
        "partners": list(task.partners),
        "partner_names": names(task.partners) + list(task.partners_other),
        "responsible": task.responsible,
        "deadline": due.due.isoformat() if due.due else None,
        "deadline_text": task.deadline or "",
        "deadline_note": task.deadline_note,
        "recurring": due.recurring,
        "authority": task.authority,
        "deliverable": task.deliverable,
        "group": task.group,
        "source": task.source.document if task.source else None,
        "source_passage": task.source.passage if task.source else "",
    }


def task_rows(programme: Programme | Sequence[Task], lead: str | None = None,
              hierarchy: Hierarchy | None = None) -> list[dict[str, Any]]:
    """The programme's tasks (or these tasks) as rows; ``lead``: only those it leads."""
    tasks = list(programme.tasks if isinstance(programme, Programme) else programme)
    hierarchy = hierarchy or _naming_hierarchy(tasks, lead)
    if lead:
        code = hierarchy.resolve(lead).code
        tasks = [t for t in tasks if code in t.lead]
    return [task_row(t, hierarchy) for t in tasks]


def synced_tasks(settings: Settings) -> list[Task] | None:
    """The tasks of the workspace's synced programme read without SQLAlchemy (a SQLite store:
    the standard library reads it), for a listing that must start fast; None where that is not
    possible (PostgreSQL, nothing synced yet): then read the programme as every command does."""
    from sodo.stores.operational.synced_items import synced_items

    items = synced_items(settings.database_url, "task")
    return None if items is None else [Task.model_validate(data) for data in items]


def _naming_hierarchy(tasks: Sequence[Task], lead: str | None) -> Hierarchy:
    """The units that name the tasks' leads and partners: the agencies (nation, provinces,
    ministries: whom a directive assigns work to), built without the 3,321 communes that are
    most of the shipped hierarchy's cost. The whole hierarchy when a task names a unit outside
    them, or when ``lead`` is anything but an agency's code (a name is resolved among every
    unit, as everywhere else)."""
    agencies = agency_hierarchy()
    codes = {c for t in tasks for c in (*t.lead, *t.partners)}
    by_code = not lead or lead.strip() in agencies or lead.strip().upper() in agencies
    if by_code and all(c in agencies for c in codes):
        return agencies
    return default_hierarchy()
