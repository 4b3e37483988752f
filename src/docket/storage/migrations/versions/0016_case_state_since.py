"""Each case keeps the day it entered its state (``state_since`` in its stored record), so that
a move of that state dated before it is refused (``cases.dating``): a hearing held before the
charging document was served, a removal carried out before it was scheduled, were accepted.

The cases already here get the day their events give (the record is rebuilt from its events
as ``audit verify`` rebuilds it, and only that day is taken from it); a case whose events do
not rebuild gets the day its own record shows (``model.imported_state_since``), never later
than the true one. A stored record not in the one stored form was changed behind Docket's
back: it is left as it is, for ``audit verify`` to report, rather than rewritten clean.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

from docket.cases import snapshot
from docket.cases.events import Event
from docket.cases.lifecycle import rebuild
from docket.storage.case_reads import event_from_row
from docket.storage.rows import HASHED_COLUMNS

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_BATCH = 2_000
_FIELD = "state_since"


def upgrade() -> None:
    connection = op.get_bind()

    def with_the_day(case_id: str, data: dict[str, Any], events: list[Event]) -> dict[str, Any]:
        # A log or a record that does not rebuild is audit verify's to report, not this one's.
        try:
            day = rebuild(events).state_since
        except Exception:
            try:
                day = snapshot.case_from_dict({**data, _FIELD: None}).state_since
            except Exception:
                return data
        return {**data, _FIELD: day.isoformat()}

    _rewrite(connection, with_the_day, with_events=True)


def downgrade() -> None:
    def without_the_day(case_id: str, data: dict[str, Any], events: list[Event]) -> dict[str, Any]:
        return {name: value for name, value in data.items() if name != _FIELD}

    _rewrite(op.get_bind(), without_the_day, with_events=False)


def _rewrite(
    connection: sa.Connection,
    change: Callable[[str, dict[str, Any], list[Event]], dict[str, Any]],
    *,
    with_events: bool,
) -> None:
    after = ""
    while True:
        rows = connection.execute(
            sa.text(
                "SELECT case_id, data FROM cases WHERE case_id > :after ORDER BY case_id LIMIT :n"
            ),
            {"after": after, "n": _BATCH},
        ).all()
        if not rows:
            return
        streams = _streams(connection, [row.case_id for row in rows]) if with_events else {}
        updates = []
        for case_id, text in rows:
            try:
                data = snapshot.parse_json(text)
            except ValueError:
                continue
            if not isinstance(data, dict) or snapshot.canonical_json(data) != text:
                continue  # not as Docket wrote it: left for audit verify to report
            new = snapshot.canonical_json(change(case_id, data, streams.get(case_id, [])))
            if new != text:
                updates.append({"case_id": case_id, "data": new})
        if updates:
            connection.execute(
                sa.text("UPDATE cases SET data = :data WHERE case_id = :case_id"), updates
            )
        after = rows[-1].case_id


def _streams(connection: sa.Connection, case_ids: list[str]) -> dict[str, list[Event]]:
    query = sa.text(
        f"SELECT {', '.join(HASHED_COLUMNS)} FROM events "  # noqa: S608 the schema's own names
        "WHERE stream_id IN :ids ORDER BY stream_id, stream_version"
    ).bindparams(sa.bindparam("ids", expanding=True))
    streams: dict[str, list[Event]] = {}
    for row in connection.execute(query, {"ids": case_ids}):
        streams.setdefault(row.stream_id, []).append(event_from_row(row))
    return streams
