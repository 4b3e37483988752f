"""Reads of cases, persons and their events, within one transaction.

The reads every API request of a case or person makes run as fixed statements on the driver's
cursor (see :mod:`docket.storage.driver`); the rest (filtered lists, the summary) through
SQLAlchemy Core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from docket.cases import snapshot
from docket.cases.events import Event, EventKind, StreamType
from docket.cases.model import Case, CaseState, Person
from docket.cases.ports import CaseFilter, CaseText, DocketSummary
from docket.storage import driver
from docket.storage import schema as t
from docket.storage.rows import HASHED_COLUMNS


def event_from_row(row: Any) -> Event:
    """Rebuild an :class:`Event` from a row of ``events``."""
    return Event(
        kind=EventKind(row.kind),
        stream_type=StreamType(row.stream_type),
        stream_id=row.stream_id,
        stream_version=row.stream_version,
        occurred_on=dt.date.fromisoformat(row.occurred_on),
        recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        actor=row.actor,
        legal_basis=row.legal_basis,
        document_ref=row.document_ref,
        data=snapshot.parse_json(row.data),
        seq=row.seq,
    )


def _event(values: Sequence[Any]) -> Event:
    """An :class:`Event` from the values of :data:`~docket.storage.rows.HASHED_COLUMNS`."""
    seq, stream_type, stream_id, version, kind, on, at, actor, basis, document, data = values
    return Event(
        kind=EventKind(kind),
        stream_type=StreamType(stream_type),
        stream_id=stream_id,
        stream_version=version,
        occurred_on=dt.date.fromisoformat(on),
        recorded_at=dt.datetime.fromisoformat(at),
        actor=actor,
        legal_basis=basis,
        document_ref=document,
        data=snapshot.parse_json(data),
        seq=seq,
    )


_CASE_BY_REF = driver.Statement.of("SELECT data FROM cases WHERE case_ref = %s")
_PERSON = driver.Statement.of("SELECT data FROM persons WHERE person_id = %s")
_CASES_OF_PERSON = driver.Statement.of(
    "SELECT case_ref, field_office FROM cases WHERE person_id = %s ORDER BY case_ref"
)
_STREAM = driver.Statement.of(
    f"SELECT {', '.join(HASHED_COLUMNS)} FROM events"  # noqa: S608 the schema's own names
    " WHERE stream_id = %s ORDER BY stream_version"
)


class SqlReadTransaction:
    """Reads within one transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def get_case_by_ref(self, case_ref: str) -> Case | None:
        row = driver.run(self.connection, _CASE_BY_REF, (case_ref,)).fetchone()
        return snapshot.case_from_dict(snapshot.parse_json(row[0])) if row else None

    def get_person(self, person_id: str) -> Person | None:
        row = driver.run(self.connection, _PERSON, (person_id,)).fetchone()
        return snapshot.person_from_dict(snapshot.parse_json(row[0])) if row else None

    def cases_of_person(self, person_id: str) -> list[tuple[str, str]]:
        rows = driver.run(self.connection, _CASES_OF_PERSON, (person_id,)).fetchall()
        return [(str(ref), str(office)) for ref, office in rows]

    def stream_events(self, stream_id: str) -> list[Event]:
        return [_event(row) for row in driver.run(self.connection, _STREAM, (stream_id,))]

    def list_cases(self, case_filter: CaseFilter) -> list[Case]:
        query = _listing(case_filter, t.cases.c.data)
        return [
            snapshot.case_from_dict(snapshot.parse_json(data))
            for data in self.connection.scalars(query)
        ]

    def list_case_texts(self, case_filter: CaseFilter) -> list[CaseText]:
        query = _listing(case_filter, t.cases.c.case_ref, t.cases.c.data)
        return [CaseText(ref, data) for ref, data in self.connection.execute(query)]

    def summary(self, *, due_from: dt.date, due_to: dt.date) -> DocketSummary:
        by_state = {
            str(state): int(count)
            for state, count in self.connection.execute(
                sa.select(t.cases.c.state, sa.func.count()).group_by(t.cases.c.state)
            )
        }
        bars = {
            str(kind): int(count)
            for kind, count in self.connection.execute(
                sa.select(t.case_bars.c.kind, sa.func.count()).group_by(t.case_bars.c.kind)
            )
        }
        due = self.connection.execute(
            sa.select(t.cases.c.case_ref, t.case_deadlines.c.kind, t.case_deadlines.c.due_on)
            .join(t.cases, t.cases.c.case_id == t.case_deadlines.c.case_id)
            .where(t.case_deadlines.c.due_on.between(due_from, due_to))
            .order_by(t.case_deadlines.c.due_on, t.cases.c.case_ref)
        )
        return DocketSummary(
            cases_by_state={state.value: int(by_state.get(state.value, 0)) for state in CaseState},
            bars_in_force=dict(sorted(bars.items())),
            deadlines_due=[(ref, kind, day) for ref, kind, day in due],
            persons=int(
                self.connection.scalar(sa.select(sa.func.count()).select_from(t.persons)) or 0
            ),
            events=int(
                self.connection.scalar(sa.select(sa.func.count()).select_from(t.events)) or 0
            ),
        )


def _listing(case_filter: CaseFilter, *columns: sa.ColumnElement[Any]) -> sa.Select[Any]:
    """``columns`` of the cases ``case_filter`` picks, by reference."""
    query = sa.select(*columns).order_by(t.cases.c.case_ref).limit(case_filter.limit)
    if case_filter.state is not None:
        query = query.where(t.cases.c.state == case_filter.state.value)
    if case_filter.field_office is not None:
        query = query.where(t.cases.c.field_office == case_filter.field_office)
    if case_filter.bar is not None:
        query = query.where(
            t.cases.c.case_id.in_(
                sa.select(t.case_bars.c.case_id).where(t.case_bars.c.kind == case_filter.bar.value)
            )
        )
    if case_filter.deadline_before is not None:
        query = query.where(
            t.cases.c.case_id.in_(
                sa.select(t.case_deadlines.c.case_id).where(
                    t.case_deadlines.c.due_on < case_filter.deadline_before
                )
            )
        )
    if case_filter.after_case_ref is not None:
        query = query.where(t.cases.c.case_ref > case_filter.after_case_ref)
    return query
