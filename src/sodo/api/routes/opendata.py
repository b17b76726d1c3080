"""Open data: the DCAT-AP catalogue, the Frictionless data package, every published indicator
as CSV, JSON, XLSX and SDMX-CSV, the whole as one zip — anonymous, cacheable (``ETag``,
``Last-Modified``, ``304``) — and the releases that open computed values."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from sodo.http.deps import DB, Ctx, CurrentActor, RowId
from sodo.http.downloads import content_disposition
from sodo.http.problems import problem_responses
from sodo.services import opendata, opendata_publish
from sodo.services.opendata_files import File

router = APIRouter(tags=["open data"])
INLINE = {"jsonld", "json"}
CACHE = "public, max-age=300, must-revalidate"


class ReleaseIn(BaseModel):
    periods: list[str] = Field(description="Period ids to release, e.g. ['2025', '2026Q1'].")
    indicators: list[str] | None = Field(
        None, description="Indicator codes; omitted: every open indicator computed from "
        "records.")
    note: str = Field("", max_length=2000)


class WithdrawIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.get("/opendata/releases", summary="Releases of computed values as open data")
def list_releases(actor: CurrentActor, db: DB) -> list[dict[str, Any]]:
    return opendata.list_releases(db, actor)


@router.post("/opendata/releases", status_code=201, summary="Release computed values",
             responses=problem_responses(403, 422))
def make_release(body: ReleaseIn, ctx: Ctx, actor: CurrentActor, db: DB) -> dict[str, Any]:
    made = opendata.release(db, actor, body.periods, body.indicators, body.note, ctx.today())
    db.commit()
    return made.to_dict(True)


@router.post("/opendata/releases/{release_id}/withdraw", summary="Withdraw a release",
             responses=problem_responses(403, 404, 409, 422))
def withdraw_release(release_id: RowId, body: WithdrawIn, actor: CurrentActor,
                     db: DB) -> dict[str, Any]:
    done = opendata.withdraw(db, actor, release_id, body.reason)
    db.commit()
    return done.to_dict(True)


def _not_modified(request: Request, file: File) -> bool:
    tags = request.headers.get("if-none-match")
    if tags is not None:
        offered = {t.strip().removeprefix("W/") for t in tags.split(",")}
        return "*" in offered or file.etag in offered
    since = request.headers.get("if-modified-since")
    if since:
        try:
            when = parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return file.modified.replace(microsecond=0) <= when
    return False


def file_response(request: Request, file: File) -> Response:
    """The file with its validators; ``304`` when the client's copy is current."""
    modified = file.modified if file.modified.year >= 1971 else datetime(1971, 1, 1, tzinfo=UTC)
    headers = {"ETag": file.etag, "Last-Modified": format_datetime(modified.astimezone(UTC),
                                                                   usegmt=True),
               "Cache-Control": CACHE, "Access-Control-Allow-Origin": "*",
               "X-Content-Type-Options": "nosniff"}
    if _not_modified(request, file):
        return Response(status_code=304, headers=headers)
    kind = file.name.rsplit(".", 1)[-1]
    disposition = "inline" if kind in INLINE else "attachment"
    headers["Content-Disposition"] = content_disposition(file.name, disposition)
    body = b"" if request.method == "HEAD" else file.content
    headers["Content-Length"] = str(len(file.content))
    return Response(body, media_type=file.content_type, headers=headers)


@router.head("/opendata/{name}", include_in_schema=False)  # the same answer, without a body
@router.get("/opendata/{name}", response_class=Response,
            summary="A file of open data: catalog.jsonld, datapackage.json, "
            "sodo-open-data.zip, or <indicator>.csv|.json|.xlsx|.sdmx.csv",
            responses={200: {"content": {"text/csv": {}, "application/ld+json": {}}},
                       304: {"description": "Not modified"}, **problem_responses(404)})
def open_file(name: str, request: Request, ctx: Ctx, actor: CurrentActor) -> Response:
    # the other files are built in the background, for what is asked next
    return file_response(request, opendata_publish.distribution(ctx, actor, name,
                                                                prebuild=True))
