"""Trained linkage models are vouched for on the event log and kept append-only: each version
gets a ``linkage_model_trained`` event carrying the SHA-256 of the model as kept
(:mod:`docket.audit.models`), which ``audit verify`` compares; the database refuses to change or
delete a kept model. A model's weights decide by themselves which departure reports link to
whom, and were until now editable unseen. The models already kept get their event now, in
version order (recorded now, in the name of who trained each).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

from docket.audit.models import MODEL_COLUMNS, model_digest, model_event
from docket.cases.events import StreamType
from docket.storage.case_writes import SqlWriteTransaction

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_models = sa.table(
    "linkage_models",
    sa.column("version", sa.Integer),
    sa.column("persons", sa.Integer),
    sa.column("reports", sa.Integer),
    *(sa.column(name, sa.Text) for name in ("trained_at", "trained_by", "settings")),
    *(sa.column(name, sa.Text) for name in ("term_frequency", "notes")),
)


def upgrade() -> None:
    connection = op.get_bind()
    vouched = set(
        connection.scalars(
            sa.text("SELECT stream_id FROM events WHERE stream_type = :linkage").bindparams(
                linkage=StreamType.LINKAGE.value
            )
        )
    )  # downgraded and upgraded again: the events written the first time stand
    kept = [
        row
        for row in connection.execute(
            sa.select(*(_models.c[name] for name in MODEL_COLUMNS)).order_by(_models.c.version)
        )
        if f"linkage-model:{row.version}" not in vouched
    ]
    if kept:
        now = dt.datetime.now(dt.UTC)
        tx = SqlWriteTransaction(connection)
        tx.append(
            [
                model_event(
                    version=int(row.version),
                    digest=model_digest({name: row._mapping[name] for name in MODEL_COLUMNS}),
                    trained_at=dt.datetime.fromisoformat(row.trained_at),
                    trained_by=row.trained_by,
                    persons=int(row.persons),
                    reports=int(row.reports),
                    recorded_at=now,
                )
                for row in kept
            ]
        )
        tx.flush_head()
    if connection.dialect.name == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER linkage_models_no_{verb.lower()} BEFORE {verb} ON linkage_models "
                "BEGIN SELECT RAISE(ABORT, 'linkage_models is append-only'); END"
            )
        return
    op.execute(
        "CREATE TRIGGER linkage_models_append_only BEFORE UPDATE OR DELETE ON linkage_models "
        "FOR EACH ROW EXECUTE FUNCTION docket_append_only()"
    )
    op.execute(
        "CREATE TRIGGER linkage_models_no_truncate BEFORE TRUNCATE ON linkage_models "
        "FOR EACH STATEMENT EXECUTE FUNCTION docket_append_only()"
    )


def downgrade() -> None:
    # The events stay: the log is append-only (upgrading again writes none twice).
    if op.get_bind().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS linkage_models_no_{verb}")
        return
    op.execute("DROP TRIGGER IF EXISTS linkage_models_append_only ON linkage_models")
    op.execute("DROP TRIGGER IF EXISTS linkage_models_no_truncate ON linkage_models")
