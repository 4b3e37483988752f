"""Write transactions: the log's write lock held, events chained and appended, and the
projection (persons, cases, their bars, deadlines and documents) saved with them, on SQLite
and PostgreSQL alike. :class:`~docket.storage.unit_of_work.SqlUnitOfWork` opens them."""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import json
from collections.abc import Collection, Sequence
from typing import NoReturn, cast

import sqlalchemy as sa

from docket.audit.chain import EVENTS_CHAIN, chain_hashes
from docket.cases import snapshot
from docket.cases.events import Event
from docket.cases.model import Case, Person
from docket.cases.ports import CommandRecord
from docket.errors import VersionConflict
from docket.storage import driver
from docket.storage import schema as t
from docket.storage.case_reads import SqlReadTransaction
from docket.storage.chain_heads import lock_head, move_head
from docket.storage.rows import (
    BAR_COLUMNS,
    CASE_COLUMNS,
    COPY_TAG,
    DEADLINE_COLUMNS,
    DOCUMENT_COLUMNS,
    PERSON_COLUMNS,
    STORED_EVENT_COLUMNS,
    CopyRecords,
    EncodedRecords,
    Values,
    bar_values,
    case_values,
    deadline_values,
    document_values,
    encode_event,
    person_values,
)

_COPY_FROM = 50
"""From this many rows COPY beats INSERT on PostgreSQL; below, its set-up costs more."""


def _keys_in(table: sa.Table, column: str, wanted: str, dialect: str) -> sa.TextClause:
    """``SELECT wanted FROM table WHERE column`` is one of the values of the parameter
    ``keys``, given as one value however many keys there are (see :func:`_keys`): bulk import
    looks up thousands per batch, and a placeholder per key cost more to build and parse than
    the lookup itself."""
    if dialect == "postgresql":  # keys: a text[] array
        condition = "= ANY(:keys)"
    else:  # keys: a JSON array
        condition = "IN (SELECT value FROM json_each(:keys))"
    # Table and column names are this module's own, never input.
    return sa.text(f"SELECT {wanted} FROM {table.name} WHERE {column} {condition}")  # noqa: S608


def _keys(values: Collection[str], dialect: str) -> list[str] | str:
    keys = sorted(set(values))
    return keys if dialect == "postgresql" else json.dumps(keys)


# Version-checked update of a projection row (SET takes the columns given at execution).
_SAVE_PERSON = (
    t.persons.update()
    .where(t.persons.c.person_id == sa.bindparam("key_id"))
    .where(t.persons.c.version == sa.bindparam("key_version"))
)

# What every command runs, on the driver's cursor (see storage.driver): the chain head locked
# and moved on, the idempotency key looked up and kept, the case saved over its version.
_COMMAND = driver.Statement.of(
    "SELECT request_hash, result, recorded_at FROM commands WHERE idempotency_key = %s"
)
_ADD_COMMAND = driver.Statement.insert(
    "commands", ("idempotency_key", "request_hash", "result", "recorded_at")
)
_SAVE_CASE = driver.Statement.of(
    "UPDATE cases SET state = %s, field_office = %s, version = %s, data = %s"
    " WHERE case_id = %s AND version = %s"
)
_DELETE_BARS = driver.Statement.of("DELETE FROM case_bars WHERE case_id = %s")
_DELETE_DEADLINES = driver.Statement.of("DELETE FROM case_deadlines WHERE case_id = %s")


@functools.cache
def _insert(table: str, columns: tuple[str, ...]) -> driver.Statement:
    return driver.Statement.insert(table, columns)


def _refuse_stale(person: Person, expected_version: int) -> NoReturn:
    raise VersionConflict(
        f"person {person.person_id} changed since version {expected_version}",
        details={"person_id": person.person_id, "expected_version": expected_version},
    )


