"""Indicator values, queried DHIS2-style: ``/values?dx=A;B&pe=2025Q4;2025&ou=VN;LEVEL-province``.
JSON by default; CSV with ``format=csv`` or ``Accept: text/csv``."""

from __future__ import annotations

import csv
import io
from typing import Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic_core import to_json

from sodo.http.deps import Ctx, CurrentActor
from sodo.http.downloads import content_disposition
from sodo.http.problems import problem_responses
from sodo.services import values as value_service

router = APIRouter(tags=["values"])

VALUES_SCHEMA = {
    "type": "object",
    "properties": {
        "dx": {"type": "array", "items": {"type": "string"}},
        "pe": {"type": "array", "items": {"type": "string"}},
        "ou": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"type": "object", "properties": {
            name: {} for name in value_service.COLUMNS}}},
        "count": {"type": "integer"}, "limit": {"type": "integer"},
        "offset": {"type": "integer"}, "more": {"type": "boolean"},
    },
}


@router.get("/values", summary="Indicator values by indicator (dx), period (pe), org unit (ou)",
            response_class=Response,
            responses={200: {"content": {"application/json": {"schema": VALUES_SCHEMA},
                                         "text/csv": {"schema": {"type": "string"}}}},
                       **problem_responses(401, 422)})
def values(request: Request, actor: CurrentActor, ctx: Ctx,
           dx: str = Query(max_length=20000, description="Indicator codes, ';'-separated."),
           pe: str = Query(max_length=20000, description="Periods, e.g. 2025Q4;2025;LAST_12_MONTHS"),
           ou: str = Query(max_length=20000, description="Units, e.g. VN;LEVEL-province"),
           format: Literal["json", "csv"] | None = None,
           limit: int = Query(10000, ge=1, le=100000), offset: int = Query(0, ge=0, le=10**9),
           all_origins: bool = Query(False, description="Every approved value of each cell "
                                     "(computed, reported, from documents), not only the one "
                                     "that stands."),
           ) -> Response:
    query = value_service.parse_query(None, dx, pe, ou)
    wants_csv = format == "csv" or (format is None and "text/csv" in
                                    request.headers.get("accept", "")
                                    and "application/json" not in
                                    request.headers.get("accept", ""))
    if wants_csv:
        text = value_service.answer(ctx, actor, query, _csv, "csv", limit=limit,
                                    offset=offset, all_origins=all_origins)
        return Response(text, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": content_disposition("values.csv", "inline")})

    def encode(rows: list[dict[str, Any]], more: bool) -> bytes:
        body = {"dx": query.indicators, "pe": query.periods, "ou": query.orgunits, "rows": rows,
                "count": len(rows), "limit": limit, "offset": offset, "more": more}
        # pydantic-core's encoder is several times faster than json.dumps on these row lists.
        return to_json(body)

    return Response(value_service.answer(ctx, actor, query, encode, "json", limit=limit,
                                         offset=offset, all_origins=all_origins),
                    media_type="application/json")


def _csv(rows: list[dict[str, Any]], _more: bool) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(value_service.COLUMNS)
    for row in rows:
        writer.writerow(["" if row[c] is None else row[c] for c in value_service.COLUMNS])
    return buf.getvalue()
