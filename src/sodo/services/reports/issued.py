"""Issued reports: numbered, rendered once, kept with their hash.

Issuing a report gives it its number — the next one of the unit for that kind of document in
the year of issue (numbers restart at 01 each 1 January, Decree 30/2020) unless one is named,
which must be free — renders the file once and keeps it with its SHA-256, so the copy
downloaded later is byte for byte the one issued. Who may issue: whoever may report for the
unit (its reporters, admins).

"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import NATION_CODE
from sodo.domain.permissions import Action, Actor, NotFound, require
from sodo.domain.problems import InputError
from sodo.services import audit
from sodo.services.context import AppContext
from sodo.services.reports.documents import MEDIA_TYPES, ReportFile, evaluation_file
from sodo.services.reports.evaluation import issuer_of
from sodo.stores.operational.report_models import IssuedReport


@dataclass
class Issued:
    id: int
    kind: str
    number_text: str
    orgunit: str
    year: int
    number: int
    issued_on: date
    as_of: date
    issued_by: str
    filename: str
    size: int
    sha256: str
    created_at: datetime

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("issued_on", "as_of", "created_at"):
            data[key] = data[key].isoformat()
        return data


def _issued(row: IssuedReport) -> Issued:
    return Issued(row.id, row.kind, f"{row.number:02d}/{row.code}", row.orgunit, row.year,
                  row.number, row.issued_on, row.as_of, row.issued_by, row.filename, row.size,
                  row.sha256, row.created_at)


def next_number(session: Session, orgunit: str, code: str, issue_year: int) -> int:
    """The next free number of the unit's documents of ``code`` in ``issue_year`` (from 1)."""
    top = session.scalar(select(func.max(IssuedReport.number)).where(
        IssuedReport.orgunit == orgunit, IssuedReport.code == code,
        IssuedReport.issue_year == issue_year))
    return (top or 0) + 1


def issue_evaluation(ctx: AppContext, actor: Actor, *, year: int, fmt: str = "docx",
                     unit: str = NATION_CODE, as_of: date | None = None,
                     issued_on: date | None = None, number: int | None = None,
                     signer: str = "") -> tuple[Issued, ReportFile]:
    """Number, render and record the evaluation report of ``unit`` for ``year``."""
    require(actor, Action.REPORT, unit)
    issued_on = issued_on or ctx.today()
    with ctx.session() as session:
        code = issuer_of(unit).code
        if number is None:
            number = next_number(session, unit, code, issued_on.year)
        elif session.scalar(select(IssuedReport.id).where(
                IssuedReport.orgunit == unit, IssuedReport.code == code,
                IssuedReport.issue_year == issued_on.year, IssuedReport.number == number)):
            raise InputError(f"số {number:02d}/{code} năm {issued_on.year} đã được dùng cho "
                             f"một báo cáo khác của {unit}; số tiếp theo: "
                             f"{next_number(session, unit, code, issued_on.year):02d}")
        made = evaluation_file(ctx, actor, year=year, fmt=fmt, unit=unit, as_of=as_of,
                               issued_on=issued_on, number=number, signer=signer)
        row = IssuedReport(kind="evaluation", code=code, orgunit=unit, year=year,
                           issue_year=issued_on.year, number=number, issued_on=issued_on,
                           as_of=made.report.as_of, issued_by=actor.username,
                           filename=made.filename, media_type=made.media_type,
                           size=len(made.content),
                           sha256=hashlib.sha256(made.content).hexdigest(),
                           content=made.content)
        session.add(row)
        session.flush()
        audit.record(session, actor, "report.issue", "issued_report", str(row.id),
                     after={"number": f"{number:02d}/{code}", "orgunit": unit, "year": year,
                            "sha256": row.sha256, "filename": row.filename})
        session.commit()
        return _issued(row), made


def list_issued(session: Session, actor: Actor, *, unit: str | None = None,
                year: int | None = None) -> list[Issued]:
    require(actor, Action.READ_PUBLIC)
    query = select(IssuedReport).order_by(IssuedReport.issued_on.desc(), IssuedReport.id.desc())
    if unit:
        query = query.where(IssuedReport.orgunit == unit)
    if year:
        query = query.where(IssuedReport.year == year)
    return [_issued(row) for row in session.scalars(query)]


def issued_file(session: Session, actor: Actor, issued_id: int) -> tuple[Issued, bytes, str]:
    """The file as issued (its hash checked) and its media type."""
    require(actor, Action.READ_PUBLIC)
    row = session.get(IssuedReport, issued_id)
    if row is None:
        raise NotFound(f"no issued report {issued_id}")
    if hashlib.sha256(row.content).hexdigest() != row.sha256:
        raise InputError(f"issued report {issued_id}: the stored file does not match its hash")
    return _issued(row), row.content, row.media_type or MEDIA_TYPES["docx"]




def issue_plan(ctx: AppContext, actor: Actor, *, year: int, unit: str,
               version: int | None = None, issued_on: date | None = None,
               number: int | None = None, signer: str = "") -> tuple[Issued, bytes]:
    """Issue the unit's plan of ``year`` (its latest version, or ``version``): the next
    "…/KH-…" number of the unit in the year of issue (or ``number``, if free), the Word file
    rendered once and kept with its hash, and the version marked issued — from then on the
    public sees it (drafts are seen only by those who may read the unit's drafts)."""
    from sodo.services.reports.plan import load_plan
    from sodo.services.reports.plan_document import plan_docx
    from sodo.stores.operational.plan_models import PlanVersion

    require(actor, Action.REPORT, unit)
    issued_on = issued_on or ctx.today()
    plan = load_plan(ctx, actor, unit, year, version)
    if plan.state == "issued":
        raise InputError(f"version {plan.version} of the plan of {unit} for {year} is "
                         f"already issued (issued report {plan.issued_report_id})")
    code = issuer_of(unit).code.replace("BC-", "KH-", 1)
    with ctx.session() as session:
        if number is None:
            number = next_number(session, unit, code, issued_on.year)
        elif session.scalar(select(IssuedReport.id).where(
                IssuedReport.orgunit == unit, IssuedReport.code == code,
                IssuedReport.issue_year == issued_on.year, IssuedReport.number == number)):
            raise InputError(f"số {number:02d}/{code} năm {issued_on.year} đã được dùng; số "
                             f"tiếp theo: {next_number(session, unit, code, issued_on.year):02d}")
        content = plan_docx(ctx, actor, unit=unit, year=year, number=number,
                            issued_on=issued_on, signer=signer, plan=plan)
        row = IssuedReport(kind="plan", code=code, orgunit=unit, year=year,
                           issue_year=issued_on.year, number=number, issued_on=issued_on,
                           as_of=issued_on, issued_by=actor.username,
                           filename=f"ke-hoach-{number:02d}-{unit}-{year}.docx",
                           media_type=MEDIA_TYPES["docx"], size=len(content),
                           sha256=hashlib.sha256(content).hexdigest(), content=content)
        session.add(row)
        session.flush()
        version_row = session.get(PlanVersion, plan.id)
        assert version_row is not None
        version_row.state = "issued"
        version_row.issued_report_id = row.id
        audit.record(session, actor, "plan.issue", "plan_version", str(plan.id),
                     before={"state": "draft"},
                     after={"state": "issued", "number": f"{number:02d}/{code}",
                            "issued_report": row.id, "sha256": row.sha256,
                            "version": plan.version})
        session.commit()
        return _issued(row), content
