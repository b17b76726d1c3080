"""Sign-in sessions kept on the server, so that ending one takes effect at once: the cookie
carries only a random secret, whose hash names a row here. Logout ends that row; a password
change, disabling the user or an administrator's "end all sessions" end every row of the
user; a row past ``expires_at`` no longer counts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sodo.stores.operational.models import Base, UTCDateTime, utcnow


class UserSession(Base):
    __tablename__ = "user_session"
    __table_args__ = (Index("ix_user_session_user", "user_id", "ended_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(64), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_reason: Mapped[str] = mapped_column(String(32), default="")
