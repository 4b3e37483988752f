"""Concurrent writers on one case: none loses an update; one idempotency key, one event."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from docket.audit.verify import verify
from docket.cases.events import EventKind
from docket.cases.service import show_case
from docket.errors import VersionConflict
from docket.storage.audit_store import SqlAuditStore
from tests.builders import in_proceedings, record

K = EventKind
WRITERS = 8
WRITES_EACH = 6


def test_concurrent_writers_with_expected_versions_lose_no_update(docket):
    in_proceedings(docket)
    start = threading.Barrier(WRITERS)
    conflicts = []

    def writer(number: int) -> list[int]:
        written = []
        start.wait()
        for attempt in range(WRITES_EACH):
            while True:
                version = show_case(uow=docket.uow, case_ref="DKT-S-1").case.version
                try:
                    result = record(
                        docket,
                        "DKT-S-1",
                        K.HEARING_HELD,
                        document_ref=f"W{number}-{attempt}",
                        expected_version=version,
                    )
                except VersionConflict:
                    conflicts.append(number)
                    continue
                written.append(result.version)
                break
        return written

    with ThreadPoolExecutor(WRITERS) as pool:
        versions = [v for written in pool.map(writer, range(WRITERS)) for v in written]
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    # Every acknowledged write got its own version, and every one of them is in the log.
    assert sorted(versions) == list(range(4, 4 + WRITERS * WRITES_EACH))
    documents = {e.document_ref for e in view.events if e.kind is K.HEARING_HELD}
    assert documents == {f"W{n}-{a}" for n in range(WRITERS) for a in range(WRITES_EACH)}
    assert view.case.version == 3 + WRITERS * WRITES_EACH
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_concurrent_writers_without_versions_are_serialised_and_all_recorded(docket):
    in_proceedings(docket)
    with ThreadPoolExecutor(WRITERS) as pool:
        list(
            pool.map(
                lambda n: record(docket, "DKT-S-1", K.HEARING_HELD, document_ref=f"D{n}"),
                range(WRITERS * 3),
            )
        )
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    assert [e.stream_version for e in view.events] == list(range(1, 4 + WRITERS * 3))
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_the_same_idempotency_key_sent_concurrently_records_one_event(docket):
    in_proceedings(docket)
    start = threading.Barrier(5)

    def send(_: int):
        start.wait()
        return record(docket, "DKT-S-1", K.HEARING_HELD, idempotency_key="same-key")

    with ThreadPoolExecutor(5) as pool:
        results = list(pool.map(send, range(5)))
    assert len({r.event_seqs for r in results}) == 1
    assert sum(not r.replayed for r in results) == 1
    held = [
        e for e in show_case(uow=docket.uow, case_ref="DKT-S-1").events if e.kind is K.HEARING_HELD
    ]
    assert len(held) == 1
