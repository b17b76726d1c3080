"""The status of each accepted record batch: received → validated → computed (or failed),
with the time of each step, so the API can answer where a batch stands and the overview can
say how fresh the values are."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, UTCDateTime


class BatchStatus(Base):
    __tablename__ = "batch_status"
    __table_args__ = (Index("ix_batch_status_state", "status", "batch_id"),)

    batch_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dataset: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(16))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # validated | computing | computed | failed
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message: Mapped[str] = mapped_column(Text, default="")
