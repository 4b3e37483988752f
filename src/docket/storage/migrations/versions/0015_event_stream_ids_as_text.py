"""An event's stream id as text of any length on PostgreSQL: a reviewer's decision on a
departure report goes on the report's own stream ``departure:SOURCE:ID``, and a source's record
id may be 200 characters long, so the stream id can be 232; PostgreSQL refused one longer than
the column's 64 characters, and the decision failed with an unexpected error.

SQLite never held text to its declared length, so its table is left as it is: building the
event log anew there would copy every event and drop its append-only triggers for nothing
(``storage.schema`` declares the column 64 wide there and text on PostgreSQL). Widening a
``varchar`` to ``text`` on PostgreSQL changes only the catalogue: no row is read or rewritten,
and the log's append-only triggers fire on rows, not on ``ALTER TABLE``.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "events",
            "stream_id",
            type_=sa.Text,
            existing_type=sa.String(64),
            existing_nullable=False,
        )


def downgrade() -> None:
    # Refused by PostgreSQL while a stream id longer than 64 characters is on the log, which
    # can be neither shortened nor removed (the log is append-only).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "events",
            "stream_id",
            type_=sa.String(64),
            existing_type=sa.Text,
            existing_nullable=False,
        )
