"""Data quality: the stored scorecard on the eight principles, and follow-up marks.

Scores and counts are public; example records are shown only to signed-in readers, for the
agencies of their subtree (``sodo.services.quality.visible``)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from sodo.domain.periods import Period
from sodo.domain.permissions import NotFound
from sodo.http.deps import DB, CurrentActor, RequireUser
from sodo.http.problems import problem_responses
from sodo.services import quality

router = APIRouter(prefix="/quality", tags=["quality"])


@router.get("", summary="Data-quality scorecard (dataset × unit × period × principle)",
            responses=problem_responses(404, 422))
def scorecard(actor: CurrentActor, db: DB,
              dataset: str | None = Query(None, max_length=64),
              period: str | None = Query(None, max_length=16,
                                         description="Period id; default: the latest scored"),
              unit: str | None = Query(None, max_length=32),
              principle: str | None = Query(None, max_length=16)) -> list[dict[str, Any]]:
    stored = quality.stored_periods(db)
    if not period:
        period = stored[0] if stored else None
        if period is None:
            return []
    elif (asked := Period.parse(period).id) not in stored:
        # an empty list would read as "no problems found"; say the period was never scored
        raise NotFound(f"no scorecard for {asked}: scored periods "
                       f"{', '.join(stored) or '(none yet)'}; `sodo quality --period {asked}` "
                       "computes it")
    return quality.scorecard(db, actor, dataset=dataset, period=period, unit=unit,
                             principle=principle)


@router.get("/checks", summary="Every check with its definition and default configuration")
def checks() -> list[dict[str, Any]]:
    return quality.list_checks()


class FollowupBody(BaseModel):
    dataset: str = Field(max_length=64)
    check: str = Field(max_length=64)
    ref: str = Field(max_length=200)
    state: Literal["confirmed", "to_correct"]
    comment: str = Field("", max_length=5000)
    unit: str = Field("", max_length=32)


@router.post("/followups", status_code=201, summary="Mark a flagged item for follow-up",
             responses=problem_responses(401, 403, 422))
def add_followup(body: FollowupBody, actor: RequireUser, db: DB) -> dict[str, Any]:
    mark = quality.mark(db, actor, dataset=body.dataset, check_code=body.check, ref=body.ref,
                        state=body.state, comment=body.comment, unit=body.unit)
    db.commit()
    return mark


@router.get("/followups", summary="The standing follow-up mark of each flagged item")
def list_followups(actor: CurrentActor, db: DB,
                   dataset: str | None = Query(None, max_length=64),
                   unit: str | None = Query(None, max_length=32)) -> list[dict[str, Any]]:
    return quality.followups(db, actor, dataset=dataset, unit=unit)
