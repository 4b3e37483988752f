"""The rest of what the departure linkage compares of a person (sex, postcode, first document
number, as ``departures.linkage.record`` normalises them) kept in columns, and the two indexes
of the fast path's blocking rules made covering: a report's candidates are read from an index
alone, without the table row or the snapshot in it. The indexes on the birth date and on the
name keys are left out: the new indexes begin with the same columns.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_BATCH = 5_000
_KEYS = ("sex_key", "postcode_key", "document_key")
_INDEXES = {
    "ix_persons_born_linkage": ["date_of_birth", "family_name_key", "given_name_key"],
    "ix_persons_names_linkage": ["family_name_key", "given_name_key", "date_of_birth"],
}

_persons = sa.table(
    "persons",
    sa.column("person_id", sa.String),
    sa.column("data", sa.Text),
    *(sa.column(key, sa.Text) for key in _KEYS),
)


def _text(value: object) -> str:
    return str(value or "").strip()


def _keys(data: str) -> dict[str, str | None]:
    """What ``storage.rows.linkage_keys`` writes, from a person's stored snapshot, with
    ``departures.linkage.record``'s normalisation as it was when this migration was written,
    frozen here: a migration must give the same result whatever the application becomes."""
    person = json.loads(data)
    documents = person.get("documents") or []
    sex = _text(person.get("sex")).upper()[:1]
    postcode = re.sub(r"\s+", "", _text((person.get("address") or {}).get("postcode")).upper())
    document = "".join(_text(documents[0][1] if documents else None).upper().split())
    return {
        "sex_key": sex or None,
        "postcode_key": postcode or None,
        "document_key": document or None,
    }


def upgrade() -> None:
    for key in _KEYS:
        op.add_column("persons", sa.Column(key, sa.Text))
    p = _persons.c
    set_keys = (
        _persons.update()
        .where(p.person_id == sa.bindparam("key_id"))
        .values(**{key: sa.bindparam(f"new_{key}") for key in _KEYS})
    )
    connection = op.get_bind()
    after = ""
    while True:
        rows = connection.execute(
            sa.select(p.person_id, p.data)
            .where(p.person_id > after)
            .order_by(p.person_id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        values = []
        for person_id, data in rows:
            keys = _keys(data)
            if any(keys.values()):
                values.append({"key_id": person_id, **{f"new_{k}": v for k, v in keys.items()}})
        if values:
            connection.execute(set_keys, values)
        after = rows[-1].person_id
    op.drop_index("ix_persons_name_keys", "persons")
    op.drop_index("ix_persons_date_of_birth", "persons")
    for name, columns in _INDEXES.items():
        op.create_index(name, "persons", [*columns, "person_id", *_KEYS])


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, "persons")
    op.create_index("ix_persons_date_of_birth", "persons", ["date_of_birth"])
    op.create_index("ix_persons_name_keys", "persons", ["family_name_key", "given_name_key"])
    with op.batch_alter_table("persons") as batch:
        for key in reversed(_KEYS):
            batch.drop_column(key)
