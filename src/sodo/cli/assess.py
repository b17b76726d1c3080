"""``sodo assess`` (targets), ``sodo assess tasks`` and ``sodo rank``."""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    clean_value,
    console,
    data_context,
    emit,
    programme_of,
    require_computed,
    user_errors,
    warn_if_not_computed,
)
from sodo.domain.periods import parse_vietnamese_period, vietnam_today

if TYPE_CHECKING:
    from sodo.domain.assessment.targets import TargetStatus

assess_app = typer.Typer(
    help="Assess the programme: is each target on track, each task on time (with every "
         "calculation shown).",
    invoke_without_command=True,
)

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Assess as on this day (2026-03-01, 01/03/2026) or at the end "
                                 "of this period (2025, 2025Q4); default today."),
]

class Lang(StrEnum):
    VI = "vi"
    EN = "en"


LangOption = Annotated[Lang, typer.Option("--lang", help="Language of the labels.")]

TARGET_COLUMNS = ["target_id", "indicator", "orgunit", "deadline", "target_value", "baseline",
                  "latest", "latest_period", "projected", "status", "method"]


def register(app: typer.Typer) -> None:
    app.add_typer(assess_app, name="assess")
    app.command("rank")(rank_command)


def parse_as_of(text: str | None) -> date:
    """A day, or the last day of a period; today when not given."""
    if not text:
        return vietnam_today()
    return parse_vietnamese_period(text).end


def _short(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


@assess_app.callback()
@user_errors
def assess_command(
    ctx: typer.Context,
    as_of: AsOfOption = None,
    target: Annotated[list[str] | None, typer.Option("--target", "-t",
                                                     help="Only this target (repeatable).")] = None,
    orgunit: Annotated[str | None, typer.Option("--orgunit", help="Only targets of this org "
                                                                  "unit (code).")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    lang: LangOption = Lang.VI,
) -> None:
    """Assess every target: latest value, baseline, projection at the deadline, status and the
    method and components that produced it (JSON gives every component)."""
    if ctx.invoked_subcommand is not None:
        return
    from sodo.domain.assessment.targets import STATUS_SEVERITY, sort_worst_first
    from sodo.services.assessment import assess_targets

    day = parse_as_of(as_of)
    with data_context(workspace, fmt) as ctx:
        programme = programme_of(ctx).programme
        results = sort_worst_first(assess_targets(
            ctx.engine, programme, day, ctx.settings.assess,
            target_ids=target or (), orgunit=orgunit))
        warn_if_not_computed(ctx, fmt)
    if fmt is OutputFormat.JSON:
        emit([r.to_dict(lang) for r in results], fmt)
        return
    if fmt is OutputFormat.CSV:
        rows = []
        for r in results:
            row = r.to_dict(lang)
            row["components"] = json.dumps(clean_value(row["components"]), ensure_ascii=False)
            rows.append(row)
        emit(rows, fmt, [*TARGET_COLUMNS, "status_label", "baseline_from", "series_source",
                         "components"])
        return
    rows = []
    for r in results:
        latest = f"{_short(r.latest)} ({r.latest_period})" if r.latest is not None else None
        goal = (f"{r.components.get('comparator', '')} {_short(r.target_value)} ({r.deadline})"
                if r.target_value is not None else None)
        rows.append({"target_id": r.target_id, "indicator": r.indicator, "orgunit": r.orgunit,
                     "latest": latest, "target": goal, "projected": _short(r.projected),
                     "status": r.status.label(lang), "method": r.method})
    emit(rows, fmt, ["target_id", "indicator", "orgunit", "latest", "target", "projected",
                     "status", "method"],
         title=f"Đánh giá mục tiêu / Target assessment — {day.strftime('%d/%m/%Y')}")
    counts: dict[TargetStatus, int] = {}
    for r in results:
        counts[r.status] = counts.get(r.status, 0) + 1
    console.print(" · ".join(f"{status.label(lang)}: {counts[status]}"
                             for status in sorted(counts, key=STATUS_SEVERITY.get)),
                  highlight=False)


@assess_app.command("tasks")
@user_errors
def assess_tasks_command(
    as_of: AsOfOption = None,
    lead: Annotated[str | None, typer.Option("--lead", help="Only tasks led by this unit "
                                                            "(code).")] = None,
    by_lead: Annotated[bool, typer.Option("--by-lead", help="The accountability table: per "
                                                            "lead agency, tasks led, done on "
                                                            "time, late, overdue.")] = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
    lang: LangOption = Lang.VI,
) -> None:
    """The status of every task at the as-of date: done on time, done late, in progress, due
    soon, overdue, recurring, no deadline."""
    from sodo.domain.assessment.tasks import sort_tasks_worst_first
    from sodo.services.assessment import accountability_rows, assess_tasks

    day = parse_as_of(as_of)
    with data_context(workspace, fmt) as ctx:
        programme = programme_of(ctx).programme
        results = sort_tasks_worst_first(assess_tasks(
            ctx.engine, programme, day, ctx.settings.assess, lead=lead))
    if by_lead:
        emit(accountability_rows(results), fmt,
             title=f"Trách nhiệm theo cơ quan chủ trì / Accountability — "
                   f"{day.strftime('%d/%m/%Y')}")
        return
    rows = [r.to_dict(lang) for r in results]
    if fmt is OutputFormat.TABLE:
        for row, r in zip(rows, results, strict=True):
            row["status"] = r.status.label(lang)
        emit(rows, fmt, ["task_id", "title", "lead", "deadline", "due", "status",
                         "days_to_due", "done_on"],
             title=f"Tiến độ nhiệm vụ / Tasks — {day.strftime('%d/%m/%Y')}")
        return
    emit(rows, fmt, None if fmt is OutputFormat.JSON else
         ["task_id", "title", "lead", "deadline", "due", "status", "status_label",
          "days_to_due", "done_on", "percent", "notes"])


@user_errors
def rank_command(
    indicator: Annotated[str, typer.Option("--indicator", "-i", help="Indicator code.")],
    period: Annotated[str, typer.Option("--period", "-p", help="Period id, e.g. 2025, "
                                                               "2025Q4, 2025-11.")],
    level: Annotated[str, typer.Option("--level", "-l",
                                       help="province or ministry.")] = "province",
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Rank provinces or ministries on an indicator for a period (ties share a rank: 1, 2, 2,
    4), with the change of rank since the previous period (positive: moved up)."""
    from sodo.services.assessment import rank

    with data_context(workspace, fmt) as ctx:
        programme = programme_of(ctx).programme
        rows = [r.to_dict() for r in rank(ctx.engine, programme, indicator, period, level)]
        if not any(r.get("value") is not None for r in rows):
            require_computed(ctx)
    emit(rows, fmt, ["rank", "orgunit", "name", "value", "previous_rank", "previous_value",
                     "change"], title=f"Xếp hạng / Ranking — {indicator} — {period}")
