"""batch status: received → validated → computed, for the automatic recompute

Revision ID: i17a
Revises: i10a
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i17a"
down_revision = "i10a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "batch_status",
        sa.Column("batch_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("dataset", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("validated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    with op.batch_alter_table("batch_status", schema=None) as batch_op:
        batch_op.create_index("ix_batch_status_state", ["status", "batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("batch_status", schema=None) as batch_op:
        batch_op.drop_index("ix_batch_status_state")
    op.drop_table("batch_status")
