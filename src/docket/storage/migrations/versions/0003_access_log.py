"""The access log: who did what to which record, when, why and with what outcome, hash-chained
like the event log and append-only in the database.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("record_type", sa.String(32), nullable=False),
        sa.Column("record_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("source", sa.String(200), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_record", "access_log", ["record_type", "record_id"])
    op.execute(
        sa.text(
            "INSERT INTO chain_heads (chain, length, head_hash) VALUES ('access', 0, :genesis)"
        ).bindparams(genesis="0" * 64)
    )
    # Append-only like the event log (0001 made the PostgreSQL trigger function).
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER access_log_no_{verb.lower()} BEFORE {verb} ON access_log "
                "BEGIN SELECT RAISE(ABORT, 'access_log is append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log "
        "FOR EACH ROW EXECUTE FUNCTION docket_append_only()"
    )
    op.execute(
        "CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION docket_append_only()"
    )


def downgrade() -> None:
    op.drop_table("access_log")
    op.execute("DELETE FROM chain_heads WHERE chain = 'access'")
