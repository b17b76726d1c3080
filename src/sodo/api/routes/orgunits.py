"""Org units: list by level, search without diacritics, one unit with its tree."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Query

from sodo.api.routes._common import Limit, Offset, Page, page
from sodo.domain.orgunits import OrgUnit, OrgUnitLevel, default_hierarchy
from sodo.http.problems import ProblemError, problem_responses

router = APIRouter(prefix="/orgunits", tags=["orgunits"])
Level = Literal["nation", "ministry", "province", "commune"]


def _unit(unit: OrgUnit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "name_en": unit.name_en,
            "short_name": unit.short_name, "level": str(unit.level), "parent": unit.parent,
            "kind": unit.kind,
            "valid_from": unit.valid_from.isoformat() if unit.valid_from else None,
            "valid_to": unit.valid_to.isoformat() if unit.valid_to else None,
            "successors": list(unit.successors)}


@router.get("", summary="Org units by level or parent, or found by name (diacritics ignored)",
            response_model=Page, responses=problem_responses(422))
def orgunits(q: str | None = Query(None, max_length=200, description="e.g. 'ha noi'"),
             level: Level | None = None,
             parent: str | None = Query(None, max_length=32),
             on: date | None = Query(None, description="Only units in force on this day."),
             limit: Limit = 100, offset: Offset = 0) -> Page:
    hierarchy = default_hierarchy()
    if q:
        units = hierarchy.search(q, on=on, limit=offset + limit + 1000)
        if level:
            units = [u for u in units if u.level is OrgUnitLevel(level)]
    elif parent:
        if parent not in hierarchy:
            raise ProblemError(422, f"parent: unknown org-unit code '{parent}'")
        units = hierarchy.children(parent, on=on)
    elif level:
        units = hierarchy.at_level(level, on=on)
    else:
        units = sorted(hierarchy, key=lambda u: (list(OrgUnitLevel).index(u.level), u.code))
        if on:
            units = [u for u in units if u.active_on(on)]
    return page([_unit(u) for u in units[offset:offset + limit]], len(units), limit, offset)


@router.get("/{code}", summary="One org unit with its ancestors and children",
            responses=problem_responses(404))
def orgunit(code: str, on: date | None = None) -> dict[str, Any]:
    hierarchy = default_hierarchy()
    if code not in hierarchy:
        raise ProblemError(404, f"unknown org-unit code '{code}'")
    unit = hierarchy.get(code)
    return {**_unit(unit), "ancestors": [_unit(a) for a in hierarchy.ancestors(code)],
            "children": [_unit(c) for c in hierarchy.children(code, on=on)]}


@router.get("/{code}/tree", summary="The subtree under a unit, to a depth",
            responses=problem_responses(404, 422))
def tree(code: str, depth: int = Query(1, ge=1, le=3), on: date | None = None) -> dict[str, Any]:
    hierarchy = default_hierarchy()
    if code not in hierarchy:
        raise ProblemError(404, f"unknown org-unit code '{code}'")

    def node(unit: OrgUnit, level: int) -> dict[str, Any]:
        out = _unit(unit)
        if level < depth:
            out["children"] = [node(c, level + 1) for c in hierarchy.children(unit.code, on=on)]
        return out

    return node(hierarchy.get(code), 0)
