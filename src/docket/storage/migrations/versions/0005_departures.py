"""Departure reports, the departures they collapse into, and the exit-metric counts.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "departure_reports",
        sa.Column("report_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_record_id", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("departed_on", sa.String(10), nullable=False),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(64)),
        sa.Column("link_method", sa.String(32), nullable=False),
        sa.Column("match_probability", sa.Float),
        sa.Column("counted", sa.Text, nullable=False),
        sa.Column("departure_id", sa.String(32), nullable=False),
        sa.Column("intake_departure_id", sa.String(32), nullable=False),
        sa.Column("model_version", sa.Integer),
        sa.Column("candidates", sa.Text, nullable=False),
        sa.UniqueConstraint("source", "source_record_id", name="uq_departure_reports_key"),
    )
    for column in ("status", "person_id", "departure_id"):
        op.create_index(f"ix_departure_reports_{column}", "departure_reports", [column])
    op.create_table(
        "departures",
        sa.Column("departure_id", sa.String(32), primary_key=True),
        sa.Column("party", sa.String(300), nullable=False),
        sa.Column("first_on", sa.String(10), nullable=False),
        sa.Column("last_on", sa.String(10), nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_index("ix_departures_party", "departures", ["party", "first_on"])
    op.create_table(
        "departure_counts",
        sa.Column("dimension", sa.String(32), primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("count", sa.BigInteger, nullable=False),
    )

    op.create_table(
        "linkage_models",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("trained_at", sa.String(40), nullable=False),
        sa.Column("trained_by", sa.String(200), nullable=False),
        sa.Column("persons", sa.Integer, nullable=False),
        sa.Column("reports", sa.Integer, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("term_frequency", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
    )
    op.create_table(
        "review_decisions",
        sa.Column("decision_seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("source_record_id", sa.String(200), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("person_id", sa.String(64)),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("decided_by", sa.String(200), nullable=False),
        sa.Column("decided_at", sa.String(40), nullable=False),
    )
    op.create_index(
        "ix_review_decisions_report", "review_decisions", ["source", "source_record_id"]
    )
    # The linkage fast path's candidates: persons born the same day, or of the same names.
    op.create_index("ix_persons_date_of_birth", "persons", ["date_of_birth"])
    op.create_index(
        "ix_persons_names", "persons", [sa.text("lower(family_name)"), sa.text("lower(given_name)")]
    )


def downgrade() -> None:
    op.drop_index("ix_persons_names", "persons")
    op.drop_index("ix_persons_date_of_birth", "persons")
    op.drop_table("review_decisions")
    op.drop_table("linkage_models")
    op.drop_table("departure_counts")
    op.drop_table("departures")
    op.drop_table("departure_reports")
