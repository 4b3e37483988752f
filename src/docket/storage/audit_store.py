"""Reads for ``audit verify``: the log in order, its recorded head, and the stored projection."""

from __future__ import annotations

import datetime as dt
import hashlib
import zlib
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from docket.audit.access import ACCESS_CHAIN, ACCESS_COLUMNS
from docket.audit.chain import EVENTS_CHAIN, ChainHead, StoredLink
from docket.audit.models import MODEL_COLUMNS, model_digest
from docket.audit.reports import DEPARTURES_CHAIN, REPORT_COLUMNS
from docket.audit.verify import RUN_DETAILS, detail_text
from docket.cases.events import Event, StreamType
from docket.cases.model import Case, Person
from docket.storage import schema as t
from docket.storage.case_reads import event_from_row
from docket.storage.rows import (
    CASE_COLUMNS,
    EVENT_COLUMNS,
    PERSON_COLUMNS,
    Values,
    bar_values,
    case_values,
    deadline_values,
    document_values,
    person_values,
)

_FETCH = 5000
_CHAINS = {
    EVENTS_CHAIN: (t.events, t.events.c.seq, EVENT_COLUMNS),
    ACCESS_CHAIN: (t.access_log, t.access_log.c.seq, ACCESS_COLUMNS),
    DEPARTURES_CHAIN: (t.departure_reports, t.departure_reports.c.report_seq, REPORT_COLUMNS),
}
"""Each chain's table, its place column and the other columns its hashes cover."""


