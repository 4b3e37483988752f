"""Departure reports as received go on a hash chain of their own (``departures``), like the
events and the access log: what a source said of a departure, when it came and who recorded it
closes cases and stops enforcement, and was until now editable unseen. The reports already
there are chained in their order (``report_seq``). The database refuses to delete a report or
to change what its hash covers; what linkage makes of it (person, status, departure) stays
writable, as relinking needs.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from docket.audit.chain import GENESIS_HASH, chain_hash, link_body
from docket.audit.reports import DEPARTURES_CHAIN, REPORT_COLUMNS

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_BATCH = 5_000
_FROZEN = ("report_seq", *REPORT_COLUMNS, "prev_hash", "hash")
"""The columns the database refuses to change."""

_reports = sa.table(
    "departure_reports",
    sa.column("report_seq", sa.BigInteger),
    *(sa.column(name, sa.Text) for name in (*REPORT_COLUMNS, "prev_hash", "hash")),
)


def upgrade() -> None:
    with op.batch_alter_table("departure_reports") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(64), nullable=True))
    length, prev = _chain_existing(op.get_bind())
    with op.batch_alter_table("departure_reports") as batch:
        batch.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
        batch.alter_column("hash", existing_type=sa.String(64), nullable=False)
    op.execute(
        sa.text(
            "INSERT INTO chain_heads (chain, length, head_hash) VALUES (:chain, :length, :head)"
        ).bindparams(chain=DEPARTURES_CHAIN, length=length, head=prev)
    )
    if op.get_bind().dialect.name == "sqlite":
        frozen = ", ".join(_FROZEN)
        op.execute(
            f"CREATE TRIGGER departure_reports_no_update BEFORE UPDATE OF {frozen} "
            "ON departure_reports BEGIN SELECT RAISE(ABORT, "
            "'departure reports as received are append-only'); END"
        )
        op.execute(
            "CREATE TRIGGER departure_reports_no_delete BEFORE DELETE ON departure_reports "
            "BEGIN SELECT RAISE(ABORT, 'departure reports as received are append-only'); END"
        )
        return
    changed = " OR ".join(f"NEW.{name} IS DISTINCT FROM OLD.{name}" for name in _FROZEN)
    op.execute(
        "CREATE FUNCTION docket_departure_reports_frozen() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' OR {changed} THEN "
        "RAISE EXCEPTION 'departure reports as received are append-only'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER departure_reports_frozen BEFORE UPDATE OR DELETE ON departure_reports "
        "FOR EACH ROW EXECUTE FUNCTION docket_departure_reports_frozen()"
    )
    op.execute(
        "CREATE TRIGGER departure_reports_no_truncate BEFORE TRUNCATE ON departure_reports "
        "FOR EACH STATEMENT EXECUTE FUNCTION docket_append_only()"
    )


def _chain_existing(connection: sa.Connection) -> tuple[int, str]:
    """Chain the reports already stored, in ``report_seq`` order; their count and last hash."""
    length, prev = 0, GENESIS_HASH
    after = 0
    while True:
        rows = connection.execute(
            sa.select(_reports.c.report_seq, *(_reports.c[name] for name in REPORT_COLUMNS))
            .where(_reports.c.report_seq > after)
            .order_by(_reports.c.report_seq)
            .limit(_BATCH)
        ).all()
        if not rows:
            return length, prev
        updates = []
        for row in rows:
            values = row._mapping
            seq = int(values["report_seq"])
            digest = chain_hash(seq, link_body({n: values[n] for n in REPORT_COLUMNS}), prev)
            updates.append({"seq": seq, "prev": prev, "digest": digest})
            length, prev = seq, digest
        connection.execute(
            _reports.update()
            .where(_reports.c.report_seq == sa.bindparam("seq"))
            .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("digest")),
            updates,
        )
        after = length


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS departure_reports_no_update")
        op.execute("DROP TRIGGER IF EXISTS departure_reports_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS departure_reports_frozen ON departure_reports")
        op.execute("DROP TRIGGER IF EXISTS departure_reports_no_truncate ON departure_reports")
        op.execute("DROP FUNCTION IF EXISTS docket_departure_reports_frozen()")
    op.execute(
        sa.text("DELETE FROM chain_heads WHERE chain = :chain").bindparams(chain=DEPARTURES_CHAIN)
    )
    with op.batch_alter_table("departure_reports") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
