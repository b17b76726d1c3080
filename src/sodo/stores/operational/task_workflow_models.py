"""Tables of the task workflow: extension requests (xin gia hạn) and their decision, the
responsible person named per task (rõ người), and the programme office's review of the evidence
of an update (accepted or sent back). The original deadline stays in the programme; a granted
extension is a row here, so timeliness can be judged against both."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, UTCDateTime, utcnow


class TaskExtension(Base):
    __tablename__ = "task_extension"
    __table_args__ = (Index("ix_task_extension_task", "task", "requested_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(64), default="")
    task: Mapped[str] = mapped_column(String(64))
    orgunit: Mapped[str] = mapped_column(String(32))
    new_deadline: Mapped[str] = mapped_column(String(10))  # ISO date asked for
    reason: Mapped[str] = mapped_column(Text, default="")
    requested_by: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(16), default="requested")  # granted | refused
    decided_by: Mapped[str] = mapped_column(String(64), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class TaskResponsible(Base):
    """Who is named responsible for a task (a person, optionally a user); newest row wins."""

    __tablename__ = "task_responsible"
    __table_args__ = (Index("ix_task_responsible_task", "task", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    task: Mapped[str] = mapped_column(String(64))
    person: Mapped[str] = mapped_column(Text)
    username: Mapped[str] = mapped_column(String(64), default="")
    set_by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskReview(Base):
    """The programme office's verdict on the evidence of one progress update."""

    __tablename__ = "task_review"
    __table_args__ = (Index("ix_task_review_update", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    update_id: Mapped[int] = mapped_column(ForeignKey("task_update.id", ondelete="CASCADE"))
    task: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(16))  # accepted | returned
    note: Mapped[str] = mapped_column(Text, default="")
    by: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
