"""The oversight log of ranking runs refuses UPDATE and DELETE in the database, like the event
log and the access log (0001 made the PostgreSQL trigger function).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER priority_runs_no_{verb.lower()} BEFORE {verb} ON priority_runs "
                "BEGIN SELECT RAISE(ABORT, 'priority_runs is append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER priority_runs_append_only BEFORE UPDATE OR DELETE ON priority_runs "
        "FOR EACH ROW EXECUTE FUNCTION docket_append_only()"
    )
    op.execute(
        "CREATE TRIGGER priority_runs_no_truncate BEFORE TRUNCATE ON priority_runs "
        "FOR EACH STATEMENT EXECUTE FUNCTION docket_append_only()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS priority_runs_no_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS priority_runs_append_only ON priority_runs")
    op.execute("DROP TRIGGER IF EXISTS priority_runs_no_truncate ON priority_runs")
