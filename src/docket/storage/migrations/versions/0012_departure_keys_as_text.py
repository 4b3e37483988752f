"""A departure's party and the exit metrics' values as text of any length: a report the intake
accepts (two names of 200 characters and a birth date; a port of 200 characters that grow when
capitalised, as "ß" does) made a party or a value longer than its column, and PostgreSQL
refused the whole transaction, the listener's batch included. SQLite never held them to the
length; the tables are copied there only so the declared schema stays the migrated one.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("departures", "party", 300),
    ("departure_counts", "value", 200),
    ("departure_totals", "value", 200),
)


def upgrade() -> None:
    for table, column, length in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.Text, existing_type=sa.String(length), existing_nullable=False
            )


def downgrade() -> None:
    for table, column, length in _COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                column, type_=sa.String(length), existing_type=sa.Text, existing_nullable=False
            )
