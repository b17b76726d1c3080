"""Official documents through the API: the annual evaluation report as Word or its Excel
annex — the same service as ``sodo report evaluation``. Public like the assessment it is built
from (approved figures only; reporting states as the asker may see them)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Query, Response
from fastapi.routing import APIRouter
from pydantic import BaseModel, Field

from sodo.domain.periods import parse_vietnamese_period
from sodo.http.deps import DB, Ctx, CurrentActor, RequireUser
from sodo.http.problems import problem_responses
from sodo.services.reports import issued as issued_service
from sodo.services.reports import narrative as narrative_service
from sodo.services.reports.documents import evaluation_file

router = APIRouter(tags=["reports"])


@router.get("/reports/evaluation", summary="The annual evaluation report (Decree 30 layout) "
                                           "as .docx, or its appendices as .xlsx",
            response_class=Response,
            responses={200: {"content": {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                **problem_responses(400, 422)})
def evaluation(ctx: Ctx, actor: CurrentActor,
               year: Annotated[int, Query(ge=2000, le=2100, description="Year evaluated.")],
               unit: Annotated[str, Query(max_length=32, description="VN, a province or a "
                                                                     "ministry code.")] = "VN",
               format: Annotated[Literal["docx", "xlsx"], Query()] = "docx",
               as_of: Annotated[str | None, Query(max_length=32, description="Figures as on "
                                                  "this day or period end.")] = None,
               number: Annotated[int | None, Query(ge=1, le=9999)] = None) -> Response:
    made = evaluation_file(ctx, actor, year=year, fmt=format, unit=unit,
                           as_of=parse_vietnamese_period(as_of).end if as_of else None,
                           number=number)
    return Response(made.content, media_type=made.media_type, headers={
        "Content-Disposition": f'attachment; filename="{made.filename}"'})


class IssueIn(BaseModel):
    year: int = Field(ge=2000, le=2100)
    unit: str = Field("VN", max_length=32)
    format: Literal["docx", "xlsx"] = "docx"
    as_of: date | None = None
    issued_on: date | None = None
    number: int | None = Field(None, ge=1, le=9999, description="Omitted: the unit's next "
                                                                "number of the year.")
    signer: str = Field("", max_length=200)


class NarrativeIn(BaseModel):
    unit: str = Field("VN", max_length=32)
    year: int = Field(ge=2000, le=2100)
    text: str = Field(max_length=narrative_service.MAX_NARRATIVE)


@router.post("/reports/issued", summary="Issue an evaluation report: number it, record the file",
             responses=problem_responses(400, 401, 403, 422))
def issue(body: IssueIn, ctx: Ctx, actor: RequireUser) -> dict[str, Any]:
    record, _ = issued_service.issue_evaluation(
        ctx, actor, year=body.year, fmt=body.format, unit=body.unit, as_of=body.as_of,
        issued_on=body.issued_on, number=body.number, signer=body.signer)
    return record.to_dict()


@router.get("/reports/issued", summary="Reports issued: number, date, unit, who, hash",
            responses=problem_responses(422))
def list_issued(actor: CurrentActor, db: DB,
                unit: Annotated[str | None, Query(max_length=32)] = None,
                year: Annotated[int | None, Query(ge=2000, le=2100)] = None
                ) -> list[dict[str, Any]]:
    return [r.to_dict() for r in issued_service.list_issued(db, actor, unit=unit, year=year)]


@router.get("/reports/issued/{issued_id}/file", summary="An issued report's file, unchanged",
            response_class=Response,
            responses={200: {"content": {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document": {},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}},
                **problem_responses(400, 404, 422)})
def issued_file(issued_id: int, actor: CurrentActor, db: DB) -> Response:
    record, content, media_type = issued_service.issued_file(db, actor, issued_id)
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f'attachment; filename="{record.filename}"',
        "X-Content-SHA256": record.sha256})


@router.get("/reports/narrative", summary="The narrative sections of a report, every version",
            responses=problem_responses(400, 401, 403, 422))
def narrative(actor: RequireUser, db: DB, year: Annotated[int, Query(ge=2000, le=2100)],
              unit: Annotated[str, Query(max_length=32)] = "VN") -> dict[str, Any]:
    return {"unit": unit, "year": year,
            "current": narrative_service.current_narrative(db, unit, year),
            "history": narrative_service.narrative_history(db, actor, unit, year)}


@router.put("/reports/narrative/{section}", summary="Save a new version of one section",
             responses=problem_responses(400, 401, 403, 422))
def save_narrative(section: str, body: NarrativeIn, actor: RequireUser,
                   db: DB) -> dict[str, Any]:
    row = narrative_service.save_narrative(db, actor, body.unit, body.year, section, body.text)
    db.commit()
    return {"id": row.id, "section": row.section, "unit": row.orgunit, "year": row.year,
            "chars": len(row.text)}
