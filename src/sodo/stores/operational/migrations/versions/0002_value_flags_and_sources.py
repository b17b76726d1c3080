"""indicator values: provisional, estimate and derived flags; the programme of a seed; one
value per origin and source

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 23:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KEY = ["indicator", "orgunit", "period", "category", "origin"]


def upgrade() -> None:
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provisional", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("estimate", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("derived", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("programme", sa.String(length=64), nullable=False,
                                      server_default=""))
        batch_op.drop_constraint("uq_indicator_value", type_="unique")
        batch_op.create_unique_constraint("uq_indicator_value", [*KEY, "source"])


def downgrade() -> None:
    # Seeds quoted by two documents cannot share a cell under the old key: keep the newest.
    op.execute("DELETE FROM indicator_value WHERE origin = 'seed' AND id NOT IN ("
               "SELECT max(id) FROM indicator_value WHERE origin = 'seed' "
               "GROUP BY indicator, orgunit, period, category)")
    with op.batch_alter_table("indicator_value", schema=None) as batch_op:
        batch_op.drop_constraint("uq_indicator_value", type_="unique")
        batch_op.create_unique_constraint("uq_indicator_value", KEY)
        batch_op.drop_column("programme")
        batch_op.drop_column("derived")
        batch_op.drop_column("estimate")
        batch_op.drop_column("provisional")
