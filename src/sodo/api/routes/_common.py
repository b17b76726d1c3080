"""Helpers shared by the route modules (this module has no router)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import BaseModel

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
