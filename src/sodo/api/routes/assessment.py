"""Assessment through the API: targets, tasks and rankings, read-only and public (they publish
approved figures and the programme's own documents), the same service calls as the CLI."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Engine

from sodo.domain.periods import parse_vietnamese_period
from sodo.domain.programme import Programme
from sodo.services.assess.config import AssessmentConfig, load_config
from sodo.services.assess.service import accountability_rows, assess_targets, assess_tasks, rank
from sodo.services.assess.targets import sort_worst_first
from sodo.services.assess.tasks import sort_tasks_worst_first
from sodo.services.programme import load_programme

router = APIRouter(tags=["assessment"])


def programme_of(request: Request) -> Programme:
    """The workspace's programme (the shipped one without a workspace)."""
    workspace = getattr(request.app.state, "workspace", None)
    path = workspace.programme_path() if workspace is not None else None
    return load_programme(path).programme


def engine_of(request: Request) -> Engine:
    return request.app.state.engine


def config_of(request: Request) -> AssessmentConfig:
    workspace = getattr(request.app.state, "workspace", None)
    return load_config(workspace.root if workspace is not None else None)


def as_of_day(as_of: Annotated[str | None, Query(
        description="Assess as on this day (2026-03-01) or at the end of this period "
                    "(2025, 2025Q4); default today.")] = None) -> date:
    return parse_vietnamese_period(as_of).end if as_of else date.today()


ProgrammeDep = Annotated[Programme, Depends(programme_of)]
EngineDep = Annotated[Engine, Depends(engine_of)]
ConfigDep = Annotated[AssessmentConfig, Depends(config_of)]
AsOfDep = Annotated[date, Depends(as_of_day)]
Lang = Annotated[Literal["vi", "en"], Query(description="Language of the labels.")]


@router.get("/assessment/targets", summary="Status of every target, with its components")
def targets(programme: ProgrammeDep, engine: EngineDep, config: ConfigDep, as_of: AsOfDep,
            target: Annotated[list[str] | None, Query(description="Only these targets.")] = None,
            orgunit: Annotated[str | None, Query(description="Only this org unit.")] = None,
            lang: Lang = "vi") -> dict[str, Any]:
    results = sort_worst_first(assess_targets(engine, programme, as_of, config,
                                              target_ids=target or (), orgunit=orgunit))
    counts: dict[str, int] = {}
    for item in results:
        counts[str(item.status)] = counts.get(str(item.status), 0) + 1
    return {"as_of": as_of.isoformat(), "programme": programme.code, "counts": counts,
            "targets": [item.to_dict(lang) for item in results]}


@router.get("/assessment/tasks", summary="Timeliness of every task and the accountability "
                                         "table per lead agency")
def tasks(programme: ProgrammeDep, engine: EngineDep, config: ConfigDep, as_of: AsOfDep,
          lead: Annotated[str | None, Query(description="Only tasks led by this unit.")] = None,
          lang: Lang = "vi") -> dict[str, Any]:
    results = sort_tasks_worst_first(assess_tasks(engine, programme, as_of, config, lead=lead))
    return {"as_of": as_of.isoformat(), "programme": programme.code,
            "tasks": [item.to_dict(lang) for item in results],
            "by_lead": accountability_rows(results)}


@router.get("/rankings", summary="Rank provinces or ministries on an indicator")
def rankings(programme: ProgrammeDep, engine: EngineDep,
             indicator: Annotated[str, Query(description="Indicator code.")],
             period: Annotated[str, Query(description="Period id, e.g. 2025, 2025Q4.")],
             level: Annotated[Literal["province", "ministry"], Query()] = "province",
             ) -> dict[str, Any]:
    rows = rank(engine, programme, indicator, period, level)
    return {"indicator": indicator, "period": period, "level": level,
            "rows": [row.to_dict() for row in rows]}
