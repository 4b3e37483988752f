"""Exit metrics read in time of the days asked: the counts summed over every day, kept beside
the daily counts (``departure_totals``), the daily counts indexed by day, and deadlines by
kind (the overdue voluntary departures were counted among a million deadlines of every kind).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departure_totals",
        sa.Column("dimension", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )
    op.execute(
        "INSERT INTO departure_totals (dimension, value, count) "
        "SELECT dimension, value, SUM(count) FROM departure_counts "
        "GROUP BY dimension, value HAVING SUM(count) <> 0"
    )
    op.create_index("ix_departure_counts_day", "departure_counts", ["day", "dimension", "value"])
    op.create_index("ix_case_deadlines_kind_due_on", "case_deadlines", ["kind", "due_on"])


def downgrade() -> None:
    op.drop_index("ix_case_deadlines_kind_due_on", "case_deadlines")
    op.drop_index("ix_departure_counts_day", "departure_counts")
    op.drop_table("departure_totals")
