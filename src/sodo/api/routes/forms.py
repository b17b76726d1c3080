"""Report forms, submissions (draft → submitted → approved / returned) and the Excel round trip."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sodo.api.routes._common import Limit, Offset, Page, page, read_upload_file
from sodo.domain.forms import ValueInput
from sodo.domain.permissions import Action, require
from sodo.domain.problems import InputError
from sodo.http.deps import DB, CurrentActor, RequireUser, RowId
from sodo.http.downloads import download
from sodo.http.problems import problem_response, problem_responses
from sodo.services import excel_forms, reporting

router = APIRouter(tags=["reporting"])
State = Literal["draft", "submitted", "returned", "approved"]
XLSX = excel_forms.XLSX_MEDIA_TYPE


class ValueBody(BaseModel):
    indicator: str = Field(min_length=1, max_length=64)
    # Strict: a JSON number or null; true, false and "12" are refused, not read as 1.0 or 12.
    value: float | None = Field(None, allow_inf_nan=False, strict=True)
    numerator: float | None = Field(None, allow_inf_nan=False, strict=True)
    denominator: float | None = Field(None, allow_inf_nan=False, strict=True)
    category: str = Field("", max_length=64)
    note: str = Field("", max_length=2000)


class DraftBody(BaseModel):
    form: str = Field(min_length=1, max_length=64)
    orgunit: str = Field(min_length=1, max_length=32)
    period: str = Field(min_length=1, max_length=16)
    values: list[ValueBody] = Field(max_length=1000)
    submit: bool = Field(False, description="Submit for approval right after saving.")


class ReturnBody(BaseModel):
    comment: str = Field(min_length=1, max_length=5000)


@router.get("/forms", summary="Report forms", response_model=Page)
def forms(actor: CurrentActor, db: DB, limit: Limit = 100, offset: Offset = 0) -> Page:
    require(actor, Action.READ_PUBLIC)
    items = reporting.list_forms(db)
    return page([reporting.form_dict(f) for f in items[offset:offset + limit]], len(items),
                limit, offset)


@router.get("/forms/{code}", summary="One form; with ?period= its window and due date",
            responses=problem_responses(404))
def form(code: str, actor: CurrentActor, db: DB,
         period: str | None = Query(None, max_length=16)) -> dict[str, Any]:
    require(actor, Action.READ_PUBLIC)
    return reporting.form_dict(reporting.get_form(db, code), period)


@router.get("/forms/{code}/template", summary="Excel template for a form, period and unit(s)",
            response_class=Response,
            responses={200: {"content": {XLSX: {}}}, **problem_responses(401, 403, 404, 422)})
def template(code: str, actor: RequireUser, db: DB, period: str = Query(max_length=16),
             orgunit: list[str] | None = Query(None, max_length=100)) -> Response:
    name, data = excel_forms.template_for(db, actor, code, period, orgunit)
    return download(data, name, XLSX)


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.post("/forms/{code}/upload", summary="Upload a filled Excel template (all or nothing)",
             openapi_extra=UPLOAD_BODY,
             responses=problem_responses(401, 403, 404, 409, 413, 415, 422))
async def upload(code: str, request: Request, actor: RequireUser, db: DB,
                 submit: bool = False) -> Any:
    require(actor, Action.REPORT, actor.orgunit)  # before the workbook is read or parsed
    data, filename = await read_upload_file(request, "file", excel_forms.MAX_UPLOAD_BYTES)
    try:
        # Parsing a workbook takes seconds: the thread pool, never the event loop.
        subs = await run_in_threadpool(excel_forms.import_upload, db, actor, data,
                                       filename, form_code=code,
                                       submit_after=submit)
    except InputError as exc:
        db.rollback()
        status = 413 if any(p.rule == "size" for p in exc.problems) else 422
        return problem_response(request, status, exc.summary,
                                errors=excel_forms.problems_as_cells(exc.problems))
    db.commit()
    return {"imported": [reporting.submission_dict(s) for s in subs]}


@router.get("/submissions", summary="Submissions the caller may see (current versions)",
            response_model=Page, responses=problem_responses(422))
def submissions(actor: CurrentActor, db: DB, form: str | None = Query(None, max_length=64),
                orgunit: str | None = Query(None, max_length=32),
                period: str | None = Query(None, max_length=16), state: State | None = None,
                all_versions: bool = False, limit: Limit = 100, offset: Offset = 0) -> Page:
    result = reporting.list_submissions(db, actor, form=form, orgunit=orgunit, period=period,
                                        state=state, current_only=not all_versions,
                                        limit=limit, offset=offset)
    return page([reporting.submission_dict(s) for s in result.items], result.total, limit,
                offset)


@router.post("/submissions", status_code=201, summary="Save (and optionally submit) a draft",
             responses=problem_responses(401, 403, 404, 409, 422))
def save(body: DraftBody, actor: RequireUser, db: DB) -> dict[str, Any]:
    values = [ValueInput(v.indicator, v.value, v.numerator, v.denominator,
                                   v.category, v.note) for v in body.values]
    sub = reporting.save_draft(db, actor, body.form, body.orgunit, body.period, values,
                               channel="api")
    if body.submit:
        sub = reporting.submit(db, actor, sub.id)
    db.commit()
    return reporting.submission_dict(sub)


@router.get("/submissions/{submission_id}", summary="One submission",
            responses=problem_responses(401, 404))
def submission(submission_id: RowId, actor: CurrentActor, db: DB) -> dict[str, Any]:
    return reporting.submission_dict(reporting.get_submission(db, actor, submission_id))


@router.get("/submissions/{submission_id}/history", summary="Every version of this report",
            responses=problem_responses(401, 404))
def submission_history(submission_id: RowId, actor: CurrentActor, db: DB) -> list[dict[str, Any]]:
    sub = reporting.get_submission(db, actor, submission_id)
    return [reporting.submission_dict(s)
            for s in reporting.history(db, actor, sub.form, sub.orgunit, sub.period)]


def _transition(action: str):  # type: ignore[no-untyped-def]
    def handler(submission_id: RowId, actor: RequireUser, db: DB) -> dict[str, Any]:
        func = reporting.submit if action == "submit" else reporting.approve
        sub = func(db, actor, submission_id)
        db.commit()
        return reporting.submission_dict(sub)

    return handler


router.add_api_route("/submissions/{submission_id}/submit", _transition("submit"),
                     methods=["POST"], summary="Submit a draft for approval",
                     responses=problem_responses(401, 403, 404, 409, 422))
router.add_api_route("/submissions/{submission_id}/approve", _transition("approve"),
                     methods=["POST"], summary="Approve a submitted report (locks its values)",
                     responses=problem_responses(401, 403, 404, 409))


@router.post("/submissions/{submission_id}/return", summary="Return a report with a comment",
             responses=problem_responses(401, 403, 404, 409, 422))
def return_(submission_id: RowId, body: ReturnBody, actor: RequireUser, db: DB) -> dict[str, Any]:
    sub = reporting.return_submission(db, actor, submission_id, body.comment)
    db.commit()
    return reporting.submission_dict(sub)
