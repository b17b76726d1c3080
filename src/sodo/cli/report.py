"""``sodo report evaluation``: the annual evaluation report as Word (.docx) or its Excel annex
(.xlsx), laid out per Decree 30/2020/NĐ-CP, from the workspace's figures."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from sodo.cli.common import (
    FormatOption,
    OutputFormat,
    WorkspaceOption,
    clean_value,
    console,
    emit,
    user_errors,
    workspace_context,
)
from sodo.domain.periods import parse_vietnamese_period
from sodo.domain.permissions import Actor, NotFound
from sodo.domain.problems import InputError

report_app = typer.Typer(help="Official documents: the annual evaluation report (báo cáo "
                              "đánh giá) as Word and Excel.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")


def _day(text: str | None) -> date | None:
    return parse_vietnamese_period(text).end if text else None


@report_app.command("evaluation")
@user_errors
def evaluation(
    year: Annotated[int, typer.Option("--year", "-y", help="The year evaluated, e.g. 2025.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write: .docx (the report) "
                                                          "or .xlsx (its appendices).")],
    unit: Annotated[str, typer.Option("--unit", "-u", help="Org unit code: VN (national), a "
                                                           "province or a ministry.")] = "VN",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="Figures as on this day (2026-01-15) or at the end of this period; "
                        "default today, at most the end of the following year.")] = None,
    number: Annotated[int | None, typer.Option("--number", "-n", min=1, max=9999,
                                               help="Document number (Số …/BC-…).")] = None,
    issued_on: Annotated[str | None, typer.Option(
        "--date", help="Date written on the document; default today.")] = None,
    signer: Annotated[str, typer.Option("--signer", help="Full name of the signatory.")] = "",
    issue: Annotated[bool, typer.Option("--issue", help="Issue it: give it the unit's next "
                                                       "number of the year (or --number, if "
                                                       "free) and record the file.")] = False,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Write the evaluation report of UNIT for YEAR: leadership and tasks by lead agency,
    results by area for every target, the 766 index and rank, shortcomings from the data,
    charts, and appendices I (targets) and II (tasks). JSON prints the report's figures."""
    from sodo.services.reports.documents import evaluation_file

    kind = out.suffix.lower().lstrip(".")
    if kind not in ("docx", "xlsx"):
        raise InputError(f"--out must end in .docx or .xlsx, not '{out.name}'")
    with workspace_context(workspace, migrate=issue) as ctx:
        assert ctx is not None
        if issue:
            from sodo.services.reports.issued import issue_evaluation

            record, made = issue_evaluation(ctx, Actor.cli(), year=year, fmt=kind, unit=unit,
                                            as_of=_day(as_of), issued_on=_day(issued_on),
                                            number=number, signer=signer)
            console.print(f"Issued {record.number_text} (id {record.id}, sha256 "
                          f"{record.sha256[:12]}…)", highlight=False)
        else:
            made = evaluation_file(ctx, Actor.cli(), year=year, fmt=kind, unit=unit,
                                   as_of=_day(as_of), issued_on=_day(issued_on),
                                   number=number, signer=signer)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(made.content)
    report = made.report
    if fmt is OutputFormat.JSON:
        emit([report.to_dict()], fmt)
        return
    if fmt is OutputFormat.CSV:  # the JSON's keys; nested figures as JSON text
        import json

        content = report.to_dict()
        emit([{k: json.dumps(clean_value(v), ensure_ascii=False, default=str)
               if isinstance(v, dict | list) else v for k, v in content.items()}], fmt)
        return
    console.print(f"Wrote {out} ({len(made.content):,} bytes): {report.number_text}, "
                  f"{report.unit_name}, {len(report.targets)} targets, {len(report.tasks)} "
                  f"tasks, figures as on {report.as_of.strftime('%d/%m/%Y')}"
                  + (" — synthetic demo data" if report.demo else ""), highlight=False)


@report_app.command("issued")
@user_errors
def issued(
    unit: Annotated[str | None, typer.Option("--unit", "-u", help="Only this unit.")] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="Only reports on this "
                                                                  "year.")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """The reports issued: number, date, unit, who, file and its SHA-256."""
    from sodo.services.reports.issued import list_issued

    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            rows = [r.to_dict() for r in list_issued(session, Actor.cli(), unit=unit,
                                                     year=year)]
    emit(rows, fmt, ["id", "number_text", "orgunit", "year", "issued_on", "issued_by",
                     "filename", "size", "sha256"] if fmt is OutputFormat.TABLE else None,
         title="Báo cáo đã ban hành / Issued reports")


@report_app.command("download")
@user_errors
def download(
    issued_id: Annotated[int, typer.Argument(help="Id of the issued report (sodo report "
                                                  "issued).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="File to write.")],
    workspace: WorkspaceOption = None,
) -> None:
    """Write an issued report's file exactly as it was issued (its hash checked)."""
    from sodo.services.reports.issued import issued_file

    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            try:
                record, content, _ = issued_file(session, Actor.cli(), issued_id)
            except NotFound as exc:
                raise InputError(str(exc)) from None
    out.write_bytes(content)
    console.print(f"Wrote {out}: {record.number_text}, sha256 {record.sha256}",
                  highlight=False)


narrative_app = typer.Typer(help="The sections of a report that data cannot write (causes, "
                                 "lessons, directions, proposals), with their history.",
                            no_args_is_help=True)
report_app.add_typer(narrative_app, name="narrative")


@narrative_app.command("set")
@user_errors
def narrative_set(
    section: Annotated[str, typer.Argument(help="causes, lessons, directions or proposals.")],
    year: Annotated[int, typer.Option("--year", "-y", help="Year of the report.")],
    text: Annotated[str | None, typer.Option("--text", help="The text.")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="Read the text from this UTF-8 "
                                                             "file.")] = None,
    unit: Annotated[str, typer.Option("--unit", "-u", help="Org unit code.")] = "VN",
    workspace: WorkspaceOption = None,
) -> None:
    """Save a new version of one section (the previous ones stay in the history)."""
    from sodo.services.reports.narrative import save_narrative

    if (text is None) == (file is None):
        raise InputError("give the text with --text or --file (one of them)")
    body = file.read_text(encoding="utf-8") if file is not None else text or ""
    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            row = save_narrative(session, Actor.cli(), unit, year, section, body)
            session.commit()
            console.print(f"Saved {section} of {unit} {year} (version {row.id}, "
                          f"{len(row.text)} characters)", highlight=False)


@narrative_app.command("history")
@user_errors
def narrative_history_command(
    year: Annotated[int, typer.Option("--year", "-y", help="Year of the report.")],
    unit: Annotated[str, typer.Option("--unit", "-u", help="Org unit code.")] = "VN",
    section: Annotated[str | None, typer.Option("--section", help="Only this section.")] = None,
    workspace: WorkspaceOption = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Every saved version of the sections, oldest first."""
    from sodo.services.reports.narrative import narrative_history

    with workspace_context(workspace) as ctx:
        assert ctx is not None
        with ctx.session() as session:
            rows = narrative_history(session, Actor.cli(), unit, year, section)
    emit(rows, fmt, ["id", "section", "author", "created_at", "text"],
         title="Lịch sử nội dung báo cáo / Narrative history")
