"""Tables of official documents: the reports issued (number, date, unit, who, the file itself
and its hash, so it can be downloaded again unchanged) and the narrative sections analysts
write for a unit's report of a year (every save kept: the history)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, UTCDateTime, utcnow


class IssuedReport(Base):
    __tablename__ = "issued_report"
    # Numbers restart at 01 on 1 January: unique per unit, kind of document and year of issue.
    __table_args__ = (UniqueConstraint("orgunit", "code", "issue_year", "number",
                                       name="uq_issued_report_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))  # evaluation | plan
    code: Mapped[str] = mapped_column(String(32))  # BC-UBND, KH-BKHCN …
    orgunit: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)  # the year the document is about
    issue_year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    as_of: Mapped[date] = mapped_column(Date)
    issued_by: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportNarrative(Base):
    __tablename__ = "report_narrative"
    __table_args__ = (Index("ix_report_narrative_key", "orgunit", "year", "section", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    orgunit: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    section: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
