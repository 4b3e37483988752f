"""Prioritisation's storage: the open docket with its facts, the switch's events, the oversight
log of ranking runs, and the determinations (events on the cases)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from docket.cases.events import Event, EventKind
from docket.cases.model import OPEN_STATES, Case
from docket.cases.ports import CommandRecord
from docket.priority.docket import SnapshotFacts
from docket.priority.ports import SWITCH_STREAM, DocketRow, GroupRow, RunRecord
from docket.storage import schema as t
from docket.storage.case_reads import event_from_row
from docket.storage.case_writes import SqlWriteTransaction
from docket.storage.rows import instant_text
from docket.storage.unit_of_work import SqlUnitOfWork

_BATCH = 20_000


def _json_field(dialect: str, column: Any, *path: str) -> sa.ColumnElement[Any]:
    if dialect == "postgresql":
        return sa.func.json_extract_path_text(sa.cast(column, postgresql.JSON), *path)
    return sa.func.json_extract(column, "$." + ".".join(path))


def docket_query(dialect: str, office: str | None, case_ref: str | None) -> sa.Select[Any]:
    """The bare query of the open docket with everything scoring reads (the benchmark's
    baseline times it alone)."""
    c, p = t.cases.c, t.persons.c
    # The whole snapshot, whose facts scoring reads: orjson parses it faster than SQLite's
    # json_extract would take its facts out (which parses it too, then writes them out again).
    # On SQLite, the unary + keeps the state index out of the plan: open cases are most of the
    # docket, and walking the case_ref index in order needs no sort of them all in a temporary
    # B-tree (at a million cases, more than half of the query's time).
    state = sa.literal_column("+cases.state") if dialect == "sqlite" else c.state
    query = (
        sa.select(c.case_ref, c.person_id, c.opened_on, p.date_of_birth, c.data)
        .join(t.persons, p.person_id == c.person_id)
        .where(state.in_([s.value for s in OPEN_STATES]))
        .order_by(c.case_ref)
    )
    if office is not None:
        query = query.where(c.field_office == office)
    if case_ref is not None:
        query = query.where(c.case_ref == case_ref)
    return query


class SqlPriorityRead:
    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name

    def docket(self, office: str | None, case_ref: str | None = None) -> Iterator[DocketRow]:
        result = self.connection.execution_options(yield_per=_BATCH).execute(
            docket_query(self.dialect, office, case_ref)
        )
        # The facts stay text until scoring reads them (docket.priority.docket says why); rows
        # are given as fetched, so that no more than a batch of texts is held at a time.
        for ref, person_id, opened_on, born_on, data in result:
            yield ref, person_id, opened_on, born_on, SnapshotFacts(data)

    def groups(self) -> Iterator[GroupRow]:
        c, p = t.cases.c, t.persons.c
        query = (
            sa.select(
                c.case_ref,
                _json_field(self.dialect, p.data, "citizenship"),
                _json_field(self.dialect, p.data, "sex"),
                p.date_of_birth,
            )
            .join(t.persons, p.person_id == c.person_id)
            .where(c.state.in_([s.value for s in OPEN_STATES]))
        )
        for ref, citizenship, sex, born in self.connection.execution_options(
            yield_per=_BATCH
        ).execute(query):
            yield ref, citizenship or "", sex or "", born

    def switch_events(self) -> list[Event]:
        rows = self.connection.execute(
            sa.select(t.events)
            .where(t.events.c.stream_id == SWITCH_STREAM)
            .order_by(t.events.c.stream_version)
        )
        return [event_from_row(row) for row in rows]

    def runs(self) -> list[RunRecord]:
        columns = [col for col in t.priority_runs.c if col.name != "output"]
        rows = self.connection.execute(
            sa.select(*columns).order_by(t.priority_runs.c.ran_at, t.priority_runs.c.run_id)
        )
        return [_run(row) for row in rows]

    def run(self, run_id: str) -> RunRecord | None:
        columns = [col for col in t.priority_runs.c if col.name != "output"]
        row = self.connection.execute(
            sa.select(*columns).where(t.priority_runs.c.run_id == run_id)
        ).first()
        return _run(row) if row is not None else None

    def run_output(self, run_id: str) -> bytes:
        data = self.connection.scalar(
            sa.select(t.priority_runs.c.output).where(t.priority_runs.c.run_id == run_id)
        )
        return bytes(data or b"")

    def determinations(self) -> list[Event]:
        rows = self.connection.execute(
            sa.select(t.events)
            .where(t.events.c.kind == EventKind.PRIORITY_DETERMINED.value)
            .order_by(t.events.c.seq)
        )
        return [event_from_row(row) for row in rows]


class SqlPriorityWrite(SqlPriorityRead):
    def __init__(self, tx: SqlWriteTransaction) -> None:
        super().__init__(tx.connection)
        self.tx = tx

    def save_run(self, record: RunRecord, output: bytes) -> None:
        self.connection.execute(
            t.priority_runs.insert(),
            {
                "run_id": record.run_id,
                "ran_at": instant_text(record.ran_at),
                "ran_by": record.ran_by,
                "purpose": record.purpose,
                "policy_name": record.policy_name,
                "policy_version": record.policy_version,
                "policy_hash": record.policy_hash,
                "as_of": record.as_of,
                "rescinded_allowed": record.rescinded_allowed,
                "office": record.office,
                "cases_scored": record.cases_scored,
                "cases_shown": record.cases_shown,
                "output_sha256": record.output_sha256,
                "output": output,
            },
        )

    def append(self, events: Sequence[Event]) -> list[int]:
        return self.tx.append(events)

    def get_case_by_ref(self, case_ref: str) -> Case | None:
        return self.tx.get_case_by_ref(case_ref)

    def save_case(self, case: Case, *, expected_version: int) -> None:
        self.tx.save_case(case, expected_version=expected_version)

    def get_command(self, idempotency_key: str) -> CommandRecord | None:
        return self.tx.get_command(idempotency_key)

    def add_command(self, record: CommandRecord) -> None:
        self.tx.add_command(record)


def _run(row: Any) -> RunRecord:
    return RunRecord(
        run_id=row.run_id,
        ran_at=dt.datetime.fromisoformat(row.ran_at),
        ran_by=row.ran_by,
        purpose=row.purpose,
        policy_name=row.policy_name,
        policy_version=row.policy_version,
        policy_hash=row.policy_hash,
        as_of=row.as_of,
        rescinded_allowed=bool(row.rescinded_allowed),
        office=row.office,
        cases_scored=row.cases_scored,
        cases_shown=row.cases_shown,
        output_sha256=row.output_sha256,
    )


class SqlPriorityStore:
    """Prioritisation on the case store's database (and its write lock)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.uow = uow

    @contextmanager
    def write(self) -> Iterator[SqlPriorityWrite]:
        with self.uow.write() as tx:
            yield SqlPriorityWrite(tx)

    @contextmanager
    def read(self) -> Iterator[SqlPriorityRead]:
        with self.uow.read() as tx:
            yield SqlPriorityRead(tx.connection)
