"""The analysts' narrative sections of a unit's report of a year (causes, lessons,
directions, proposals): what data cannot write. Each save is a new row, so the history of a
section is kept; the report takes the latest; a section never written is a placeholder."""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from sodo.domain.orgunits import default_hierarchy
from sodo.domain.permissions import Action, Actor, require
from sodo.domain.problems import InputError
from sodo.services import audit
from sodo.services.reports.evaluation import NARRATIVE_SECTIONS
from sodo.stores.operational.report_models import ReportNarrative

MAX_NARRATIVE = 20_000


def _check_section(section: str) -> None:
    keys = [key for key, _ in NARRATIVE_SECTIONS]
    if section not in keys:
        raise InputError(f"no such narrative section '{section}' (one of {', '.join(keys)})")


def save_narrative(session: Session, actor: Actor, unit: str, year: int, section: str,
                   text: str) -> ReportNarrative:
    """A new version of one section of the unit's report of ``year`` (empty: cleared)."""
    require(actor, Action.REPORT, unit)
    _check_section(section)
    if unit not in default_hierarchy():
        raise InputError(f"no such org unit: '{unit}'")
    if len(text) > MAX_NARRATIVE:
        raise InputError(f"a section holds at most {MAX_NARRATIVE} characters")
    row = ReportNarrative(orgunit=unit, year=year, section=section,
                          text=unicodedata.normalize("NFC", text.strip()),
                          author=actor.username)
    session.add(row)
    session.flush()
    audit.record(session, actor, "report.narrative", "report_narrative",
                 f"{unit}/{year}/{section}", after={"id": row.id, "chars": len(row.text)})
    return row


def narrative_history(session: Session, actor: Actor, unit: str, year: int,
                      section: str | None = None) -> list[dict[str, Any]]:
    require(actor, Action.READ_DRAFT, unit)
    query = select(ReportNarrative).where(ReportNarrative.orgunit == unit,
                                          ReportNarrative.year == year)
    if section:
        _check_section(section)
        query = query.where(ReportNarrative.section == section)
    return [{"id": r.id, "section": r.section, "text": r.text, "author": r.author,
             "created_at": r.created_at.isoformat()}
            for r in session.scalars(query.order_by(ReportNarrative.id))]


def current_narrative(session: Session, unit: str, year: int) -> dict[str, str]:
    """The latest text of each section (sections never written: absent; a store not yet
    migrated to hold narratives: none)."""
    out: dict[str, str] = {}
    if not inspect(session.connection()).has_table(ReportNarrative.__tablename__):
        return out
    for row in session.scalars(select(ReportNarrative).where(
            ReportNarrative.orgunit == unit, ReportNarrative.year == year)
            .order_by(ReportNarrative.id)):
        out[row.section] = row.text
    return out
