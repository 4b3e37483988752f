"""The unit of work over SQLAlchemy Core: one transaction, the same code for SQLite and PostgreSQL.

A write transaction first takes the log's write lock (``BEGIN IMMEDIATE`` on SQLite, a row lock
on the chain head on PostgreSQL), so writers queue, each sees the latest state, and the chain is
extended by one writer at a time. Events and the projection they produce commit together.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from docket.audit.chain import EVENTS_CHAIN, canonical_json, link_hash
from docket.cases import snapshot
from docket.cases.events import Event, EventKind, StreamType
from docket.cases.model import Case, CaseState, Person
from docket.cases.ports import CaseFilter, CommandRecord, DocketSummary
from docket.errors import VersionConflict
from docket.storage import schema as t
from docket.storage.engine import WRITE_OPTION

_IN_CHUNK = 500
"""Bound on values in one ``IN (...)`` list."""


def event_fields(event: Event, seq: int) -> dict[str, Any]:
    """The stored (and hashed) columns of ``event`` at position ``seq``."""
    return {
        "seq": seq,
        "stream_type": event.stream_type.value,
        "stream_id": event.stream_id,
        "stream_version": event.stream_version,
        "kind": event.kind.value,
        "occurred_on": event.occurred_on.isoformat(),
        "recorded_at": event.recorded_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor,
        "legal_basis": event.legal_basis,
        "document_ref": event.document_ref,
        "data": canonical_json(event.data),
    }


HASHED_COLUMNS = (
    "seq",
    "stream_type",
    "stream_id",
    "stream_version",
    "kind",
    "occurred_on",
    "recorded_at",
    "actor",
    "legal_basis",
    "document_ref",
    "data",
)


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
        data=json.loads(row.data),
        seq=row.seq,
    )


def case_row(case: Case) -> dict[str, Any]:
    """The ``cases`` row of ``case``."""
    return {
        "case_id": case.case_id,
        "case_ref": case.case_ref,
        "person_id": case.person_id,
        "field_office": case.field_office,
        "state": case.state.value,
        "opened_on": case.opened_on,
        "version": case.version,
        "data": canonical_json(snapshot.case_to_dict(case)),
    }


def person_row(person: Person) -> dict[str, Any]:
    """The ``persons`` row of ``person``."""
    return {
        "person_id": person.person_id,
        "a_number": person.a_number,
        "given_name": person.name.given_name,
        "family_name": person.name.family_name,
        "date_of_birth": person.date_of_birth,
        "version": person.version,
        "data": canonical_json(snapshot.person_to_dict(person)),
    }


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


class SqlReadTransaction:
    """Reads within one transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection

    def get_case_by_ref(self, case_ref: str) -> Case | None:
        data = self.connection.scalar(
            sa.select(t.cases.c.data).where(t.cases.c.case_ref == case_ref)
        )
        return snapshot.case_from_dict(json.loads(data)) if data else None

    def get_person(self, person_id: str) -> Person | None:
        data = self.connection.scalar(
            sa.select(t.persons.c.data).where(t.persons.c.person_id == person_id)
        )
        return snapshot.person_from_dict(json.loads(data)) if data else None

    def stream_events(self, stream_id: str) -> list[Event]:
        rows = self.connection.execute(
            sa.select(t.events)
            .where(t.events.c.stream_id == stream_id)
            .order_by(t.events.c.stream_version)
        )
        return [event_from_row(row) for row in rows]

    def list_cases(self, case_filter: CaseFilter) -> list[Case]:
        query = sa.select(t.cases.c.data).order_by(t.cases.c.case_ref).limit(case_filter.limit)
        if case_filter.state is not None:
            query = query.where(t.cases.c.state == case_filter.state.value)
        if case_filter.field_office is not None:
            query = query.where(t.cases.c.field_office == case_filter.field_office)
        if case_filter.bar is not None:
            query = query.where(
                t.cases.c.case_id.in_(
                    sa.select(t.case_bars.c.case_id).where(
                        t.case_bars.c.kind == case_filter.bar.value
                    )
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
        return [
            snapshot.case_from_dict(json.loads(data)) for data in self.connection.scalars(query)
        ]

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


class SqlWriteTransaction(SqlReadTransaction):
    """A write transaction holding the log's write lock."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        # The head row is made by the first migration, so this lock always has a row to hold.
        length, head_hash = connection.execute(
            sa.select(t.chain_heads.c.length, t.chain_heads.c.head_hash)
            .where(t.chain_heads.c.chain == EVENTS_CHAIN)
            .with_for_update()
        ).one()
        self._length, self._head_hash = int(length), str(head_hash)
        self._appended = False

    def _insert_many(self, table: sa.Table, rows: Sequence[dict[str, Any]]) -> None:
        """Insert ``rows`` straight through the driver: COPY on PostgreSQL, ``executemany`` on
        SQLite. Bulk import spends most of its time here, and per-row statement compilation
        would double it."""
        if not rows:
            return
        columns = list(rows[0])
        names = ", ".join(columns)
        if self.connection.dialect.name == "postgresql":
            driver = self.connection.connection.driver_connection
            assert driver is not None
            with (
                driver.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row([row[c] for c in columns])
            return
        marks = ", ".join("?" * len(columns))
        dates = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.Date)]
        values = [[row[c] for c in columns] for row in rows]
        for value in values:
            for i in dates:  # SQLAlchemy's Date keeps ISO text in SQLite; write the same text
                if value[i] is not None:
                    value[i] = value[i].isoformat()
        self.connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",  # noqa: S608 names are ours
            [tuple(value) for value in values],
        )

    # persons ------------------------------------------------------------------------------
    def find_persons_by_a_number(self, a_numbers: Collection[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        for chunk in _chunks(sorted(set(a_numbers))):
            for data in self.connection.scalars(
                sa.select(t.persons.c.data).where(t.persons.c.a_number.in_(chunk))
            ):
                person = snapshot.person_from_dict(json.loads(data))
                assert person.a_number is not None
                found[person.a_number] = person
        return found

    def add_persons(self, persons: Sequence[Person]) -> None:
        self._insert_many(t.persons, [person_row(p) for p in persons])

    def save_person(self, person: Person, *, expected_version: int) -> None:
        row = person_row(person)
        result = self.connection.execute(
            t.persons.update()
            .where(t.persons.c.person_id == person.person_id)
            .where(t.persons.c.version == expected_version)
            .values(**{k: v for k, v in row.items() if k != "person_id"})
        )
        if result.rowcount != 1:
            raise VersionConflict(
                f"person {person.person_id} changed since version {expected_version}",
                details={"person_id": person.person_id, "expected_version": expected_version},
            )

    # cases --------------------------------------------------------------------------------
    def existing_case_refs(self, case_refs: Collection[str]) -> set[str]:
        found: set[str] = set()
        for chunk in _chunks(sorted(set(case_refs))):
            found.update(
                self.connection.scalars(
                    sa.select(t.cases.c.case_ref).where(t.cases.c.case_ref.in_(chunk))
                )
            )
        return found

    def add_cases(self, cases: Sequence[Case]) -> None:
        self._insert_many(t.cases, [case_row(c) for c in cases])
        self._write_indexes(cases)

    def save_case(self, case: Case, *, expected_version: int) -> None:
        row = case_row(case)
        result = self.connection.execute(
            t.cases.update()
            .where(t.cases.c.case_id == case.case_id)
            .where(t.cases.c.version == expected_version)
            .values(
                state=row["state"],
                field_office=row["field_office"],
                version=row["version"],
                data=row["data"],
            )
        )
        if result.rowcount != 1:
            raise VersionConflict(
                f"case {case.case_ref} changed since version {expected_version}",
                details={"case_ref": case.case_ref, "expected_version": expected_version},
            )
        self.connection.execute(t.case_bars.delete().where(t.case_bars.c.case_id == case.case_id))
        self.connection.execute(
            t.case_deadlines.delete().where(t.case_deadlines.c.case_id == case.case_id)
        )
        self._write_indexes([case])

    def _write_indexes(self, cases: Sequence[Case]) -> None:
        bars = [{"case_id": c.case_id, "kind": b.kind.value} for c in cases for b in c.bars]
        deadlines = [
            {"case_id": c.case_id, "kind": kind, "due_on": day}
            for c in cases
            for kind, day in c.deadlines().items()
        ]
        self._insert_many(t.case_bars, bars)
        self._insert_many(t.case_deadlines, deadlines)

    # the log ------------------------------------------------------------------------------
    def append(self, events: Sequence[Event]) -> list[int]:
        rows: list[dict[str, Any]] = []
        length, prev = self._length, self._head_hash
        for event in events:
            length += 1
            fields = event_fields(event, length)
            digest = link_hash(fields, prev)
            fields["prev_hash"], fields["hash"] = prev, digest
            rows.append(fields)
            prev = digest
        if rows:
            self._insert_many(t.events, rows)
        seqs = list(range(self._length + 1, length + 1))
        self._length, self._head_hash = length, prev
        self._appended = self._appended or bool(rows)
        return seqs

    def get_command(self, idempotency_key: str) -> CommandRecord | None:
        row = self.connection.execute(
            sa.select(t.commands).where(t.commands.c.idempotency_key == idempotency_key)
        ).first()
        if row is None:
            return None
        return CommandRecord(
            idempotency_key=row.idempotency_key,
            request_hash=row.request_hash,
            result=row.result,
            recorded_at=dt.datetime.fromisoformat(row.recorded_at),
        )

    def add_command(self, record: CommandRecord) -> None:
        self.connection.execute(
            t.commands.insert().values(
                idempotency_key=record.idempotency_key,
                request_hash=record.request_hash,
                result=record.result,
                recorded_at=record.recorded_at.isoformat(timespec="microseconds"),
            )
        )

    def flush_head(self) -> None:
        """Record the new chain head; called just before commit."""
        if not self._appended:
            return
        self.connection.execute(
            t.chain_heads.update()
            .where(t.chain_heads.c.chain == EVENTS_CHAIN)
            .values(length=self._length, head_hash=self._head_hash)
        )


class SqlUnitOfWork:
    """Transactions on one engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def write(self) -> Iterator[SqlWriteTransaction]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                tx = SqlWriteTransaction(connection)
                yield tx
                tx.flush_head()

    @contextmanager
    def read(self) -> Iterator[SqlReadTransaction]:
        with self.engine.connect() as connection, connection.begin():
            yield SqlReadTransaction(connection)
