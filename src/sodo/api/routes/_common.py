"""Helpers shared by the route modules (this module has no router)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel

from sodo.http.problems import ProblemError

Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page (at most 1000).")]
Offset = Annotated[int, Query(ge=0, le=1_000_000_000, description="Items to skip.")]


class Page(BaseModel):
    """A page of a list: ``items``, the ``total`` matching, and the window asked for."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> Page:
    return Page(items=items, total=total, limit=limit, offset=offset)


async def read_upload_file(request: Request, field: str, max_bytes: int) -> tuple[bytes, str]:
    """The one file of a multipart body, read only now — after the caller's credentials and
    rights were checked (the body is not a parameter of the route, so FastAPI does not parse
    it first); the size ceiling holds while streaming (:mod:`sodo.http.limits`)."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ProblemError(415, f"send a multipart/form-data body with the file in '{field}'")
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get(field)
    if upload is None or isinstance(upload, str):
        raise ProblemError(422, f"{field}: a file is required")
    data = await upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ProblemError(413, f"file larger than {max_bytes:,} bytes")
    return data, upload.filename or "upload"
