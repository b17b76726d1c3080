"""The audit log's insert without the ORM: what a command that writes one entry and nothing
else through the ORM (``sodo compute``) uses, so that it need not build every mapped class of
the store (a fifth of a second). The same table, columns and types as
:class:`~sodo.stores.operational.models.AuditEntry`, which the tests compare."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, column, table
from sqlalchemy.engine import Connection

from sodo.stores.operational.types import JSONText, UTCDateTime, utcnow

AUDIT_LOG = table(
    "audit_log",
    column("at", UTCDateTime()), column("actor", String()), column("source", String()),
    column("action", String()), column("object_type", String()), column("object_id", String()),
    column("before", JSONText()), column("after", JSONText()),
)


def insert_entry(conn: Connection, *, actor: str, source: str, action: str, object_type: str,
                 object_id: str, before: Any, after: Any) -> None:
    """Insert one audit entry in the caller's transaction (``at``: now, as the model's
    default)."""
    conn.execute(AUDIT_LOG.insert().values(
        at=utcnow(), actor=actor, source=source, action=action, object_type=object_type,
        object_id=object_id, before=before, after=after))
