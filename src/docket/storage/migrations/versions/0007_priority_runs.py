"""The oversight log of prioritisation ranking runs.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "priority_runs",
        sa.Column("run_id", sa.String(64), primary_key=True),
        sa.Column("ran_at", sa.String(40), nullable=False),
        sa.Column("ran_by", sa.String(200), nullable=False),
        sa.Column("purpose", sa.String(500), nullable=False),
        sa.Column("policy_name", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(64), nullable=False),
        sa.Column("policy_hash", sa.String(64), nullable=False),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("rescinded_allowed", sa.Boolean, nullable=False),
        sa.Column("office", sa.String(16)),
        sa.Column("cases_scored", sa.Integer, nullable=False),
        sa.Column("cases_shown", sa.Integer, nullable=False),
        sa.Column("output_sha256", sa.String(64), nullable=False),
        sa.Column("output", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_priority_runs_ran_at", "priority_runs", ["ran_at"])


def downgrade() -> None:
    op.drop_index("ix_priority_runs_ran_at", table_name="priority_runs")
    op.drop_table("priority_runs")