class SqlWriteTransaction(SqlReadTransaction):
    """A write transaction holding the log's write lock."""

    def __init__(self, connection: sa.Connection) -> None:
        super().__init__(connection)
        self._length, self._head_hash = lock_head(connection, EVENTS_CHAIN)
        self._appended = False
        self._postgresql = connection.dialect.name == "postgresql"

    def _insert_many(self, table: sa.Table, columns: Sequence[str], rows: Sequence[Values]) -> None:
        """Insert ``rows`` (tuples from ``storage.rows``) straight through the driver: COPY on
        PostgreSQL, ``executemany`` on SQLite. Bulk import spends most of its time here, and
        per-row statement compilation would double it."""
        if not rows:
            return
        names = ", ".join(columns)
        postgresql = self.connection.dialect.name == "postgresql"
        if postgresql and len(rows) >= _COPY_FROM:
            raw = self.connection.connection.driver_connection
            assert raw is not None
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        driver.run_many(self.connection, _insert(table.name, tuple(columns)), rows)

    # persons ------------------------------------------------------------------------------
    def find_persons_by_a_number(self, a_numbers: Collection[str]) -> dict[str, Person]:
        found: dict[str, Person] = {}
        dialect = self.connection.dialect.name
        query = _keys_in(t.persons, "a_number", "data", dialect)
        for data in self.connection.scalars(query, {"keys": _keys(a_numbers, dialect)}):
            person = snapshot.person_from_dict(json.loads(data))
            assert person.a_number is not None
            found[person.a_number] = person
        return found

    def add_persons(self, persons: Sequence[Person]) -> None:
        self._insert_many(t.persons, PERSON_COLUMNS, [person_values(p) for p in persons])
        self._insert_many(t.person_documents, DOCUMENT_COLUMNS, document_values(persons))

    def save_person(self, person: Person, *, expected_version: int) -> None:
        self.save_persons([(person, expected_version)])

    def save_persons(self, saves: Sequence[tuple[Person, int]]) -> None:
        """Save each person over the version expected of it: one statement for them all (bulk
        import brings a few hundred known persons up to date per batch), then their identity
        documents replaced."""
        if not saves:
            return
        ids = [person.person_id for person, _ in saves]
        stored = dict(
            self.connection.execute(
                sa.select(t.persons.c.person_id, t.persons.c.version).where(
                    t.persons.c.person_id.in_(ids)
                )
            ).all()
        )
        params = []
        for person, expected_version in saves:
            if stored.get(person.person_id) != expected_version:
                _refuse_stale(person, expected_version)
            values = dict(zip(PERSON_COLUMNS, person_values(person), strict=True))
            del values["person_id"]
            values["date_of_birth"] = person.date_of_birth  # the Date column takes a date here
            params.append({"key_id": person.person_id, "key_version": expected_version, **values})
        result = self.connection.execute(_SAVE_PERSON, params)
        if result.rowcount != len(params):  # not after the check above, under the write lock
            _refuse_stale(*saves[0])
        self.connection.execute(
            t.person_documents.delete().where(t.person_documents.c.person_id.in_(ids))
        )
        persons = [person for person, _ in saves]
        self._insert_many(t.person_documents, DOCUMENT_COLUMNS, document_values(persons))

    # cases --------------------------------------------------------------------------------
    def existing_case_refs(self, case_refs: Collection[str]) -> set[str]:
        dialect = self.connection.dialect.name
        query = _keys_in(t.cases, "case_ref", "case_ref", dialect)
        return set(self.connection.scalars(query, {"keys": _keys(case_refs, dialect)}))

    def add_cases(self, cases: Sequence[Case]) -> None:
        self._insert_many(t.cases, CASE_COLUMNS, [case_values(c) for c in cases])
        self._write_indexes(cases)

    def save_case(self, case: Case, *, expected_version: int) -> None:
        saved = driver.run(
            self.connection,
            _SAVE_CASE,
            (
                case.state.value,
                case.field_office,
                case.version,
                snapshot.case_text(case),
                case.case_id,
                expected_version,
            ),
        )
        if saved.rowcount != 1:
            raise VersionConflict(
                f"case {case.case_ref} changed since version {expected_version}",
                details={"case_ref": case.case_ref, "expected_version": expected_version},
            )
        driver.run(self.connection, _DELETE_BARS, (case.case_id,))
        driver.run(self.connection, _DELETE_DEADLINES, (case.case_id,))
        self._write_indexes([case])

    def _write_indexes(self, cases: Sequence[Case]) -> None:
        self._insert_many(t.case_bars, BAR_COLUMNS, bar_values(cases))
        self._insert_many(t.case_deadlines, DEADLINE_COLUMNS, deadline_values(cases))

    # the log ------------------------------------------------------------------------------
    def append(self, events: Sequence[Event]) -> list[int]:
        return self._chain([encode_event(e) for e in events])

    def write_encoded(self, encoded: Sequence[object]) -> list[int]:
        if self._postgresql:
            copied = cast("list[CopyRecords]", list(encoded))
            if not all(isinstance(r, tuple) and r[:1] == (COPY_TAG,) for r in copied):
                raise TypeError("write_encoded takes what storage.rows.encode_copy_records made")
            events = [e for r in copied for e in r[1]]
            first, prevs, digests = self._link([body for _, body in events])
            lines: list[bytes] = []
            add = lines.extend
            for seq, (fields, _), prev, digest in zip(
                itertools.count(first), events, prevs, digests, strict=False
            ):
                # The fields as the worker encoded them, between texts made here.
                add((f"{seq}\t".encode(), fields, f"\t{prev}\t{digest}\n".encode()))
            self._copy_text(t.events, STORED_EVENT_COLUMNS, b"".join(lines))
            for table, columns, position in (
                (t.persons, PERSON_COLUMNS, 2),
                (t.cases, CASE_COLUMNS, 3),
                (t.case_bars, BAR_COLUMNS, 4),
                (t.case_deadlines, DEADLINE_COLUMNS, 5),
                (t.person_documents, DOCUMENT_COLUMNS, 6),
            ):
                self._copy_text(
                    table, columns, b"".join([cast(bytes, r[position]) for r in copied])
                )
            return list(range(first, first + len(events)))
        records = cast("list[EncodedRecords]", list(encoded))
        if not all(isinstance(r, tuple) and len(r) == 6 for r in records):
            raise TypeError("write_encoded takes what storage.rows.encode_records made")
        seqs = self._chain([e for r in records for e in r[0]])
        for table, columns, position in (
            (t.persons, PERSON_COLUMNS, 1),
            (t.cases, CASE_COLUMNS, 2),
            (t.case_bars, BAR_COLUMNS, 3),
            (t.case_deadlines, DEADLINE_COLUMNS, 4),
            (t.person_documents, DOCUMENT_COLUMNS, 5),
        ):
            self._insert_many(table, columns, [row for r in records for row in r[position]])
        return seqs

    def _link(self, bodies: Sequence[bytes]) -> tuple[int, list[str], list[str]]:
        """Place a run of events (the bodies of their hashes) after the head: the first one's
        ``seq``, then each one's previous hash and its own. The new head is kept for
        :meth:`flush_head`."""
        first, prev = self._length + 1, self._head_hash
        digests = chain_hashes(first, bodies, prev)
        prevs = [prev, *digests[:-1]]
        if digests:
            self._length, self._head_hash = self._length + len(digests), digests[-1]
            self._appended = True
        return first, prevs, digests

    def _chain(self, events: list[tuple[Values, bytes]]) -> list[int]:
        """Give each event its place and its hash, in order, and insert them."""
        first, prevs, digests = self._link([body for _, body in events])
        stored = [
            (seq, *values, prev, digest)
            for seq, (values, _), prev, digest in zip(
                itertools.count(first), events, prevs, digests, strict=False
            )
        ]
        self._insert_many(t.events, STORED_EVENT_COLUMNS, stored)
        return list(range(first, first + len(stored)))

    def _copy_text(self, table: sa.Table, columns: Sequence[str], text: bytes) -> None:
        """Send ``text`` (COPY text lines made by ``storage.rows``, UTF-8) to ``table`` in one
        COPY."""
        if not text:
            return
        raw = self.connection.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            copy.write(text)

    def get_command(self, idempotency_key: str) -> CommandRecord | None:
        row = driver.run(self.connection, _COMMAND, (idempotency_key,)).fetchone()
        if row is None:
            return None
        request_hash, result, recorded_at = row
        return CommandRecord(
            idempotency_key=idempotency_key,
            request_hash=request_hash,
            result=result,
            recorded_at=dt.datetime.fromisoformat(recorded_at),
        )

    def add_command(self, record: CommandRecord) -> None:
        driver.run(
            self.connection,
            _ADD_COMMAND,
            (
                record.idempotency_key,
                record.request_hash,
                record.result,
                record.recorded_at.isoformat(timespec="microseconds"),
            ),
        )

    def flush_head(self) -> None:
        """Record the new chain head; called just before commit."""
        if not self._appended:
            return
        move_head(self.connection, EVENTS_CHAIN, self._length, self._head_hash)
