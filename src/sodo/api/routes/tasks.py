"""Tasks and their progress updates (with evidence)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from sodo.api.routes._common import Limit, Offset, Page, page, read_upload_file
from sodo.domain.permissions import Action, require
from sodo.http.deps import DB, Ctx, CurrentActor, RequireUser, RowId
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
def report(task_id: str, body: ProgressBody, actor: RequireUser, db: DB,
           ctx: Ctx) -> dict[str, Any]:
    # stamped on the application's today (a demo's pinned day), as the web form does
    update = task_progress.report_progress(db, actor, task_id, body.status, body.percent,
                                           body.note, body.evidence_url, orgunit=body.orgunit,
                                           today=ctx.today())
    db.commit()
    return task_progress.update_dict(update)


EVIDENCE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["status", "evidence"],
               "properties": {"status": {"type": "string", "enum": list(Status.__args__)},
                              "percent": {"type": "number"}, "note": {"type": "string"},
                              "evidence_url": {"type": "string"},
                              "orgunit": {"type": "string"},
                              "evidence": {"type": "string", "format": "binary"}}}}}}}


@router.post("/{task_id}/updates/upload", status_code=201,
             summary="Report progress with an evidence file (multipart form)",
             openapi_extra=EVIDENCE_BODY,
             responses=problem_responses(401, 403, 404, 413, 415, 422))
async def report_with_file(task_id: str, request: Request, actor: RequireUser,
                           db: DB, ctx: Ctx) -> dict[str, Any]:
    # The body is read only now, after the credentials were checked (not a route parameter).
    require(actor, Action.UPDATE_TASK, actor.orgunit)
    data, filename = await read_upload_file(request, "evidence",
                                            task_progress.MAX_EVIDENCE_BYTES)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str) and k != "evidence"}
    try:
        body = ProgressBody.model_validate({k: v for k, v in fields.items()
                                            if k in ProgressBody.model_fields and
                                            (v != "" or k in ("note", "evidence_url"))})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "body"
        raise ProblemError(422, f"{where}: {first.get('msg', 'invalid')}") from None

    def save() -> dict[str, Any]:  # checking the file and writing it: the thread pool
        update = task_progress.report_progress(
            db, actor, task_id, body.status, body.percent, body.note, body.evidence_url,
            task_progress.Evidence(filename or "evidence", data), orgunit=body.orgunit,
            today=ctx.today())
        db.commit()
        return task_progress.update_dict(update)

    return await run_in_threadpool(save)


@router.get("/evidence/{evidence_id}", summary="Download an evidence file",
            responses=problem_responses(401, 403, 404))
def evidence_file(evidence_id: RowId, actor: CurrentActor, db: DB) -> Response:
    file = task_progress.get_evidence(db, actor, evidence_id)
    return download(file.content, file.filename, file.media_type)
