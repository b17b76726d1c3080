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
from sodo.domain.permissions import Actor, NotFound
from sodo.domain.problems import InputError

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
    """Check every cell and import all or nothing, as the unit's next draft version of the
    plan in the store; then lint the plan (6 rõ; rõ ràng, định lượng, khả thi, đột phá;
    nguồn lực) and list what the lint found."""
    from sodo.services.reports.plan import import_plan as import_service

    if not file.is_file():
        raise InputError(f"{file}: no such file")
    with workspace_context(workspace, migrate=True) as ctx:
        assert ctx is not None
        plan = import_service(ctx, Actor.cli(), file.read_bytes(), file.name)
    rows = [{"object": p.object, "rule": p.rule, "severity": str(p.severity),
             "message": p.message} for p in plan.findings]
    if fmt is OutputFormat.TABLE:
        console.print(f"Imported {plan.programme.code} version {plan.version} (draft): "
                      f"{len(plan.programme.targets)} targets, {len(plan.programme.tasks)} "
                      "tasks", highlight=False)
    emit(rows, fmt, ["object", "rule", "severity", "message"],
         title="Kiểm tra kế hoạch / Plan lint")


@plan_app.command("list")
@user_errors
def list_plans(unit: Annotated[str | None, typer.Option("--unit", "-u")] = None,
               year: Annotated[int | None, typer.Option("--year", "-y")] = None,
               workspace: WorkspaceOption = None,
               fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Every version of the plans in the store, newest first (draft or issued)."""
    from sodo.services.reports.plan import list_plans as list_service

    with workspace_context(workspace, migrate=False) as ctx:
        assert ctx is not None
        rows = list_service(ctx, Actor.cli(), unit=unit, year=year)
    emit(rows, fmt, ["id", "code", "version", "state", "targets", "tasks", "created_by",
                     "created_at", "issued_report_id"] if fmt is OutputFormat.TABLE else None,
         title="Kế hoạch / Plans")


@plan_app.command("export")
@user_errors
def export(year: YearOption, out: Annotated[Path, typer.Option(
               "--out", "-o", help="The file to write: .docx (the Kế hoạch), .xlsx (the "
                                   "workbook filled with the plan, to edit) or .yaml.")],
           unit: UnitOption = "VN",
           version: Annotated[int | None, typer.Option("--version", help="A version (default "
                                                                         "the latest).")] = None,
           number: Annotated[int | None, typer.Option("--number", "-n", min=1,
                                                      max=9999)] = None,
           issued_on: Annotated[str | None, typer.Option("--date", help="Date written on "
                                                                        "it.")] = None,
           signer: Annotated[str, typer.Option("--signer")] = "",
           issue: Annotated[bool, typer.Option("--issue", help="Issue it (.docx): the unit's "
                                                              "next KH number of the year (or "
                                                              "--number), the file recorded, "
                                                              "the version marked issued.")
                            ] = False,
           workspace: WorkspaceOption = None) -> None:
    """The "Kế hoạch chuyển đổi số năm YEAR" of the unit in Decree 30 layout: purposes and
    requirements, targets, resources, organisation of implementation, tasks (appendix)."""
    from sodo.services.reports.plan_document import plan_file

    kind = out.suffix.lower().lstrip(".").replace("yml", "yaml")
    if kind not in ("docx", "xlsx", "yaml"):
        raise InputError(f"--out must end in .docx, .xlsx or .yaml, not '{out.name}'")
    if issue and kind != "docx":
        raise InputError("--issue issues the Word document: --out must end in .docx")
    day: date | None = parse_vietnamese_period(issued_on).end if issued_on else None
    with workspace_context(workspace, migrate=issue) as ctx:
        assert ctx is not None
        try:
            if issue:
                from sodo.services.reports.issued import issue_plan

                record, data = issue_plan(ctx, Actor.cli(), year=year, unit=unit,
                                          version=version, issued_on=day, number=number,
                                          signer=signer)
                console.print(f"Issued {record.number_text} (id {record.id}, sha256 "
                              f"{record.sha256[:12]}…)", highlight=False)
            else:
                _, _, data = plan_file(ctx, Actor.cli(), unit=unit, year=year, fmt=kind,
                                       version=version, number=number, issued_on=day,
                                       signer=signer)
        except NotFound as exc:
            raise InputError(str(exc)) from None
    out.write_bytes(data)
    console.print(f"Wrote {out} ({len(data):,} bytes)", highlight=False)
