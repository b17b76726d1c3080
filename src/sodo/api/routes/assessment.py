"""Assessment through the API: targets, tasks and rankings, read-only and public (they publish
approved figures and the programme's own documents) — the same services and view-models as
the CLI and the pages."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import Depends, Query
from fastapi.routing import APIRouter

from sodo.domain.assessment.targets import sort_worst_first
from sodo.domain.assessment.tasks import sort_tasks_worst_first
from sodo.domain.periods import parse_vietnamese_period
from sodo.http.deps import DB, Ctx
from sodo.http.views import rank_view, target_view, task_view
from sodo.services import catalogue
from sodo.services.assessment import accountability_rows, assess_targets, assess_tasks, rank

router = APIRouter(tags=["assessment"])


def as_of_day(ctx: Ctx, as_of: Annotated[str | None, Query(
        max_length=32, description="Assess as on this day (2026-03-01) or at the end of this "
                                   "period (2025, 2025Q4); default today.")] = None) -> date:
    return parse_vietnamese_period(as_of).end if as_of else ctx.today()


AsOfDep = Annotated[date, Depends(as_of_day)]
Lang = Annotated[Literal["vi", "en"], Query(description="Language of the labels.")]


def _catalogue(ctx: Ctx, db: DB) -> catalogue.Catalogue:
    return catalogue.current_or_files(db, ctx.settings.programme_path())


CatalogueDep = Annotated[catalogue.Catalogue, Depends(_catalogue)]


@router.get("/assessment/targets", summary="Status of every target, with its components")
def targets(ctx: Ctx, db: DB, cat: CatalogueDep, as_of: AsOfDep,
            target: Annotated[list[str] | None, Query(description="Only these targets.")] = None,
            orgunit: Annotated[str | None, Query(max_length=32,
                                                 description="Only this org unit.")] = None,
            lang: Lang = "vi") -> dict[str, Any]:
    results = sort_worst_first(assess_targets(db, cat.programme, as_of, ctx.settings.assess,
                                              target_ids=target or (), orgunit=orgunit))
    counts: dict[str, int] = {}
    for item in results:
        counts[str(item.status)] = counts.get(str(item.status), 0) + 1
    return {"as_of": as_of.isoformat(), "programme": cat.code, "counts": counts,
            "targets": [target_view(cat, item, lang) for item in results]}


@router.get("/assessment/tasks", summary="Timeliness of every task and the accountability "
                                         "table per lead agency")
def tasks(ctx: Ctx, db: DB, cat: CatalogueDep, as_of: AsOfDep,
          lead: Annotated[str | None, Query(max_length=32,
                                            description="Only tasks led by this unit.")] = None,
          lang: Lang = "vi") -> dict[str, Any]:
    results = sort_tasks_worst_first(assess_tasks(db, cat.programme, as_of,
                                                  ctx.settings.assess, lead=lead))
    return {"as_of": as_of.isoformat(), "programme": cat.code,
            "tasks": [task_view(cat, item, lang) for item in results],
            "by_lead": accountability_rows(results)}


@router.get("/rankings", summary="Rank provinces or ministries on an indicator")
def rankings(db: DB, cat: CatalogueDep,
             indicator: Annotated[str, Query(max_length=64, description="Indicator code.")],
             period: Annotated[str, Query(max_length=16,
                                          description="Period id, e.g. 2025, 2025Q4.")],
             level: Annotated[Literal["province", "ministry"], Query()] = "province",
             lang: Lang = "vi") -> dict[str, Any]:
    rows = rank(db, cat.programme, indicator, period, level)
    return {"indicator": indicator, "period": period, "level": level,
            "rows": [{**row.to_dict(), **rank_view(row, lang)} for row in rows]}
