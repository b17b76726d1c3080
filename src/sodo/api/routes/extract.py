"""From directive to tasks: propose the tasks of a text or a file; accept the reviewed ones
into the programme (a separate call). Admins (the programme office) only."""

from __future__ import annotations

from datetime import date as Date
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from sodo.http.deps import DB, Ctx, CurrentActor
from sodo.http.problems import ProblemError, problem_responses
from sodo.services import extract as extract_service
from sodo.services.extract.readers import MAX_BYTES
from sodo.services.programme import default_programme_path

router = APIRouter(prefix="/extract", tags=["extract"])


class ExtractBody(BaseModel):
    text: str = Field(..., max_length=5_000_000, description="The directive's text.")
    source: str | None = Field(None, max_length=120, description='e.g. "4/TB-VPCP"')
    date: Date | None = Field(None, description="The document's date (units in force then).")


class AcceptBody(BaseModel):
    tasks: list[dict[str, Any]] = Field(..., min_length=1, max_length=2000, description=(
        "Proposals as returned by POST /extract, edited: lead and partners as org-unit "
        "codes, deadline_text as words ('trong Quý I/2026'), a date or a period id."))
    rejected: int = Field(0, ge=0, le=100_000, description="How many were rejected.")


def _result(extraction: Any) -> dict[str, Any]:
    data = extraction.to_dict()
    data["count"] = len(extraction.proposals)
    return data


@router.post("", summary="Propose the tasks of a directive (JSON text, or a multipart file)",
             responses=problem_responses(401, 403, 413, 415, 422))
async def extract(request: Request, actor: CurrentActor, ctx: Ctx, db: DB) -> dict[str, Any]:
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = await request.form()
        upload = form.get("file")
        source = form.get("source") or None
        day = form.get("date") or None
        if upload is None or isinstance(upload, str):
            text_field = form.get("text")
            if not isinstance(text_field, str) or not text_field.strip():
                raise ProblemError(422, "send a file (field 'file') or a text (field 'text')")
            data, name = text_field.encode("utf-8"), "text.txt"
        else:
            data = await upload.read(MAX_BYTES + 1)
            name = upload.filename or "upload"
        if len(data) > MAX_BYTES:
            raise ProblemError(413, f"the file is larger than {MAX_BYTES:,} bytes")
        try:
            issued = Date.fromisoformat(str(day)) if day else None
        except ValueError:
            raise ProblemError(422, f"date: '{day}' is not a date (YYYY-MM-DD)") from None
        kwargs = {"data": data, "name": name, "source": str(source) if source else None,
                  "issued": issued}
    elif content_type.startswith("application/json") or not content_type:
        try:
            body = ExtractBody.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ())) or "body"
            raise ProblemError(422, f"{where}: {first.get('msg', 'invalid')}") from None
        kwargs = {"text": body.text, "name": "text", "source": body.source,
                  "issued": body.date}
    else:
        raise ProblemError(415, "send application/json {text, source, date} or "
                                "multipart/form-data with a file")

    def work() -> dict[str, Any]:
        extraction = extract_service.propose(actor, today=ctx.today(), **kwargs)
        extract_service.record_proposals(db, actor, extraction, str(kwargs["name"]))
        db.commit()
        return _result(extraction)

    return await run_in_threadpool(work)


@router.post("/accept", status_code=201,
             summary="Add reviewed proposals to the programme (its YAML file and the store)",
             responses=problem_responses(401, 403, 422))
def accept(body: AcceptBody, actor: CurrentActor, ctx: Ctx, db: DB) -> dict[str, Any]:
    result = extract_service.accept(db, actor, ctx.settings.programme_path(), body.tasks,
                                    rejected=body.rejected,
                                    default_programme=default_programme_path())
    db.commit()
    return {"file": str(result.file), "task_ids": result.task_ids,
            "rejected": result.rejected,
            "sync": result.sync.summary() if result.sync is not None else None}
