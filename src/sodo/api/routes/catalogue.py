"""Programmes, indicators and targets as imported into the store (public metadata)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from sodo.api.routes._common import Limit, Offset, Page, page
from sodo.domain.permissions import Action, require
from sodo.http.deps import DB, CurrentActor
from sodo.http.problems import problem_responses
from sodo.services import catalogue

router = APIRouter(tags=["programme"])
Q = Query(None, max_length=200, description="Search code or name, diacritics ignored.")


def _programme(row: Any) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "name_en": row.name_en, "period": row.period,
            "owner": row.owner, "version": row.version,
            "imported_at": row.imported_at.isoformat(), "metadata": row.data}


def _item(row: Any) -> dict[str, Any]:
    return {**row.data, "updated_at": row.updated_at.isoformat()}


@router.get("/programmes", summary="Programmes in the store", response_model=Page)
def programmes(actor: CurrentActor, db: DB, limit: Limit = 100, offset: Offset = 0) -> Page:
    require(actor, Action.READ_PUBLIC)
    rows = catalogue.list_programmes(db)
    return page([_programme(r) for r in rows[offset:offset + limit]], len(rows), limit, offset)


@router.get("/programmes/{code}", summary="One programme",
            responses=problem_responses(404))
def programme(code: str, actor: CurrentActor, db: DB) -> dict[str, Any]:
    require(actor, Action.READ_PUBLIC)
    return _programme(catalogue.get_programme(db, code))


@router.get("/programmes/{code}/imports", summary="Imports of a programme and what changed",
            responses=problem_responses(404))
def programme_imports(code: str, actor: CurrentActor, db: DB) -> list[dict[str, Any]]:
    require(actor, Action.READ_PUBLIC)
    catalogue.get_programme(db, code)
    return [{"id": i.id, "at": i.at.isoformat(), "actor": i.actor, "added": i.added,
             "changed": i.changed, "removed": i.removed,
             "changes": [{"kind": c.kind, "key": c.key, "change": c.change,
                          "fields": c.fields} for c in i.changes]}
            for i in catalogue.programme_imports(db, code)]


def _list(kind: str):  # type: ignore[no-untyped-def]
    def handler(actor: CurrentActor, db: DB, q: str | None = Q,
                programme: str | None = Query(None, max_length=64),
                orgunit: str | None = Query(None, max_length=32),
                limit: Limit = 100, offset: Offset = 0) -> Page:
        require(actor, Action.READ_PUBLIC)
        rows, total = catalogue.list_items(db, kind, programme=programme, orgunit=orgunit,
                                              q=q, limit=limit, offset=offset)
        return page([_item(r) for r in rows], total, limit, offset)

    return handler


def _one(kind: str):  # type: ignore[no-untyped-def]
    def handler(key: str, actor: CurrentActor, db: DB) -> dict[str, Any]:
        require(actor, Action.READ_PUBLIC)
        return _item(catalogue.get_item(db, kind, key))

    return handler


router.add_api_route("/indicators", _list("indicator"), methods=["GET"], response_model=Page,
                     summary="Indicators", tags=["programme"])
router.add_api_route("/indicators/{key}", _one("indicator"), methods=["GET"],
                     summary="One indicator", responses=problem_responses(404))
router.add_api_route("/targets", _list("target"), methods=["GET"], response_model=Page,
                     summary="Targets")
router.add_api_route("/targets/{key}", _one("target"), methods=["GET"], summary="One target",
                     responses=problem_responses(404))
