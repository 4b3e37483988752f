"""Event log with its hash chain, idempotency records, and the case and person projection.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("events", "commands")


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("stream_type", sa.String(16), nullable=False),
        sa.Column("stream_id", sa.String(64), nullable=False),
        sa.Column("stream_version", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("occurred_on", sa.String(10), nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("legal_basis", sa.Text, nullable=False),
        sa.Column("document_ref", sa.String(500), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.UniqueConstraint("stream_id", "stream_version", name="uq_events_stream_version"),
    )
    op.create_table(
        "chain_heads",
        sa.Column("chain", sa.String(32), primary_key=True),
        sa.Column("length", sa.BigInteger, nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
    )
    # One head row per chain from the start: writers lock it to extend the chain one at a time.
    op.execute(
        "INSERT INTO chain_heads (chain, length, head_hash) VALUES ('events', 0, '"
        + "0" * 64
        + "')"
    )
    op.create_table(
        "commands",
        sa.Column("idempotency_key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "persons",
        sa.Column("person_id", sa.String(64), primary_key=True),
        sa.Column("a_number", sa.String(16), unique=True),
        sa.Column("given_name", sa.String(200), nullable=False),
        sa.Column("family_name", sa.String(200), nullable=False),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("case_ref", sa.String(64), nullable=False, unique=True),
        sa.Column("person_id", sa.String(64), sa.ForeignKey("persons.person_id"), nullable=False),
        sa.Column("field_office", sa.String(16), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("opened_on", sa.Date, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_cases_person_id", "cases", ["person_id"])
    op.create_index("ix_cases_field_office", "cases", ["field_office"])
    op.create_index("ix_cases_state", "cases", ["state"])
    op.create_table(
        "case_bars",
        sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
    )
    op.create_index("ix_case_bars_kind", "case_bars", ["kind"])
    op.create_table(
        "case_deadlines",
        sa.Column("case_id", sa.String(64), sa.ForeignKey("cases.case_id"), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("due_on", sa.Date, nullable=False),
    )
    op.create_index("ix_case_deadlines_due_on", "case_deadlines", ["due_on"])
    _make_append_only()


def _make_append_only() -> None:
    # The log refuses UPDATE and DELETE in the database itself, not only in Docket's code.
    if op.get_bind().dialect.name == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
        return
    op.execute(
        "CREATE FUNCTION docket_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
    )
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION docket_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION docket_append_only()"
        )


def downgrade() -> None:
    for table in (
        "case_deadlines",
        "case_bars",
        "cases",
        "persons",
        "commands",
        "chain_heads",
        "events",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name != "sqlite":
        op.execute("DROP FUNCTION IF EXISTS docket_append_only()")
