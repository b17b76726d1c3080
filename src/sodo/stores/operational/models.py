"""ORM tables of the operational store: programmes and their items, report forms, submissions
with versions, task updates with evidence, users, API tokens, login attempts and the audit log.

All tables live on the shared :data:`sodo.stores.operational.tables.metadata`, next to ``indicator_value`` and
``compute_run``, so one Alembic history covers the whole store. Programme items keep their full
definition as JSON (the pydantic model's dump) plus the columns queries filter on, so a new
field in the programme model needs no migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

from sodo.stores.operational.tables import make_engine, metadata
from sodo.stores.operational.types import JSONText, UTCDateTime, utcnow


class Base(DeclarativeBase):
    metadata = metadata


class ProgrammeRow(Base):
    __tablename__ = "programme"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(Text)
    name_en: Mapped[str] = mapped_column(Text, default="")
    period: Mapped[str] = mapped_column(String(32), default="")
    owner: Mapped[str] = mapped_column(String(32), default="")
    data: Mapped[Any] = mapped_column(JSONText, default=dict)  # programme metadata
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgrammeItem(Base):
    """An indicator, target, task, report form or seed value of a programme.

    ``kind`` is indicator | target | task | form | value; ``key`` is its code or id."""

    __tablename__ = "programme_item"
    __table_args__ = (UniqueConstraint("programme_id", "kind", "key", name="uq_programme_item"),
                      Index("ix_programme_item_kind", "kind", "key"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(Text, default="")
    orgunit: Mapped[str] = mapped_column(String(32), default="")  # target scope / task lead
    data: Mapped[Any] = mapped_column(JSONText)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once removed
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgrammeImport(Base):
    """One import of a programme into the store, with the count of changes it made."""

    __tablename__ = "programme_import"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(64), default="")
    source_path: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    added: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    removed: Mapped[int] = mapped_column(Integer, default=0)
    changes: Mapped[list[ProgrammeChange]] = relationship(
        back_populates="import_", cascade="all, delete-orphan", order_by="ProgrammeChange.id")


class ProgrammeChange(Base):
    """What one import changed in one item: added, changed (with the fields) or removed."""

    __tablename__ = "programme_change"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("programme_import.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(255))
    change: Mapped[str] = mapped_column(String(16))  # added | changed | removed
    fields: Mapped[Any] = mapped_column(JSONText, default=list)
    before: Mapped[Any] = mapped_column(JSONText, nullable=True)
    after: Mapped[Any] = mapped_column(JSONText, nullable=True)
    import_: Mapped[ProgrammeImport] = relationship(back_populates="changes")


class OrgUnitRow(Base):
    """Snapshot of the org-unit hierarchy, so SQL reports and other tools can join on it."""

    __tablename__ = "orgunit"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    level: Mapped[str] = mapped_column(String(16))
    parent: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    valid_from: Mapped[str | None] = mapped_column(String(10), nullable=True)
    valid_to: Mapped[str | None] = mapped_column(String(10), nullable=True)


class User(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str] = mapped_column(String(255), default="")
    lang: Mapped[str] = mapped_column(String(8), default="vi", server_default="vi")  # vi | en
    password_hash: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16))  # admin | reporter | approver | viewer
    orgunit: Mapped[str] = mapped_column(String(32), default="VN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"User({self.username!r}, {self.role}, {self.orgunit})"


class ApiToken(Base):
    """An API token: only its SHA-256 is kept; the secret is shown once at creation."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(128), default="")
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[Any] = mapped_column(JSONText, default=list)  # ["read", "write"]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """Failed and successful logins, for the rate limit (shared by every web worker)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_user_at", "username", "at"),
                      Index("ix_login_attempt_ip_at", "ip", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEntry(Base):
    """Append-only: services insert; nothing updates or deletes (PostgreSQL enforces it with a
    trigger installed by the migration)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),
                      Index("ix_audit_actor_at", "actor", "at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))  # username, "cli:<os user>" or "system"
    source: Mapped[str] = mapped_column(String(128), default="")  # IP address or "cli"
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(255), default="")
    before: Mapped[Any] = mapped_column(JSONText, nullable=True)
    after: Mapped[Any] = mapped_column(JSONText, nullable=True)


class Submission(Base):
    """One version of a unit's report for a form and period.

    States: draft → submitted → approved, or submitted → returned (with a comment) → draft again.
    A correction of an approved report is a new version; the old one stays, ``current`` False."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("form", "orgunit", "period", "version",
                                       name="uq_submission_version"),
                      Index("ix_submission_lookup", "form", "orgunit", "period"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(64), default="")
    form: Mapped[str] = mapped_column(String(64))
    orgunit: Mapped[str] = mapped_column(String(32))
    period: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16), default="web")  # web | excel | api | cli
    comment: Mapped[str] = mapped_column(Text, default="")  # the return comment
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    values: Mapped[list[SubmissionValue]] = relationship(
        back_populates="submission", cascade="all, delete-orphan",
        order_by="SubmissionValue.id")


