"""Departure reports, departures and exit-metric counts in SQL: the departure ports'
implementation. Writes share the case store's transaction, so a confirmed departure and the
case event it causes commit together, or neither does."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from docket.audit.chain import chain_hash, link_body
from docket.audit.reports import DEPARTURES_CHAIN
from docket.cases import snapshot
from docket.cases.model import Case, CaseState
from docket.departures.collapse import COLLAPSE_DAYS, Departure
from docket.departures.counts import Counts, Totals
from docket.departures.model import Report, ReviewDecision, Status
from docket.departures.ports import StoredReport
from docket.storage import schema as t
from docket.storage.case_writes import SqlWriteTransaction
from docket.storage.chain_heads import lock_head, move_head
from docket.storage.departure_counts import add_counts, read_counts, read_totals
from docket.storage.departure_rows import (
    READ_BATCH,
    as_departure,
    as_report,
    compared_columns,
    counted_text,
    departure_values,
    person_records,
)
from docket.storage.intake_warming import warm_for_intake
from docket.storage.person_lookup import SqlPersonLookup, chunks
from docket.storage.rows import instant_text
from docket.storage.unit_of_work import SqlUnitOfWork

# The statements the intake runs for every report or batch, built once: building a statement
# and its cache key cost more than running it on SQLite.
_r, _c, _d = t.departure_reports.c, t.cases.c, t.departures.c
_REPORTS_BY_KEY = sa.select(t.departure_reports).where(
    _r.source == sa.bindparam("source"),
    _r.source_record_id.in_(sa.bindparam("record_ids", expanding=True)),
)
_ADD_REPORT = t.departure_reports.insert()
_OPEN_CASES = (
    sa.select(_c.person_id, _c.data)
    .where(
        _c.person_id.in_(sa.bindparam("person_ids", expanding=True)),
        _c.state.not_in((CaseState.CLOSED.value, CaseState.REMOVED.value)),
    )
    .order_by(_c.person_id, _c.case_ref)
)
_DEPARTURES_OF = (
    sa.select(t.departures)
    .where(_d.party.in_(sa.bindparam("parties", expanding=True)))
    .order_by(_d.departure_id)
)
_MOVE_REPORTS = (
    t.departure_reports.update()
    .where(_r.departure_id.in_(sa.bindparam("gone", expanding=True)))
    .values(departure_id=sa.bindparam("into"))
)
_DROP_DEPARTURES = t.departures.delete().where(
    _d.departure_id.in_(sa.bindparam("gone", expanding=True))
)
_ADD_DEPARTURE = t.departures.insert()
_SAVE_DEPARTURE = t.departures.update().where(_d.departure_id == sa.bindparam("key_id"))
"""SET takes the columns given at execution."""


class SqlDepartureRead(SqlPersonLookup):
    def flush(self) -> None:
        """Write what the transaction holds back (see :meth:`SqlDepartureWrite.add_report`);
        every read of the reports calls this first."""

    def reports_by_key(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredReport]:
        self.flush()
        by_source: dict[str, set[str]] = {}
        for source, record_id in keys:
            by_source.setdefault(source, set()).add(record_id)
        found: dict[tuple[str, str], StoredReport] = {}
        for source, record_ids in sorted(by_source.items()):
            for chunk in chunks(sorted(record_ids)):
                rows = self.connection.execute(
                    _REPORTS_BY_KEY, {"source": source, "record_ids": chunk}
                )
                found.update({(row.source, row.source_record_id): as_report(row) for row in rows})
        return found

    def reports(self) -> Iterator[StoredReport]:
        self.flush()
        after = -1
        while True:  # in batches by seq, so a million reports never sit in memory at once
            rows = self.connection.execute(
                sa.select(t.departure_reports)
                .where(t.departure_reports.c.report_seq > after)
                .order_by(t.departure_reports.c.report_seq)
                .limit(READ_BATCH)
            ).all()
            if not rows:
                return
            for row in rows:
                yield as_report(row)
            after = rows[-1].report_seq

    def decided_reports(self) -> set[str]:
        d = t.review_decisions.c
        rows = self.connection.execute(sa.select(d.source, d.source_record_id).distinct())
        return {f"{source}/{record_id}" for source, record_id in rows}

    def departures(self) -> list[Departure]:
        rows = self.connection.execute(
            sa.select(t.departures).order_by(t.departures.c.departure_id)
        )
        return [as_departure(row) for row in rows]

    def counts(
        self, first_day: dt.date | None, last_day: dt.date | None, dimensions: Sequence[str] = ()
    ) -> Counts:
        return read_counts(self.connection, first_day, last_day, dimensions)

    def totals(self) -> Totals:
        return read_totals(self.connection)

    def pending_reviews(self, limit: int) -> list[StoredReport]:
        self.flush()
        r = t.departure_reports.c
        rows = self.connection.execute(
            sa.select(t.departure_reports)
            .where(r.status == Status.REVIEW.value)
            .order_by(r.report_seq)
            .limit(limit)
        )
        return [as_report(row) for row in rows]

    def persons(self, person_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        if not person_ids:
            return {}
        query = compared_columns()
        rows = self.connection.execute(query.where(t.persons.c.person_id.in_(list(person_ids))))
        return dict(person_records(rows))

    def settled_reports(self, link_methods: Collection[str]) -> set[str]:
        self.flush()
        r, d = t.departure_reports.c, t.review_decisions.c
        linked = sa.select(r.source, r.source_record_id).where(r.link_method.in_(link_methods))
        decided = sa.select(d.source, d.source_record_id)
        rows = self.connection.execute(sa.union(linked, decided))
        return {f"{source}/{record_id}" for source, record_id in rows}

    def warm(self, person_ids: Sequence[str], parties: Sequence[str]) -> None:
        warm_for_intake(self.connection, person_ids, parties)

    def vd_overdue(self, today: dt.date) -> int:
        d = t.case_deadlines.c
        return int(
            self.connection.scalar(
                sa.select(sa.func.count())
                .select_from(t.case_deadlines)
                .where(d.kind == "voluntary_departure", d.due_on < today)
            )
            or 0
        )


class SqlDepartureWrite(SqlDepartureRead):
    def __init__(self, tx: SqlWriteTransaction) -> None:
        super().__init__(tx.connection)
        self._cases = tx
        self._chain: tuple[int, str] | None = None
        """The departures chain's length and last hash, once this transaction holds its head
        (locked after the event log's, as every write transaction takes that first)."""
        self._held: list[dict[str, Any]] = []
        """Reports added and not yet written: a batch's go in together, in one statement."""

    @property
    def cases(self) -> SqlWriteTransaction:
        return self._cases

    def flush(self) -> None:
        if self._held:
            self.connection.execute(_ADD_REPORT, self._held)
            self._held = []
            assert self._chain is not None
            move_head(self.connection, DEPARTURES_CHAIN, *self._chain)

    def report(self, source: str, source_record_id: str) -> StoredReport | None:
        self.flush()
        c = t.departure_reports.c
        row = self.connection.execute(
            sa.select(t.departure_reports).where(
                c.source == source, c.source_record_id == source_record_id
            )
        ).first()
        return as_report(row) if row is not None else None

    def add_report(self, stored: StoredReport) -> None:
        if self._chain is None:
            self._chain = lock_head(self.connection, DEPARTURES_CHAIN)
        length, prev = self._chain
        report, counted = stored.report, stored.counted
        received = {
            "source": report.source.value,
            "source_record_id": report.source_record_id,
            "content_hash": stored.content_hash,
            "content": json.dumps(report.content(), sort_keys=True, ensure_ascii=False),
            "departed_on": report.departed_on.isoformat(),
            "received_at": instant_text(stored.received_at),
            "recorded_by": stored.recorded_by,
        }
        digest = chain_hash(length + 1, link_body(received), prev)
        self._chain = (length + 1, digest)
        self._held.append(
            {
                "report_seq": length + 1,
                **received,
                "prev_hash": prev,
                "hash": digest,
                "status": stored.status.value,
                "person_id": stored.person_id,
                "link_method": stored.link_method,
                "match_probability": stored.match_probability,
                "counted": counted_text(counted),
                "departure_id": stored.departure_id,
                "intake_departure_id": stored.intake_departure_id,
                "model_version": stored.model_version,
                "candidates": json.dumps([list(c) for c in stored.candidates]),
            }
        )

    def open_cases_of(self, person_id: str) -> list[Case]:
        return self.open_cases_of_persons([person_id])[person_id]

    def open_cases_of_persons(self, person_ids: Sequence[str]) -> dict[str, list[Case]]:
        found: dict[str, list[Case]] = {pid: [] for pid in person_ids}
        for chunk in chunks(list(found)):
            rows = self.connection.execute(_OPEN_CASES, {"person_ids": chunk})
            for person_id, data in rows:
                found[person_id].append(snapshot.case_from_dict(json.loads(data)))
        return found

    def departures_taking(self, party: str, on: dt.date) -> list[Departure]:
        c = t.departures.c
        window = dt.timedelta(days=COLLAPSE_DAYS)
        rows = self.connection.execute(
            sa.select(t.departures)
            .where(
                c.party == party,
                c.first_on <= (on + window).isoformat(),
                c.last_on >= (on - window).isoformat(),
            )
            .order_by(c.departure_id)
        )
        return [as_departure(row) for row in rows]

    def save_departure(self, departure: Departure, *, replacing: Sequence[Departure]) -> None:
        gone = [d.departure_id for d in replacing if d.departure_id != departure.departure_id]
        if gone:
            for held in self._held:  # reports of the departures gone move, written or not
                if held["departure_id"] in gone:
                    held["departure_id"] = departure.departure_id
            self.connection.execute(_MOVE_REPORTS, {"gone": gone, "into": departure.departure_id})
            self.connection.execute(_DROP_DEPARTURES, {"gone": gone})
        values = departure_values(departure)
        if any(d.departure_id == departure.departure_id for d in replacing):
            key = values.pop("departure_id")
            self.connection.execute(_SAVE_DEPARTURE, {"key_id": key, **values})
        else:
            self.connection.execute(_ADD_DEPARTURE, values)

    def person_exists(self, person_id: str) -> bool:
        found = self.connection.scalar(
            sa.select(t.persons.c.person_id).where(t.persons.c.person_id == person_id)
        )
        return found is not None

    def reports_of_parties(self, parties: Sequence[str]) -> dict[str, list[StoredReport]]:
        self.flush()
        r, d = t.departure_reports.c, t.departures.c
        found: dict[str, list[StoredReport]] = {}
        for chunk in chunks(parties):
            rows = self.connection.execute(
                sa.select(t.departure_reports, d.party)
                .join(t.departures, d.departure_id == r.departure_id)
                .where(d.party.in_(chunk))
                .order_by(r.report_seq)
            )
            for row in rows:
                found.setdefault(row.party, []).append(as_report(row))
        return found

    def departures_of_parties(self, parties: Sequence[str]) -> dict[str, list[Departure]]:
        found: dict[str, list[Departure]] = {}
        for chunk in chunks(parties):
            rows = self.connection.execute(_DEPARTURES_OF, {"parties": chunk})
            for row in rows:
                found.setdefault(row.party, []).append(as_departure(row))
        return found

    def update_reports(self, stored: Sequence[StoredReport]) -> None:
        self.flush()
        if not stored:
            return
        r = t.departure_reports.c
        self.connection.execute(
            t.departure_reports.update()
            .where(r.source == sa.bindparam("key_source"))
            .where(r.source_record_id == sa.bindparam("key_record_id")),
            [
                {
                    "key_source": s.report.source.value,
                    "key_record_id": s.report.source_record_id,
                    "status": s.status.value,
                    "person_id": s.person_id,
                    "link_method": s.link_method,
                    "match_probability": s.match_probability,
                    "counted": counted_text(s.counted),
                    "intake_departure_id": s.intake_departure_id,
                    "model_version": s.model_version,
                    "candidates": json.dumps([list(c) for c in s.candidates]),
                }
                for s in stored
            ],
        )

    def replace_departures(
        self, old: Sequence[Departure], new: Sequence[Departure], owners: Mapping[str, str]
    ) -> None:
        self.flush()
        for chunk in chunks([d.departure_id for d in old]):
            self.connection.execute(
                t.departures.delete().where(t.departures.c.departure_id.in_(chunk))
            )
        if new:
            self.connection.execute(
                t.departures.insert(), [departure_values(departure) for departure in new]
            )
        if owners:
            r = t.departure_reports.c
            self.connection.execute(
                t.departure_reports.update()
                .where(r.source == sa.bindparam("key_source"))
                .where(r.source_record_id == sa.bindparam("key_record_id"))
                .values(departure_id=sa.bindparam("owner")),
                [
                    {
                        "key_source": key.split("/", 1)[0],
                        "key_record_id": key.split("/", 1)[1],
                        "owner": departure_id,
                    }
                    for key, departure_id in owners.items()
                ],
            )

    def add_decision(
        self,
        *,
        report: Report,
        decision: ReviewDecision,
        person_id: str | None,
        reason: str,
        decided_by: str,
        decided_at: dt.datetime,
    ) -> None:
        top = self.connection.scalar(sa.select(sa.func.max(t.review_decisions.c.decision_seq)))
        self.connection.execute(
            t.review_decisions.insert(),
            {
                "decision_seq": int(top or 0) + 1,
                "source": report.source.value,
                "source_record_id": report.source_record_id,
                "decision": decision.value,
                "person_id": person_id,
                "reason": reason,
                "decided_by": decided_by,
                "decided_at": instant_text(decided_at),
            },
        )

    def add_counts(self, counts: Counts) -> None:
        add_counts(self.connection, counts)


class SqlDepartureStore:
    """The departure store on the case store's database (and its write lock)."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.uow = uow

    @contextmanager
    def write(self) -> Iterator[SqlDepartureWrite]:
        with self.uow.write() as tx:
            departures = SqlDepartureWrite(tx)
            yield departures
            departures.flush()

    @contextmanager
    def read(self) -> Iterator[SqlDepartureRead]:
        with self.uow.read() as tx:
            yield SqlDepartureRead(tx.connection)
