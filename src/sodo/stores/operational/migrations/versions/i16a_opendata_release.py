"""open data: releases of computed values (who, when, which indicators and periods)

Revision ID: i16a
Revises: 0002
Create Date: 2026-12-02 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i16a"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opendata_release",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("indicators", sa.Text(), nullable=False),
        sa.Column("periods", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=64), nullable=False),
        sa.Column("withdraw_reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("opendata_release", schema=None) as batch_op:
        batch_op.create_index("ix_opendata_release_programme", ["programme", "at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("opendata_release", schema=None) as batch_op:
        batch_op.drop_index("ix_opendata_release_programme")
    op.drop_table("opendata_release")
