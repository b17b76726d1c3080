"""Tables of next year's plans: every import of a unit's plan for a year is a new version
(``plan_version``), whose targets (``plan_target``) and tasks (``plan_task``) are rows of their
own — the year's value, the measurement method, the resources (budget, sources of funds, the
agency answerable) and the national target each plan target contributes to — so the national
target's page reads the cascade with one query. A version is a draft until it is issued: then
it points at the issued document (``issued_report``), kept unchanged with its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sodo.stores.operational.models import Base, JSONText, UTCDateTime, utcnow


class PlanVersion(Base):
    __tablename__ = "plan_version"
    __table_args__ = (UniqueConstraint("orgunit", "year", "version", name="uq_plan_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    orgunit: Mapped[str] = mapped_column(String(32))
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2 … per unit and year
    code: Mapped[str] = mapped_column(String(64))  # KH-01-2026
    name: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | issued
    channel: Mapped[str] = mapped_column(String(16), default="excel")  # excel (cli, web, api)
    filename: Mapped[str] = mapped_column(Text, default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")  # of the file imported
    findings: Mapped[Any] = mapped_column(JSONText, default=list)  # the lint's, at import
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_report_id: Mapped[int | None] = mapped_column(
        ForeignKey("issued_report.id"), nullable=True)

    targets: Mapped[list[PlanTarget]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanTarget.position")
    tasks: Mapped[list[PlanTask]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanTask.position")


class PlanTarget(Base):
    __tablename__ = "plan_target"
    __table_args__ = (Index("ix_plan_target_contributes", "contributes_to"),
                      UniqueConstraint("plan_id", "target_id", name="uq_plan_target"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    target_id: Mapped[str] = mapped_column(String(64))  # KH2026-01-01
    indicator: Mapped[str] = mapped_column(String(128))
    orgunit: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(Text)
    comparator: Mapped[str] = mapped_column(String(4), default=">=")
    value: Mapped[float] = mapped_column(Float)
    deadline: Mapped[str] = mapped_column(String(16))
    baseline_period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    baseline_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    method: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)  # million VND
    funding: Mapped[Any] = mapped_column(JSONText, default=list)
    responsible: Mapped[str] = mapped_column(Text, default="")
    contributes_to: Mapped[str | None] = mapped_column(String(64), nullable=True)
    source_row: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the sheet's row

    plan: Mapped[PlanVersion] = relationship(back_populates="targets")


class PlanTask(Base):
    __tablename__ = "plan_task"
    __table_args__ = (UniqueConstraint("plan_id", "task_id", name="uq_plan_task"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan_version.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[str] = mapped_column(String(64))  # KH2026-01-NV01
    title: Mapped[str] = mapped_column(Text)
    lead: Mapped[Any] = mapped_column(JSONText, default=list)
    responsible: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[str | None] = mapped_column(String(64), nullable=True)
    deliverable: Mapped[str] = mapped_column(Text, default="")
    authority: Mapped[str] = mapped_column(Text, default="")
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)
    funding: Mapped[Any] = mapped_column(JSONText, default=list)
    resources_responsible: Mapped[str] = mapped_column(Text, default="")
    source_row: Mapped[int | None] = mapped_column(Integer, nullable=True)

    plan: Mapped[PlanVersion] = relationship(back_populates="tasks")
