"""Counsel of record and their clients: which person's records a counsel user may read.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counsel_clients",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.user_id"), primary_key=True),
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("document_ref", sa.String(500), nullable=False),
        sa.Column("since", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("counsel_clients")
