"""official documents: issued reports (number, date, unit, who, file and hash) and the
narrative sections of a unit's report with their history

Revision ID: i12a
Revises: i13a
Create Date: 2026-12-02 04:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "i12a"
down_revision = "i13a"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issued_report",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("orgunit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("issue_year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("media_type", sa.String(length=128), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("orgunit", "code", "issue_year", "number",
                            name="uq_issued_report_number"),
    )
    op.create_table(
        "report_narrative",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("orgunit", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("report_narrative", schema=None) as batch_op:
        batch_op.create_index("ix_report_narrative_key", ["orgunit", "year", "section", "id"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("report_narrative", schema=None) as batch_op:
        batch_op.drop_index("ix_report_narrative_key")
    op.drop_table("report_narrative")
    op.drop_table("issued_report")
