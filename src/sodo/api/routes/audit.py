"""The audit log (admins only), filterable by user, object, action and time."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query

from sodo.api.routes._common import Limit, Offset, Page, page
from sodo.http.deps import DB, RequireUser
from sodo.http.problems import problem_responses
from sodo.services import audit

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", summary="Audit entries, newest first", response_model=Page,
            responses=problem_responses(401, 403, 422))
def audit_log(actor: RequireUser, db: DB,
              user: str | None = Query(None, max_length=64),
              object_type: str | None = Query(None, max_length=32),
              object_id: str | None = Query(None, max_length=255),
              action: str | None = Query(None, max_length=64),
              since: datetime | None = None, until: datetime | None = None,
              limit: Limit = 100, offset: Offset = 0) -> Page:
    result = audit.query(db, actor, user=user, object_type=object_type, object_id=object_id,
                         action=action, since=since, until=until, limit=limit, offset=offset)
    return page([audit.entry_dict(e) for e in result.entries], result.total, limit, offset)
