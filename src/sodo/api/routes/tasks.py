"""Tasks and their progress updates (with evidence)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sodo.api.routes._common import Limit, Offset, Page, page
from sodo.domain.permissions import Action, require
from sodo.http.deps import DB, CurrentActor, RequireUser
from sodo.http.downloads import download
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import catalogue, task_progress

router = APIRouter(prefix="/tasks", tags=["tasks"])
Status = Literal["not_started", "in_progress", "done"]


class ProgressBody(BaseModel):
    status: Status
    percent: float | None = Field(None, ge=0, le=100)
    note: str = Field("", max_length=5000)
    evidence_url: str = Field("", max_length=2000)
    orgunit: str | None = Field(None, max_length=32, description="Which lead unit reports.")


def _task(row: Any, latest: Any = None) -> dict[str, Any]:
    data = {**row.data, "updated_at": row.updated_at.isoformat()}
    data["progress"] = task_progress.update_dict(latest) if latest is not None else None
    return data


@router.get("", summary="Tasks, with their latest progress", response_model=Page)
def tasks(actor: CurrentActor, db: DB,
          q: str | None = Query(None, max_length=200),
          lead: str | None = Query(None, max_length=32, description="Lead agency code."),
          limit: Limit = 100, offset: Offset = 0) -> Page:
    require(actor, Action.READ_PUBLIC)
    rows, _ = catalogue.list_items(db, "task", q=q, limit=1_000_000)
    if lead:
        rows = [r for r in rows if lead in (r.data.get("lead") or [])]
    latest = task_progress.latest_updates(db)
    return page([_task(r, latest.get(r.key)) for r in rows[offset:offset + limit]], len(rows),
                limit, offset)


@router.get("/{task_id}", summary="One task", responses=problem_responses(404))
def task(task_id: str, actor: CurrentActor, db: DB) -> dict[str, Any]:
    require(actor, Action.READ_PUBLIC)
    row = task_progress.get_task(db, task_id)
    updates = task_progress.task_updates(db, actor, task_id)
    return _task(row, updates[0] if updates else None)


@router.get("/{task_id}/updates", summary="Progress history, newest first",
            responses=problem_responses(404))
def updates(task_id: str, actor: CurrentActor, db: DB) -> list[dict[str, Any]]:
    return [task_progress.update_dict(u) for u in task_progress.task_updates(db, actor, task_id)]


@router.post("/{task_id}/updates", status_code=201, summary="Report progress (JSON, link)",
             responses=problem_responses(401, 403, 404, 422))
def report(task_id: str, body: ProgressBody, actor: RequireUser, db: DB) -> dict[str, Any]:
    update = task_progress.report_progress(db, actor, task_id, body.status, body.percent,
                                           body.note, body.evidence_url, orgunit=body.orgunit)
    db.commit()
    return task_progress.update_dict(update)


@router.post("/{task_id}/updates/upload", status_code=201,
             summary="Report progress with an evidence file (multipart form)",
             responses=problem_responses(401, 403, 404, 413, 422))
async def report_with_file(task_id: str, request: Request, actor: RequireUser, db: DB,
                           status: Status = Form(...),
                           percent: float | None = Form(None, ge=0, le=100),
                           note: str = Form("", max_length=5000),
                           evidence_url: str = Form("", max_length=2000),
                           orgunit: str | None = Form(None, max_length=32),
                           evidence: UploadFile = File(...)) -> dict[str, Any]:
    data = await evidence.read(task_progress.MAX_EVIDENCE_BYTES + 1)
    if len(data) > task_progress.MAX_EVIDENCE_BYTES:
        raise ProblemError(413, f"evidence file larger than "
                           f"{task_progress.MAX_EVIDENCE_BYTES:,} bytes")
    def save() -> dict[str, Any]:  # checking the file and writing it: the thread pool
        update = task_progress.report_progress(
            db, actor, task_id, status, percent, note, evidence_url,
            task_progress.Evidence(evidence.filename or "evidence", data), orgunit=orgunit)
        db.commit()
        return task_progress.update_dict(update)

    return await run_in_threadpool(save)


@router.get("/evidence/{evidence_id}", summary="Download an evidence file",
            responses=problem_responses(401, 403, 404))
def evidence_file(evidence_id: int, actor: CurrentActor, db: DB) -> Response:
    file = task_progress.get_evidence(db, actor, evidence_id)
    return download(file.content, file.filename, file.media_type)
