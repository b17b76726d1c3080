"""next year's plans in the store: versions, their targets and tasks as rows

Revision ID: i12b
Revises: i12a
Create Date: 2026-12-02 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i12b"
down_revision = "i12a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_version",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("orgunit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_report_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["issued_report_id"], ["issued_report.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("orgunit", "year", "version", name="uq_plan_version"),
    )
    op.create_table(
        "plan_target",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("indicator", sa.String(length=128), nullable=False),
        sa.Column("orgunit", sa.String(length=32), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("comparator", sa.String(length=4), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("deadline", sa.String(length=16), nullable=False),
        sa.Column("baseline_period", sa.String(length=16), nullable=True),
        sa.Column("baseline_value", sa.Float(), nullable=True),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("responsible", sa.Text(), nullable=False),
        sa.Column("contributes_to", sa.String(length=64), nullable=True),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan_version.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "target_id", name="uq_plan_target"),
    )
    with op.batch_alter_table("plan_target", schema=None) as batch_op:
        batch_op.create_index("ix_plan_target_contributes", ["contributes_to"], unique=False)
    op.create_table(
        "plan_task",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("lead", sa.Text(), nullable=False),
        sa.Column("responsible", sa.Text(), nullable=False),
        sa.Column("deadline", sa.String(length=64), nullable=True),
        sa.Column("deliverable", sa.Text(), nullable=False),
        sa.Column("authority", sa.Text(), nullable=False),
        sa.Column("budget", sa.Float(), nullable=True),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("resources_responsible", sa.Text(), nullable=False),
        sa.Column("source_row", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["plan_id"], ["plan_version.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("plan_id", "task_id", name="uq_plan_task"),
    )


def downgrade() -> None:
    op.drop_table("plan_task")
    with op.batch_alter_table("plan_target", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_target_contributes")
    op.drop_table("plan_target")
    op.drop_table("plan_version")
