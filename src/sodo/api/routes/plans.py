"""Next year's plans through the API — the same services as ``sodo plan`` and the page
/plans: the workbook to fill (the latest version filled in), the upload (every cell checked,
all or nothing: a refused file changes nothing and the answer names sheet, cell, row, column
and rule), the versions, one version as JSON, the Word "Kế hoạch" or the YAML, and issuing.
Drafts are seen by those who may read the unit's drafts; issued versions by everyone."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query, Request, Response
from fastapi.routing import APIRouter
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from sodo.api.routes._common import read_upload_file
from sodo.domain.permissions import Action, require
from sodo.domain.problems import InputError
from sodo.http.deps import Ctx, CurrentActor, RequireUser
from sodo.http.downloads import download
from sodo.http.problems import problem_response, problem_responses
from sodo.services import excel_forms
from sodo.services.reports import issued as issued_service
from sodo.services.reports import plan as plan_service
from sodo.services.reports.plan_document import MEDIA_TYPES, plan_file

router = APIRouter(tags=["plans"])
Unit = Annotated[str, Query(max_length=32, description="VN, a province or a ministry code.")]
Year = Annotated[int, Query(ge=2000, le=2100, description="The plan's year.")]
FILE_CONTENT = {200: {"content": {media: {} for media in MEDIA_TYPES.values()}}}
UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {
    "schema": {"type": "object", "required": ["file"],
               "properties": {"file": {"type": "string", "format": "binary"}}}}}}}


@router.get("/plans", summary="Plan versions the caller may see, newest first",
            responses=problem_responses(422))
def versions(ctx: Ctx, actor: CurrentActor, unit: Annotated[str | None, Query(
                 max_length=32)] = None,
             year: Annotated[int | None, Query(ge=2000, le=2100)] = None
             ) -> list[dict[str, Any]]:
    return plan_service.list_plans(ctx, actor, unit=unit, year=year)


@router.get("/plans/current", summary="A unit's plan of a year (latest visible version, or "
                                      "one version) with its targets, tasks and lint",
            responses=problem_responses(404, 422))
def current(ctx: Ctx, actor: CurrentActor, year: Year, unit: Unit = "VN",
            version: Annotated[int | None, Query(ge=1)] = None) -> dict[str, Any]:
    return plan_service.load_plan(ctx, actor, unit, year, version).to_dict()


@router.get("/plans/file", summary="The plan as .docx (Kế hoạch), .xlsx (the workbook to "
                                   "fill, with the latest version filled in) or .yaml",
            response_class=Response,
            responses={**FILE_CONTENT, **problem_responses(400, 404, 422)})
def plan_document(ctx: Ctx, actor: CurrentActor, year: Year, unit: Unit = "VN",
                  format: Annotated[Literal["docx", "xlsx", "yaml"], Query()] = "docx",
                  version: Annotated[int | None, Query(ge=1)] = None) -> Response:
    name, media, content = plan_file(ctx, actor, unit=unit, year=year, fmt=format,
                                     version=version)
    return download(content, name, media)


@router.post("/plans/upload", summary="Upload a filled plan workbook: checked cell by cell, "
                                      "stored as the unit's next draft version or refused "
                                      "whole", openapi_extra=UPLOAD_BODY, status_code=201,
             responses=problem_responses(401, 403, 413, 415, 422))
async def upload(request: Request, ctx: Ctx, actor: RequireUser) -> Any:
    require(actor, Action.REPORT, actor.orgunit)  # before the workbook is read or parsed
    data, filename = await read_upload_file(request, "file", excel_forms.MAX_UPLOAD_BYTES)
    try:
        plan = await run_in_threadpool(plan_service.import_plan, ctx, actor, data, filename,
                                       channel="api")
    except InputError as exc:
        status = 413 if any(p.rule == "size" for p in exc.problems) else 422
        return problem_response(request, status, exc.summary,
                                errors=excel_forms.problems_as_cells(exc.problems))
    return plan.to_dict()


class IssuePlanIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    unit: str = Field("VN", max_length=32)
    version: int | None = Field(None, ge=1, description="Omitted: the latest version.")
    issued_on: date | None = None
    number: int | None = Field(None, ge=1, le=9999, description="Omitted: the unit's next "
                                                                "KH number of the year.")
    signer: str = Field("", max_length=200)


@router.post("/plans/issued", summary="Issue a plan version: number it, record the Word "
                                      "file, mark the version issued", status_code=201,
             responses=problem_responses(400, 401, 403, 404, 422))
def issue(body: IssuePlanIn, ctx: Ctx, actor: RequireUser) -> dict[str, Any]:
    record, _ = issued_service.issue_plan(ctx, actor, year=body.year, unit=body.unit,
                                          version=body.version, issued_on=body.issued_on,
                                          number=body.number, signer=body.signer)
    return record.to_dict()
