"""Tables of open data: the releases of computed values.

A computed value becomes open data only when the programme office releases it: a recorded act
saying who released which indicators for which periods, and when. A release may later be
withdrawn (who, when, why); the row stays, so the history of what was public is kept.
Reported values are open once approved and document figures once synced (when the programme
says so): they need no release.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, JSONText, UTCDateTime, utcnow


class OpenDataRelease(Base):
    __tablename__ = "opendata_release"
    __table_args__ = (Index("ix_opendata_release_programme", "programme", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    # Indicator codes and period ids; a period covers the periods inside it (2025: its
    # halves, quarters, months and days).
    indicators: Mapped[Any] = mapped_column(JSONText)
    periods: Mapped[Any] = mapped_column(JSONText)
    note: Mapped[str] = mapped_column(Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    withdrawn_by: Mapped[str] = mapped_column(String(64), default="")
    withdraw_reason: Mapped[str] = mapped_column(Text, default="")