class SqlAuditStore:
    """Streams the log without holding it in memory (server-side cursors on PostgreSQL)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._snapshot: sa.Connection | None = None

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read until it ends sees one state of the database: one transaction on one
        connection (REPEATABLE READ on PostgreSQL; on SQLite, a read transaction is one
        snapshot), so that writes committed while the log is verified are not half seen
        (a head read before a write and links read after it, or a record read after the
        write and its events before it, would look like tampering)."""
        with self.engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                # The snapshot is taken at the transaction's first read, not at BEGIN.
                connection.execute(sa.select(t.chain_heads.c.chain).limit(1)).all()
                self._snapshot = connection
                try:
                    yield
                finally:
                    self._snapshot = None

    @contextmanager
    def _connected(self) -> Iterator[sa.Connection]:
        """The snapshot's connection inside :meth:`snapshot`, else a connection of its own."""
        if self._snapshot is not None:
            yield self._snapshot
            return
        with self.engine.connect() as connection:
            yield connection

    def chain_head(self, chain: str) -> ChainHead | None:
        with self._connected() as connection:
            row = connection.execute(
                sa.select(t.chain_heads.c.length, t.chain_heads.c.head_hash).where(
                    t.chain_heads.c.chain == chain
                )
            ).first()
        return ChainHead(chain, int(row[0]), str(row[1])) if row else None

    def chain_links(self, chain: str) -> Iterator[StoredLink]:
        table, place, hashed = _CHAINS[chain]
        columns = [table.c[name] for name in hashed]
        query = sa.select(place.label("seq"), *columns, table.c.prev_hash, table.c.hash).order_by(
            place
        )
        with self._connected() as connection:
            result = connection.execution_options(yield_per=_FETCH).execute(query)
            for row in result:
                values = row._mapping
                yield StoredLink(
                    seq=int(values["seq"]),
                    fields={"seq": int(values["seq"]), **{name: values[name] for name in hashed}},
                    prev_hash=values["prev_hash"],
                    hash=values["hash"],
                )

    def streams(self) -> Iterator[tuple[StreamType, str, list[Event]]]:
        query = sa.select(t.events).order_by(t.events.c.stream_id, t.events.c.stream_version)
        current: list[Event] = []
        with self._connected() as connection:
            for row in connection.execution_options(yield_per=_FETCH).execute(query):
                event = event_from_row(row)
                if current and current[0].stream_id != event.stream_id:
                    yield current[0].stream_type, current[0].stream_id, current
                    current = []
                current.append(event)
        if current:
            yield current[0].stream_type, current[0].stream_id, current

    def stored_cases(self, case_ids: Sequence[str]) -> dict[str, str]:
        with self._connected() as connection:
            rows = connection.execute(
                sa.select(t.cases.c.case_id, t.cases.c.data).where(t.cases.c.case_id.in_(case_ids))
            )
            return {row.case_id: row.data for row in rows}

    def stored_persons(self, person_ids: Sequence[str]) -> dict[str, str]:
        with self._connected() as connection:
            rows = connection.execute(
                sa.select(t.persons.c.person_id, t.persons.c.data).where(
                    t.persons.c.person_id.in_(person_ids)
                )
            )
            return {row.person_id: row.data for row in rows}

    def index_differences(
        self, cases: Sequence[Case], persons: Sequence[Person]
    ) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        with self._connected() as connection:
            if persons:
                ids = [p.person_id for p in persons]
                documents = _grouped(connection, t.person_documents, ids)
                stored = _columns(connection, t.persons, PERSON_COLUMNS, ids)
                for person in persons:
                    differing = _differing_columns(
                        PERSON_COLUMNS, stored.get(person.person_id), person_values(person)
                    )
                    if documents.get(person.person_id, set()) != {
                        (number,) for number, _ in document_values([person])
                    }:
                        differing.append("person_documents")
                    if differing:
                        found[person.person_id] = differing
            if cases:
                case_ids = [c.case_id for c in cases]
                bars = _grouped(connection, t.case_bars, case_ids)
                deadlines = _grouped(connection, t.case_deadlines, case_ids)
                stored = _columns(connection, t.cases, CASE_COLUMNS, case_ids)
                for case in cases:
                    differing = _differing_columns(
                        CASE_COLUMNS, stored.get(case.case_id), case_values(case)
                    )
                    if bars.get(case.case_id, set()) != {v[1:] for v in bar_values([case])}:
                        differing.append("case_bars")
                    if deadlines.get(case.case_id, set()) != {
                        v[1:] for v in deadline_values([case])
                    }:
                        differing.append("case_deadlines")
                    if differing:
                        found[case.case_id] = differing
        return found

    def projections_without_events(self) -> list[str]:
        # NOT EXISTS, an anti-join on the events' stream index: PostgreSQL runs ``NOT IN
        # (subquery)`` as a scan of the subquery per row unless it fits in work_mem (a million
        # cases took more than 13 minutes).
        def without_events(key: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
            return ~sa.exists().where(t.events.c.stream_id == key)

        with self._connected() as connection:
            cases = connection.scalars(
                sa.select(t.cases.c.case_ref).where(without_events(t.cases.c.case_id)).limit(10)
            ).all()
            people = connection.scalars(
                sa.select(t.persons.c.person_id)
                .where(without_events(t.persons.c.person_id))
                .limit(10)
            ).all()
        return [f"case {ref}" for ref in cases] + [f"person {pid}" for pid in people]

    def kept_runs(self) -> Iterator[tuple[str, Mapping[str, str], str]]:
        runs = t.priority_runs.c
        columns = [getattr(runs, name) for name in RUN_DETAILS]
        with self._connected() as connection:
            ids = connection.scalars(sa.select(runs.run_id).order_by(runs.run_id)).all()
            for run_id in ids:  # one output at a time: a full run's is tens of megabytes
                row = connection.execute(
                    sa.select(*columns, runs.output).where(runs.run_id == run_id)
                ).one()
                details = {
                    name: detail_text(value)
                    for name, value in zip(RUN_DETAILS, row[:-1], strict=True)
                }
                yield run_id, details, _output_digest(bytes(row[-1]))

    def kept_models(self) -> Iterator[tuple[str, str]]:
        models = t.linkage_models.c
        with self._connected() as connection:
            versions = connection.scalars(sa.select(models.version).order_by(models.version))
            for version in versions.all():  # one at a time: each holds its term frequencies
                row = connection.execute(
                    sa.select(*(models[name] for name in MODEL_COLUMNS)).where(
                        models.version == version
                    )
                ).one()
                yield (
                    str(version),
                    model_digest({name: row._mapping[name] for name in MODEL_COLUMNS}),
                )


def _output_digest(packed: bytes) -> str:
    """The SHA-256 of a run's output (kept zlib-compressed), or a note that it cannot be
    read: either way, not the digest on the log."""
    digest = hashlib.sha256()
    unpacker = zlib.decompressobj()
    try:
        for start in range(0, len(packed), 1 << 20):
            digest.update(unpacker.decompress(packed[start : start + (1 << 20)]))
        digest.update(unpacker.flush())
    except zlib.error as exc:
        return f"unreadable ({exc})"
    return digest.hexdigest()


# The columns kept beside each record's snapshot, and its index rows ---------------------------


def _plain(value: Any) -> Any:
    """A stored value as the write path makes it: dates as ISO text."""
    return value.isoformat() if isinstance(value, dt.date) else value


def _columns(
    connection: sa.Connection, table: sa.Table, columns: Sequence[str], ids: Sequence[str]
) -> dict[str, Values]:
    """The rows of ``table`` whose first column is in ``ids``, in ``columns`` order."""
    key = table.c[columns[0]]
    rows = connection.execute(sa.select(*(table.c[c] for c in columns)).where(key.in_(ids)))
    return {row[0]: tuple(_plain(v) for v in row) for row in rows}


def _grouped(
    connection: sa.Connection, table: sa.Table, ids: Sequence[str]
) -> dict[str, set[Values]]:
    """The rows of an index table (keyed by ``person_id`` or ``case_id``) for ``ids``: for each
    id, its other columns."""
    key = table.c["person_id"] if "person_id" in table.c else table.c["case_id"]
    others = [c for c in table.c if c.name != key.name]
    grouped: dict[str, set[Values]] = defaultdict(set)
    for row in connection.execute(sa.select(key, *others).where(key.in_(ids))):
        grouped[row[0]].add(tuple(_plain(v) for v in row[1:]))
    return grouped


def _differing_columns(
    columns: Sequence[str], stored: Values | None, expected: Values
) -> list[str]:
    """The columns, other than the snapshot (compared as a record), whose stored value is not
    what writing ``expected`` stores."""
    if stored is None:
        return ["its row"]
    return [
        name
        for name, have, want in zip(columns, stored, expected, strict=True)
        if name != "data" and have != want
    ]
