"""The evaluation report as a file, for the CLI, the API and the pages alike: the content
built from the store at the as-of date, rendered to Word (.docx) or to the Excel annex
(.xlsx)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sodo.domain.orgunits import NATION_CODE
from sodo.domain.permissions import Actor
from sodo.domain.problems import InputError
from sodo.services import catalogue
from sodo.services.context import AppContext
from sodo.services.reports.evaluation import (
    EvaluationReport,
    build_evaluation,
    is_demo_workspace,
)

MEDIA_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class ReportFile:
    filename: str
    media_type: str
    content: bytes
    report: EvaluationReport


def evaluation_report(ctx: AppContext, actor: Actor, *, year: int, unit: str = NATION_CODE,
                      as_of: date | None = None, issued_on: date | None = None,
                      number: int | None = None,
                      narrative: dict[str, str] | None = None) -> EvaluationReport:
    """The report's content from the context's store and programme."""
    with ctx.session() as session:
        cat = catalogue.current_or_files(session, ctx.settings.programme_path())
        if narrative is None:
            from sodo.services.reports.narrative import current_narrative

            narrative = current_narrative(session, unit, year)
        return build_evaluation(session, actor, cat, year=year, unit=unit,
                                as_of=as_of or min(ctx.today(), date(year + 1, 12, 31)),
                                issued_on=issued_on or ctx.today(), number=number,
                                config=ctx.settings.assess,
                                demo=is_demo_workspace(ctx.settings.root), narrative=narrative)


def render(report: EvaluationReport, fmt: str, signer: str = "") -> bytes:
    if fmt == "docx":
        from sodo.services.reports.word import render_docx

        return render_docx(report, signer)
    if fmt == "xlsx":
        from sodo.services.reports.excel import render_xlsx

        return render_xlsx(report)
    raise InputError(f"format must be docx or xlsx, not '{fmt}'")


def file_name(report: EvaluationReport, fmt: str) -> str:
    number = f"{report.number:02d}-" if report.number is not None else ""
    return f"bao-cao-{number}{report.unit}-{report.year}.{fmt}"


def evaluation_file(ctx: AppContext, actor: Actor, *, year: int, fmt: str = "docx",
                    unit: str = NATION_CODE, as_of: date | None = None,
                    issued_on: date | None = None, number: int | None = None,
                    signer: str = "", narrative: dict[str, str] | None = None) -> ReportFile:
    """The report rendered as ``fmt`` (docx or xlsx)."""
    if fmt not in MEDIA_TYPES:
        raise InputError(f"format must be docx or xlsx, not '{fmt}'")
    report = evaluation_report(ctx, actor, year=year, unit=unit, as_of=as_of,
                               issued_on=issued_on, number=number, narrative=narrative)
    return ReportFile(file_name(report, fmt), MEDIA_TYPES[fmt], render(report, fmt, signer),
                      report)