class SubmissionValue(Base):
    __tablename__ = "submission_value"
    __table_args__ = (UniqueConstraint("submission_id", "indicator", "category",
                                       name="uq_submission_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"))
    indicator: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    numerator: Mapped[float | None] = mapped_column(Float, nullable=True)
    denominator: Mapped[float | None] = mapped_column(Float, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    submission: Mapped[Submission] = relationship(back_populates="values")


class TaskUpdate(Base):
    """A progress report on a task by its lead agency; rows are only added (history)."""

    __tablename__ = "task_update"
    __table_args__ = (Index("ix_task_update_task", "task", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    programme: Mapped[str] = mapped_column(String(64), default="")
    task: Mapped[str] = mapped_column(String(64))
    orgunit: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))  # not_started | in_progress | blocked | done
    percent: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str] = mapped_column(Text, default="")  # for "blocked": the obstacle
    unblock_by: Mapped[str] = mapped_column(Text, default="", server_default="")  # who can unblock
    evidence_url: Mapped[str] = mapped_column(Text, default="")
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence_file.id", ondelete="SET NULL"), nullable=True)
    actor: Mapped[str] = mapped_column(String(64), default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    evidence: Mapped[EvidenceFile | None] = relationship()


class EvidenceFile(Base):
    __tablename__ = "evidence_file"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(128))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(64), default="")
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def session_factory(database_url: str) -> sessionmaker:
    """A session maker bound to a new engine for ``database_url`` (SQLite or PostgreSQL)."""
    engine = make_engine(database_url)
    return sessionmaker(bind=engine, expire_on_commit=False, future=True)


def _load_area_models() -> None:
    """Import every ``*_models`` module beside this one, so the tables each area of sodo adds
    (reports, quality, notices…) are on the shared metadata wherever the store is migrated or
    compared with its models."""
    import importlib
    import pkgutil

    import sodo.stores.operational as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.endswith("_models"):
            importlib.import_module(f"sodo.stores.operational.{info.name}")


__all__ = [
    "ApiToken", "AuditEntry", "Base", "EvidenceFile", "JSONText", "LoginAttempt", "OrgUnitRow",
    "ProgrammeChange", "ProgrammeImport", "ProgrammeItem", "ProgrammeRow", "Submission",
    "SubmissionValue", "TaskUpdate", "UTCDateTime", "User", "session_factory", "utcnow",
]


#: What the pages read besides values and the programme, as (table, columns) whose greatest
#: value moves on every write: reports, task updates and the task workflow, record batches
#: (an ingest, a computation of them), stored quality scores.
ACTIVITY_MARKS = (
    ("submission", ("id", "updated_at")),
    ("task_update", ("id",)),
    ("task_extension", ("id", "decided_at")),
    ("task_responsible", ("id",)),
    ("task_review", ("id",)),
    ("batch_status", ("batch_id", "validated_at", "computed_at")),
    ("quality_score", ("id", "computed_at")),
)


def activity_version(session: Any) -> tuple[Any, ...]:
    """Changes whenever a report, a task update, an extension, a review, a record batch or a
    quality score is written: greatest keys and times, read in one statement (index look-ups,
    not scans)."""
    from sqlalchemy import select

    return tuple(session.execute(select(*activity_marks())).one())


def activity_marks() -> list[Any]:
    """The scalar subqueries :func:`activity_version` reads (to combine with other marks)."""
    from sqlalchemy import func, select

    return [select(func.max(metadata.tables[name].c[col])).scalar_subquery()
            for name, cols in ACTIVITY_MARKS for col in cols]


_load_area_models()
