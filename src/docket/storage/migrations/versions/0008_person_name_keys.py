"""Each person's names as the departure linkage compares them, stored and indexed, in place of
the index on ``lower()`` of the names: SQLite's ``lower()`` folds ASCII letters only and
PostgreSQL's is not case folding ("ß"), and neither collapses spaces, so the candidate query
missed persons the linkage model would have matched by name.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 5_000


def _key(name: str) -> str:
    """``departures.linkage.normal_name`` as it was when this migration was written, frozen
    here: a migration must give the same result whatever the application becomes. If the
    application's normalisation changes, a new migration recomputes the keys (``audit
    verify`` names every person whose stored keys differ from what a write would store)."""
    return " ".join(name.casefold().split())


_persons = sa.table(
    "persons",
    sa.column("person_id", sa.String),
    sa.column("given_name", sa.String),
    sa.column("family_name", sa.String),
    sa.column("given_name_key", sa.Text),
    sa.column("family_name_key", sa.Text),
)


def upgrade() -> None:
    op.drop_index("ix_persons_names", "persons")
    op.add_column("persons", sa.Column("given_name_key", sa.Text))
    op.add_column("persons", sa.Column("family_name_key", sa.Text))
    # The persons already here, in batches by id: the keys the code writes with every person
    # row from now on (the same function, so the two cannot differ).
    p = _persons.c
    set_keys = (
        _persons.update()
        .where(p.person_id == sa.bindparam("key_id"))
        .values(
            given_name_key=sa.bindparam("given_key"), family_name_key=sa.bindparam("family_key")
        )
    )
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.select(p.person_id, p.given_name, p.family_name)
            .where(p.person_id > after)
            .order_by(p.person_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            set_keys,
            [
                {"key_id": pid, "given_key": _key(given), "family_key": _key(family)}
                for pid, given, family in rows
            ],
        )
        after = rows[-1].person_id
    # On SQLite this rebuilds the table (storage.migrate turns foreign keys off around it).
    with op.batch_alter_table("persons") as batch:
        batch.alter_column("given_name_key", existing_type=sa.Text, nullable=False)
        batch.alter_column("family_name_key", existing_type=sa.Text, nullable=False)
    op.create_index("ix_persons_name_keys", "persons", ["family_name_key", "given_name_key"])


def downgrade() -> None:
    op.drop_index("ix_persons_name_keys", "persons")
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("family_name_key")
        batch.drop_column("given_name_key")
    op.create_index(
        "ix_persons_names", "persons", [sa.text("lower(family_name)"), sa.text("lower(given_name)")]
    )
