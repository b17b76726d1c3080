"""``sodo plan template|import|export``: next year's plan of a unit — the Excel template
officials fill, its import (all or nothing, errors per cell in Vietnamese, then the lint) and
the "Kế hoạch" in Decree 30 layout."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    console,
    emit,
    user_errors,
    workspace_context,
)
from sodo.domain.periods import parse_vietnamese_period
from sodo.domain.permissions import Actor

plan_app = typer.Typer(help="Next year's plan (kế hoạch): Excel template, import with the "
                            "lint, and the Word document.", no_args_is_help=True)

YearOption = Annotated[int, typer.Option("--year", "-y", help="The plan's year, e.g. 2026.")]
UnitOption = Annotated[str, typer.Option("--unit", "-u", help="Org unit code (VN, a "
                                                              "province, a ministry).")]


def register(app: typer.Typer) -> None:
    app.add_typer(plan_app, name="plan")


@plan_app.command("template")
@user_errors
def template(year: YearOption, out: Annotated[Path, typer.Option("--out", "-o",
                                                                 help="The .xlsx to write.")],
             unit: UnitOption = "VN", workspace: WorkspaceOption = None) -> None:
    """The Excel workbook to fill: the unit's indicators with their latest values as
    baselines and the five-year targets; empty columns for the year's target, measurement
    method, resources; a sheet of tasks with the six "rõ" as columns."""
    from sodo.services.reports.plan import plan_template

    with workspace_context(workspace, migrate=False) as ctx:
        assert ctx is not None
        data = plan_template(ctx, Actor.cli(), year=year, unit=unit)
    out.write_bytes(data)
    console.print(f"Wrote {out} ({len(data):,} bytes)", highlight=False)


@plan_app.command("import")
@user_errors
def import_plan(file: Annotated[Path, typer.Argument(help="The filled template (.xlsx).")],
                workspace: WorkspaceOption = None,
                fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Check every cell and import all or nothing; then lint the plan (6 rõ; rõ ràng, định
    lượng, khả thi, đột phá; nguồn lực) and list what the lint found."""
    from sodo.services.reports.plan import read_plan, save_plan

    with workspace_context(workspace, migrate=False) as ctx:
        assert ctx is not None
        plan = read_plan(ctx, Actor.cli(), file.read_bytes())
        path = save_plan(ctx, Actor.cli(), plan)
    rows = [{"object": p.object, "rule": p.rule, "severity": str(p.severity),
             "message": p.message} for p in plan.findings]
    if fmt is OutputFormat.TABLE:
        console.print(f"Imported {plan.programme.code}: {len(plan.programme.targets)} targets, "
                      f"{len(plan.programme.tasks)} tasks → {path}", highlight=False)
    emit(rows, fmt, ["object", "rule", "severity", "message"],
         title="Kiểm tra kế hoạch / Plan lint")


@plan_app.command("export")
@user_errors
def export(year: YearOption, out: Annotated[Path, typer.Option("--out", "-o",
                                                               help="The .docx to write.")],
           unit: UnitOption = "VN",
           number: Annotated[int | None, typer.Option("--number", "-n", min=1,
                                                      max=9999)] = None,
           issued_on: Annotated[str | None, typer.Option("--date", help="Date written on "
                                                                        "it.")] = None,
           signer: Annotated[str, typer.Option("--signer")] = "",
           workspace: WorkspaceOption = None) -> None:
    """The "Kế hoạch chuyển đổi số năm YEAR" of the unit in Decree 30 layout: purposes and
    requirements, targets, resources, organisation of implementation, tasks (appendix)."""
    from sodo.services.reports.plan_document import plan_docx

    day: date | None = parse_vietnamese_period(issued_on).end if issued_on else None
    with workspace_context(workspace, migrate=False) as ctx:
        assert ctx is not None
        data = plan_docx(ctx, Actor.cli(), unit=unit, year=year, number=number,
                         issued_on=day, signer=signer)
    out.write_bytes(data)
    console.print(f"Wrote {out} ({len(data):,} bytes)", highlight=False)
