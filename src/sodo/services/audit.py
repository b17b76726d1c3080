"""The append-only audit log: every write says who, when, from where, what, before → after.

Services call :func:`record` inside the same transaction as the change, so a change and its
audit entry are committed or rolled back together. Only admins read the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection
    from sqlalchemy.orm import Session

    from sodo.domain.permissions import Actor
    from sodo.stores.operational.models import AuditEntry

# The ORM models are imported where an entry is read or added through a session: building
# every mapped class costs a fifth of a second that a command writing its one entry through
# :func:`record_on` (``sodo compute``) does not pay.


def _entry(actor: Actor, action: str, object_type: str, object_id: str, before: Any,
           after: Any) -> dict[str, Any]:
    """The columns of one audit entry (the source and object id cut to their columns' width)."""
    return {"actor": actor.username, "source": actor.source[:128], "action": action,
            "object_type": object_type, "object_id": str(object_id)[:255], "before": before,
            "after": after}


def record(session: Session, actor: Actor, action: str, object_type: str, object_id: str = "",
           before: Any = None, after: Any = None) -> AuditEntry:
    """Add one audit entry for a change made by ``actor`` (not committed here)."""
    from sodo.stores.operational.models import AuditEntry

    entry = AuditEntry(**_entry(actor, action, object_type, object_id, before, after))
    session.add(entry)
    return entry


def record_on(conn: Connection, actor: Actor, action: str, object_type: str,
              object_id: str = "", before: Any = None, after: Any = None) -> None:
    """:func:`record` on a Core connection, in its transaction: the same entry, without the
    ORM."""
    from sodo.stores.operational.audit_log import insert_entry

    insert_entry(conn, **_entry(actor, action, object_type, object_id, before, after))


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    total: int


def query(session: Session, actor: Actor, *, user: str | None = None,
          object_type: str | None = None, object_id: str | None = None,
          action: str | None = None, since: datetime | None = None,
          until: datetime | None = None, limit: int = 100, offset: int = 0) -> AuditPage:
    """Audit entries, newest first, filtered by user, object and time. Admins only."""
    from sqlalchemy import func, select

    from sodo.domain.permissions import Action, require
    from sodo.stores.operational.models import AuditEntry

    require(actor, Action.READ_AUDIT)
    stmt = select(AuditEntry)
    if user:
        stmt = stmt.where(AuditEntry.actor == user)
    if object_type:
        stmt = stmt.where(AuditEntry.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEntry.object_id == object_id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if since:
        stmt = stmt.where(AuditEntry.at >= since)
    if until:
        stmt = stmt.where(AuditEntry.at <= until)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
    return AuditPage(list(rows), total)


def entry_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"id": entry.id, "at": entry.at.isoformat(), "actor": entry.actor,
            "source": entry.source, "action": entry.action, "object_type": entry.object_type,
            "object_id": entry.object_id, "before": entry.before, "after": entry.after}
