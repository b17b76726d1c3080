"""Tables of data quality: the stored scorecard and the follow-up marks.

``quality_score`` holds the last scorecard computed for each dataset (or report form) × unit ×
period × principle (``overall`` included), with the failing checks, their counts and up to five
example records as JSON; pages and the API read it and never scan records. ``quality_followup``
keeps every follow-up mark (DHIS2 follow-up): a flagged value or batch marked "confirmed
correct" or "to be corrected", with a comment; rows are only added (the last one stands).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, JSONText, UTCDateTime, utcnow


class QualityScore(Base):
    __tablename__ = "quality_score"
    __table_args__ = (UniqueConstraint("dataset", "unit", "period", "principle",
                                       name="uq_quality_score"),
                      Index("ix_quality_score_period", "period", "unit"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    principle: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    checked: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    checks: Mapped[Any] = mapped_column(JSONText)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityFollowup(Base):
    __tablename__ = "quality_followup"
    __table_args__ = (Index("ix_quality_followup_item", "dataset", "check_code", "ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(64))
    check_code: Mapped[str] = mapped_column(String(64))
    ref: Mapped[str] = mapped_column(String(200))  # record key, value or batch reference
    unit: Mapped[str] = mapped_column(String(32), default="")
    state: Mapped[str] = mapped_column(String(16))  # confirmed | to_correct
    comment: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BatchWarning(Base):
    """The warnings of one accepted record batch: the checks of severity ``warning`` run on the
    batch at intake (it is accepted all the same), each with its count and up to five
    examples ``{row, key, field, value, rule}`` (JSON); one row per batch, written with it."""

    __tablename__ = "batch_warning"

    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dataset: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[Any] = mapped_column(JSONText)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
