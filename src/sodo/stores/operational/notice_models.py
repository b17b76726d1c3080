"""Tables of follow-up (đôn đốc): what each user wants to receive, every notice sodo decided to
send, each attempt at sending it by e-mail, and the lease that keeps one scheduler running.

A notice is unique by (kind, item, recipient, about): ``about`` names the deadline or event it
was about (e.g. ``2026-03-31/due-3`` or ``2026-03-31/overdue-1``), so a rerun, a restart or two
workers inserting the same notice collide on the constraint and only one of them sends it.
The notice is also the recipient's inbox entry (``read_at``). Its e-mail has a state
(``none`` — inbox only, ``pending``, ``sent``, ``retrying``, ``failed``), the number of attempts,
when the next may be made and a claim (who is sending it until when).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, UTCDateTime, utcnow


class NoticePreference(Base):
    """How a user wants notices of one kind: ``email`` (and the inbox), ``inbox`` or ``off``."""

    __tablename__ = "notice_preference"
    __table_args__ = (UniqueConstraint("user_id", "kind", name="uq_notice_preference"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))  # a notice kind, or "lang" (vi | en)
    channel: Mapped[str] = mapped_column(String(16))  # email | inbox | off; vi | en for "lang"


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("kind", "item", "recipient", "about", name="uq_notice"),
                      Index("ix_notice_recipient", "recipient", "read_at"),
                      Index("ix_notice_mail", "mail_state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    item: Mapped[str] = mapped_column(String(255))  # task:<id> | form:<code>/<unit>/<period> …
    recipient: Mapped[str] = mapped_column(String(64))  # username
    recipient_unit: Mapped[str] = mapped_column(String(32), default="")
    about: Mapped[str] = mapped_column(String(64))  # the deadline or event, and the step
    due: Mapped[str] = mapped_column(String(10), default="")  # ISO date it was about
    as_of: Mapped[str] = mapped_column(String(10), default="")  # the run's as-of date
    channel: Mapped[str] = mapped_column(String(16))  # email | inbox
    email: Mapped[str] = mapped_column(String(255), default="")
    lang: Mapped[str] = mapped_column(String(8), default="vi")
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mail_state: Mapped[str] = mapped_column(String(16), default="none")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    claimed_by: Mapped[str] = mapped_column(String(128), default="")
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class NoticeAttempt(Base):
    """One attempt at e-mailing a notice: when, by which worker, and what the server said."""

    __tablename__ = "notice_attempt"
    __table_args__ = (Index("ix_notice_attempt_notice", "notice_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    worker: Mapped[str] = mapped_column(String(128), default="")
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")


class JobLease(Base):
    """Who runs a scheduled job (e.g. ``remind``) until when: one scheduler across workers,
    on SQLite and PostgreSQL alike (a worker takes the lease only when it has run out)."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128), default="")
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
