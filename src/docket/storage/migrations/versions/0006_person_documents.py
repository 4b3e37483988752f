"""Each person's identity-document numbers, for the departure intake's exact match.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 5_000


def upgrade() -> None:
    documents = op.create_table(
        "person_documents",
        sa.Column("person_id", sa.String(64), sa.ForeignKey("persons.person_id"), primary_key=True),
        sa.Column("number", sa.String(64), primary_key=True),
    )
    # The persons already here: their documents, in the one stored form (upper case, no
    # spaces; docket.cases.persons.normal_document_number), from their snapshots.
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT person_id, data FROM persons WHERE person_id > :after "
                "ORDER BY person_id LIMIT :n"
            ),
            {"after": after, "n": _BATCH},
        ).all()
        if not rows:
            break
        batch: list[dict[str, str]] = []
        for person_id, data in rows:
            held = json.loads(data).get("documents", [])
            numbers = {"".join(str(number).upper().split()) for _, number, _ in held}
            batch.extend({"number": n, "person_id": person_id} for n in sorted(numbers - {""}))
        if batch:
            op.bulk_insert(documents, batch)
        after = rows[-1].person_id
    # Keyed by person (a person's documents are replaced when the person is saved), and
    # indexed by number (the intake's exact match); the index made after the backfill.
    op.create_index("ix_person_documents_number", "person_documents", ["number"])


def downgrade() -> None:
    op.drop_table("person_documents")
