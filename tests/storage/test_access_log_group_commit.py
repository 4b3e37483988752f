"""The access log's group commit: entries recorded from many threads at once are all committed,
each caller's together and in one chain that verifies; an entry that cannot be stored fails
only its own caller."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pytest

from docket.audit.access import AccessEntry, Outcome
from docket.audit.verify import verify
from docket.storage.access_log import SqlAccessLog, _Ticket
from docket.storage.audit_store import SqlAuditStore

AT = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def _entry(actor: str, record_id: str, **details) -> AccessEntry:
    return AccessEntry(
        at=AT,
        actor=actor,
        action="read_case",
        record_type="case",
        record_id=record_id,
        outcome=Outcome.ALLOWED,
        details=details,
    )


def test_entries_from_many_threads_are_all_committed_in_one_sound_chain(docket):
    log = SqlAccessLog(docket.engine)

    def read(n: int) -> None:
        log.record([_entry(f"user-{n}", f"case-{n}-a"), _entry(f"user-{n}", f"case-{n}-b")])

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(read, range(200)))
    entries = log.entries(limit=1000)
    assert len(entries) == 400
    assert [e["seq"] for e in entries] == list(range(1, 401))
    # Each caller's entries are committed together, one after the other.
    for first, second in zip(entries[::2], entries[1::2], strict=True):
        assert first["actor"] == second["actor"]
        assert (first["record_id"][-2:], second["record_id"][-2:]) == ("-a", "-b")
    report = verify(SqlAuditStore(docket.engine))
    assert report.is_ok, report.problems
    assert report.access_entries == 400


def test_an_entry_that_cannot_be_stored_fails_only_its_own_caller(docket):
    log = SqlAccessLog(docket.engine)
    good, bad, later = (
        _Ticket([_entry("ana", "case-1")]),
        _Ticket([_entry("bo", "case-2", when=object())]),  # not JSON: cannot be stored
        _Ticket([_entry("cy", "case-3")]),
    )
    log.commit_batch([good, bad, later])
    assert all(ticket.done for ticket in (good, bad, later))
    assert good.error is None
    assert later.error is None
    assert isinstance(bad.error, TypeError)
    assert [e["actor"] for e in log.entries()] == ["ana", "cy"]
    with pytest.raises(TypeError):
        log.record([_entry("bo", "case-2", when=object())])
    log.record([_entry("dee", "case-4")])  # the log goes on after a failure
    assert [e["actor"] for e in log.entries()] == ["ana", "cy", "dee"]
    assert verify(SqlAuditStore(docket.engine)).is_ok
