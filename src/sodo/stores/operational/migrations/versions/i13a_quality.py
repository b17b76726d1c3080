"""data quality: the stored scorecard and follow-up marks

Revision ID: i13a
Revises: i15a
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i13a"
down_revision = "i15a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "quality_score",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("period", sa.String(length=16), nullable=False),
        sa.Column("principle", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("checked", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("checks", sa.Text(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dataset", "unit", "period", "principle",
                            name="uq_quality_score"),
    )
    with op.batch_alter_table("quality_score", schema=None) as batch_op:
        batch_op.create_index("ix_quality_score_period", ["period", "unit"], unique=False)
    op.create_table(
        "quality_followup",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("check_code", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("quality_followup", schema=None) as batch_op:
        batch_op.create_index("ix_quality_followup_item", ["dataset", "check_code", "ref"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("quality_followup", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_followup_item")
    op.drop_table("quality_followup")
    with op.batch_alter_table("quality_score", schema=None) as batch_op:
        batch_op.drop_index("ix_quality_score_period")
    op.drop_table("quality_score")
