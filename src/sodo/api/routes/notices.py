"""The signed-in user's notices (the inbox), marking them read, and the log of every notice
with its e-mail state (admins) — the same view-models as the pages."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from sodo.http.deps import DB, RequireUser
from sodo.http.problems import problem_responses
from sodo.services import follow_up

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("", summary="My notices, newest first", responses=problem_responses(401))
def my_notices(actor: RequireUser, db: DB, unread: bool = False,
               limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    items = follow_up.inbox(db, actor, unread_only=unread, limit=limit)
    return {"unread": follow_up.unread_count(db, actor),
            "items": [follow_up.notice_dict(n) for n in items]}


@router.post("/{notice_id}/read", summary="Mark one of my notices read",
             responses=problem_responses(401, 404))
def read_one(notice_id: int, actor: RequireUser, db: DB) -> dict[str, Any]:
    changed = follow_up.mark_read(db, actor, notice_id)
    db.commit()
    return {"changed": changed, "unread": follow_up.unread_count(db, actor)}


@router.get("/log", summary="Every notice with its e-mail state (admins)",
            responses=problem_responses(401, 403))
def log(actor: RequireUser, db: DB, state: str | None = Query(None, max_length=16),
        limit: int = Query(200, ge=1, le=5000)) -> dict[str, Any]:
    items = follow_up.sent_log(db, actor, state=state, limit=limit)
    return {"counts": follow_up.mail_counts(db, actor),
            "items": [follow_up.notice_dict(n) for n in items]}
