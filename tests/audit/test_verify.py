"""``audit verify`` catches every kind of tampering, and never cries wolf over a sound log."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from docket.audit import checkpoint as checkpoints
from docket.audit.access import ACCESS_CHAIN, AccessEntry, Outcome
from docket.audit.chain import EVENTS_CHAIN, link_hash
from docket.audit.verify import verify
from docket.cases.events import EventKind
from docket.errors import TamperDetected
from docket.storage.audit_store import SqlAuditStore
from docket.storage.rows import HASHED_COLUMNS
from tests.audit.tampering import rewrite_access_consistently, rewrite_consistently, rows, tamper
from tests.builders import in_proceedings, record

K = EventKind


@pytest.fixture
def logged(docket):
    """A log of 12 events over three cases."""
    for ref in ("DKT-A-1", "DKT-A-2", "DKT-A-3"):
        in_proceedings(docket, ref)
    record(docket, "DKT-A-2", K.STAY_GRANTED, fields={"authority": "court"})
    record(docket, "DKT-A-3", K.HEARING_HELD)
    record(docket, "DKT-A-1", K.PROTECTED_STATUS_RECORDED, fields={"status": "tps"})
    assert len(rows(docket.engine)) == 15
    return docket


def _verify(docket, *cps, key=None):
    public = key.public_key() if key else None
    return verify(SqlAuditStore(docket.engine), checkpoints=list(cps), public_key=public)


def _checkpoint(docket, key):
    head = SqlAuditStore(docket.engine).chain_head(EVENTS_CHAIN)
    return checkpoints.make_checkpoint(head, key, now=docket.clock.now())


def test_an_untouched_log_verifies(logged):
    report = _verify(logged)
    assert report.is_ok, report.problems
    assert report.events == 15
    assert report.streams == 6


class _WritingMeanwhile(SqlAuditStore):
    """A store that lets another writer commit at one moment of the verification: after the
    head is read and before the links are (``chain_links``), or after the events are
    streamed and before the stored records are read (``stored_cases``)."""

    def __init__(self, docket, moment):
        super().__init__(docket.engine)
        self.docket, self.moment, self.written = docket, moment, False

    def _write_once(self, moment):
        if moment == self.moment and not self.written:
            self.written = True
            record(self.docket, "DKT-A-3", K.MEDICAL_HOLD_PLACED, document_ref="MED-1")

    def chain_links(self, chain):
        if chain == EVENTS_CHAIN:  # once the links are asked for, after the head is read
            self._write_once("chain_links")
        yield from super().chain_links(chain)

    def stored_cases(self, case_ids):
        self._write_once("stored_cases")
        return super().stored_cases(case_ids)


@pytest.mark.parametrize("moment", ["chain_links", "stored_cases"])
def test_a_write_committed_while_the_log_is_verified_is_no_alarm(logged, moment):
    store = _WritingMeanwhile(logged, moment)
    report = verify(store)
    assert store.written
    assert report.is_ok, report.problems
    assert report.events == 15  # the log as it was when verification began
    after = _verify(logged)
    assert after.is_ok, after.problems
    assert after.events == 16


def test_both_passes_tell_their_progress_event_by_event(logged):
    walked: list[int] = []
    rebuilt: list[int] = []
    report = verify(SqlAuditStore(logged.engine), progress=walked.append, rebuilding=rebuilt.append)
    assert report.is_ok, report.problems
    assert sum(walked) == sum(rebuilt) == report.events == 15


def test_an_edited_event_is_named(logged):
    tamper(logged.engine, "UPDATE events SET actor = 'someone.else' WHERE seq = 5")
    report = _verify(logged)
    assert (
        report.problems[0]
        == "events chain: event 5: contents do not match its hash (the event, or its hash, was "
        "edited)"
    )


def test_a_deleted_event_is_found(logged):
    tamper(logged.engine, "DELETE FROM events WHERE seq = 7")
    assert _verify(logged).problems[0] == (
        "events chain: event 7: missing: the log goes on with event 8 (events deleted or "
        "renumbered)"
    )


def test_an_event_inserted_in_the_middle_is_found(logged):
    events = rows(logged.engine)
    forged = {name: events[5][name] for name in HASHED_COLUMNS}
    forged.update(seq=6, actor="forger", stream_version=99)
    digest = link_hash(forged, events[4]["hash"])
    tamper(
        logged.engine,
        "UPDATE events SET seq = seq + 1000 WHERE seq >= 6",
        "UPDATE events SET seq = seq - 999 WHERE seq >= 1006",
        "INSERT INTO events (seq, stream_type, stream_id, stream_version, kind, occurred_on, "
        "recorded_at, actor, legal_basis, document_ref, data, prev_hash, hash) VALUES (:seq, "
        ":stream_type, :stream_id, :stream_version, :kind, :occurred_on, :recorded_at, :actor, "
        ":legal_basis, :document_ref, :data, :prev_hash, :hash)",
        params={**forged, "prev_hash": events[4]["hash"], "hash": digest},
    )
    problem = _verify(logged).problems[0]
    assert "event 7" in problem
    assert "does not follow" in problem


def test_an_event_appended_behind_docket_s_back_is_found(logged):
    events = rows(logged.engine)
    forged = {name: events[-1][name] for name in HASHED_COLUMNS}
    forged.update(seq=16, stream_version=99)
    digest = link_hash(forged, events[-1]["hash"])
    tamper(
        logged.engine,
        "INSERT INTO events (seq, stream_type, stream_id, stream_version, kind, occurred_on, "
        "recorded_at, actor, legal_basis, document_ref, data, prev_hash, hash) VALUES (:seq, "
        ":stream_type, :stream_id, :stream_version, :kind, :occurred_on, :recorded_at, :actor, "
        ":legal_basis, :document_ref, :data, :prev_hash, :hash)",
        params={**forged, "prev_hash": events[-1]["hash"], "hash": digest},
    )
    assert _verify(logged).problems == [
        "events chain: event 16: the log holds 16 events but its head records 15: from here "
        "on, events were appended behind Docket's back (or the head was moved back)"
    ]


def test_the_last_event_edited_with_its_hash_recomputed_is_named(logged):
    last = rows(logged.engine)[-1]
    forged = {name: last[name] for name in HASHED_COLUMNS} | {"actor": "forger"}
    tamper(
        logged.engine,
        "UPDATE events SET actor = 'forger', hash = :hash WHERE seq = 15",
        params={"hash": link_hash(forged, last["prev_hash"])},
    )
    assert _verify(logged).problems == [
        "events chain: event 15: its hash is not the one the chain head records for the log's "
        "15 events (the log holds 15; events rewritten up to here, or the head altered)"
    ]


def test_an_event_rewritten_and_one_appended_is_named_where_the_head_stops(logged):
    events = rows(logged.engine)
    edited = {name: events[-1][name] for name in HASHED_COLUMNS} | {"actor": "forger"}
    edited_hash = link_hash(edited, events[-1]["prev_hash"])
    appended = {name: events[-1][name] for name in HASHED_COLUMNS}
    appended.update(seq=16, stream_version=99)
    tamper(
        logged.engine,
        "UPDATE events SET actor = 'forger', hash = :hash WHERE seq = 15",
        "INSERT INTO events (seq, stream_type, stream_id, stream_version, kind, occurred_on, "
        "recorded_at, actor, legal_basis, document_ref, data, prev_hash, hash) VALUES (:seq, "
        ":stream_type, :stream_id, :stream_version, :kind, :occurred_on, :recorded_at, :actor, "
        ":legal_basis, :document_ref, :data, :prev_hash, :next_hash)",
        params={
            **appended,
            "hash": edited_hash,
            "prev_hash": edited_hash,
            "next_hash": link_hash(appended, edited_hash),
        },
    )
    problem = _verify(logged).problems[0]
    assert problem.startswith("events chain: event 15: its hash is not the one the chain head")


def test_two_events_swapped_are_found(logged):
    tamper(
        logged.engine,
        "UPDATE events SET seq = 1003 WHERE seq = 3",
        "UPDATE events SET seq = 3 WHERE seq = 4",
        "UPDATE events SET seq = 4 WHERE seq = 1003",
    )
    assert _verify(logged).problems[0].startswith("events chain: event 3:")


def test_a_truncated_log_is_found(logged):
    tamper(logged.engine, "DELETE FROM events WHERE seq > 12")
    assert "holds 12 events but its head records 15" in _verify(logged).problems[0]


def test_a_truncation_that_also_fixes_the_head_is_found_by_the_projection(logged):
    twelfth = rows(logged.engine)[11]["hash"]
    tamper(
        logged.engine,
        "DELETE FROM events WHERE seq > 12",
        "UPDATE chain_heads SET length = 12, head_hash = :h WHERE chain = 'events'",
        params={"h": twelfth},
    )
    problem = _verify(logged).problems[0]
    assert "stored record differs from its events" in problem


def test_a_record_with_no_events_behind_it_is_found(logged):
    """A person row put in directly, copied from a real one: no stream produced it."""
    tamper(
        logged.engine,
        "INSERT INTO persons (person_id, given_name, family_name, version, data, "
        "given_name_key, family_name_key) SELECT 'P-FORGED', given_name, family_name, version, "
        "data, given_name_key, family_name_key FROM persons ORDER BY person_id LIMIT 1",
    )
    problems = _verify(logged).problems
    assert problems == ["1 stored records have no events behind them, e.g. person P-FORGED"]


def test_an_edited_projection_is_found(logged):
    with logged.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE cases SET data = replace(data, 'NYC', 'LOS')")
    assert "differs from its events in field_office" in _verify(logged).problems[0]


@pytest.mark.parametrize(
    ("table", "statement"),
    [
        ("case DKT-A-1", 'UPDATE cases SET data = \'{"note":"x",\' || substr(data, 2)'),
        ("case DKT-A-1", "UPDATE cases SET data = data || ' '"),
        ("person", 'UPDATE persons SET data = \'{"note":"x",\' || substr(data, 2)'),
    ],
)
def test_a_stored_text_changed_beyond_the_record_s_fields_is_found(logged, table, statement):
    """Case lists pass the stored text on as it is, so a key added to it, or any other change
    the record's own fields do not show, is tampering too."""
    where = " WHERE case_ref = 'DKT-A-1'" if table.startswith("case") else ""
    if table == "person":
        where = " WHERE person_id IN (SELECT person_id FROM persons ORDER BY person_id LIMIT 1)"
    tamper(logged.engine, statement + where)
    problems = _verify(logged).problems
    assert len(problems) == 1, problems
    assert problems[0].startswith(table)
    assert "differs from its events in its text (content beyond the record's fields" in problems[0]


@pytest.mark.parametrize(
    "change",
    [
        lambda text: "not json",
        lambda text: "[" * 100_000,
        lambda text: re.sub(r'"version":\d+', '"version":1e999', text),
    ],
    ids=["not json", "nested deep", "huge number"],
)
def test_a_stored_text_that_is_no_record_is_found(logged, change):
    """Whatever is written there is a finding, never a crash of the check."""
    with logged.engine.connect() as connection:
        text = connection.execute(
            sa.text("SELECT data FROM cases WHERE case_ref = 'DKT-A-3'")
        ).scalar_one()
    tamper(
        logged.engine,
        "UPDATE cases SET data = :text WHERE case_ref = 'DKT-A-3'",
        params={"text": change(text)},
    )
    problems = _verify(logged).problems
    assert problems == [
        "case DKT-A-3: stored record differs from its events in its text, which is not a "
        "readable record"
    ]


@pytest.mark.parametrize(
    ("statement", "named"),
    [
        (
            "UPDATE cases SET state = 'closed' WHERE case_ref = 'DKT-A-2'",
            "case DKT-A-2: stored state",
        ),
        ("UPDATE cases SET field_office = 'LOS' WHERE case_ref = 'DKT-A-3'", "field_office"),
        ("DELETE FROM case_bars WHERE kind = 'stay_of_removal'", "case DKT-A-2: stored case_bars"),
        ("UPDATE case_deadlines SET due_on = '2099-01-01'", "stored case_deadlines"),
        ("UPDATE persons SET family_name_key = 'nobody'", "stored family_name_key"),
        (
            "UPDATE persons SET a_number = 'A999999999' WHERE person_id IN "
            "(SELECT person_id FROM persons ORDER BY person_id LIMIT 1)",
            "stored a_number",
        ),
        (
            "INSERT INTO person_documents SELECT person_id, 'P1234567' FROM persons LIMIT 1",
            "stored person_documents",
        ),
    ],
)
def test_an_edited_column_or_index_row_beside_the_snapshot_is_found(logged, statement, named):
    """What lists, filters and linkage search is checked too, not only the snapshot: a person
    hidden from linkage by an edited name key, or a case from a filter, is tampering."""
    assert _verify(logged).is_ok
    tamper(logged.engine, statement)
    problems = _verify(logged).problems
    assert len(problems) == 1, problems
    assert named in problems[0]
    assert "columns or index rows were changed" in problems[0]


def test_a_consistent_rewrite_passes_the_chain_but_not_a_signed_checkpoint(logged):
    key = Ed25519PrivateKey.generate()
    signed = _checkpoint(logged, key)
    rewrite_consistently(logged.engine, 4, actor="someone.else")
    assert _verify(logged).is_ok  # the chain alone cannot tell
    report = _verify(logged, signed, key=key)
    assert report.problems == [
        f"event 15 does not match the checkpoint of {signed.created_at} (the log was rewritten)"
    ]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_rollback_to_an_older_copy_of_the_file_is_found_by_a_later_checkpoint(logged, tmp_path):
    key = Ed25519PrivateKey.generate()
    database = logged.engine.url.database
    with logged.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    old_copy = tmp_path / "old.db"
    shutil.copy(database, old_copy)
    record(logged, "DKT-A-1", K.HEARING_HELD)
    signed = _checkpoint(logged, key)
    logged.engine.dispose()
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"docket.db{suffix}").unlink(missing_ok=True)
    shutil.copy(old_copy, database)
    report = _verify(logged, signed, key=key)
    assert not report.is_ok
    assert "fewer than the 16 of the checkpoint" in report.problems[0]


def test_a_rollback_of_the_tail_with_a_restored_projection_is_found_by_a_checkpoint(logged):
    key = Ed25519PrivateKey.generate()
    with logged.engine.connect() as connection:
        old_case = connection.execute(
            sa.text("SELECT case_id, version, data FROM cases WHERE case_ref = 'DKT-A-1'")
        ).one()
        old_deadlines = connection.execute(
            sa.text("SELECT kind, due_on FROM case_deadlines WHERE case_id = :c"),
            {"c": old_case.case_id},
        ).all()
    old_head = rows(logged.engine)[-1]["hash"]
    record(logged, "DKT-A-1", K.HEARING_HELD)
    signed = _checkpoint(logged, key)
    tamper(
        logged.engine,
        "DELETE FROM events WHERE seq = 16",
        "UPDATE chain_heads SET length = 15, head_hash = :h WHERE chain = 'events'",
        "UPDATE cases SET version = :v, data = :d WHERE case_ref = 'DKT-A-1'",
        "DELETE FROM case_deadlines WHERE case_id = :c",
        params={"h": old_head, "v": old_case.version, "d": old_case.data, "c": old_case.case_id},
    )
    with logged.engine.begin() as connection:
        for kind, due_on in old_deadlines:
            connection.execute(
                sa.text("INSERT INTO case_deadlines VALUES (:c, :k, :d)"),
                {"c": old_case.case_id, "k": kind, "d": due_on},
            )
    assert _verify(logged).is_ok  # a perfect older copy, on its own
    assert "rolled back" in _verify(logged, signed, key=key).problems[0]


def test_a_checkpoint_from_another_key_or_altered_is_refused(logged):
    key, other = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    signed = _checkpoint(logged, other)
    with pytest.raises(TamperDetected, match="signed by key"):
        _verify(logged, signed, key=key)
    genuine = _checkpoint(logged, key)
    forged = checkpoints.Checkpoint(**{**genuine.__dict__, "length": 3})
    with pytest.raises(TamperDetected, match="invalid signature"):
        _verify(logged, forged, key=key)


def test_a_checkpoint_file_round_trips(tmp_path, logged):
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "cp.json"
    signed = _checkpoint(logged, key)
    path.write_text(checkpoints.dump([signed]))
    assert checkpoints.load(path) == [signed]
    assert _verify(logged, *checkpoints.load(path), key=key).is_ok
    assert signed.created_at == logged.clock.now().astimezone(dt.UTC).isoformat(timespec="seconds")


def _access_checkpoint(docket, key):
    head = SqlAuditStore(docket.engine).chain_head(ACCESS_CHAIN)
    return checkpoints.make_checkpoint(head, key, now=docket.clock.now())


@pytest.fixture
def accessed(logged):
    """The log, and an access log of four entries."""
    for n in range(4):
        entry = AccessEntry(
            at=logged.clock.now(),
            actor="nyc.officer",
            action="read_case",
            record_type="case",
            record_id=f"case-{n}",
            outcome=Outcome.ALLOWED,
        )
        logged.access_log.record([entry])
    return logged


def test_a_consistent_rewrite_of_the_access_log_is_caught_by_its_checkpoint(accessed):
    key = Ed25519PrivateKey.generate()
    signed = _access_checkpoint(accessed, key)
    rewrite_access_consistently(accessed.engine, 2, actor="someone.else")
    assert _verify(accessed).is_ok  # the chain alone cannot tell
    report = _verify(accessed, signed, key=key)
    assert report.checkpoints_checked == 1
    assert report.problems == [
        f"access log entry 4 does not match the checkpoint of {signed.created_at} "
        "(the access log was rewritten)"
    ]


def test_a_truncated_access_log_is_caught_by_its_checkpoint(accessed):
    key = Ed25519PrivateKey.generate()
    signed = _access_checkpoint(accessed, key)
    tamper(
        accessed.engine,
        "DELETE FROM access_log WHERE seq = 4",
        "UPDATE chain_heads SET length = 3, head_hash = "
        "(SELECT hash FROM access_log WHERE seq = 3) WHERE chain = 'access'",
    )
    assert _verify(accessed).is_ok
    report = _verify(accessed, signed, key=key)
    assert report.problems == [
        f"the access log holds 3 entries, fewer than the 4 of the checkpoint of "
        f"{signed.created_at} (rolled back to an older copy, or truncated)"
    ]


def test_checkpoints_of_both_chains_match_an_untouched_database(accessed):
    key = Ed25519PrivateKey.generate()
    report = _verify(
        accessed, _checkpoint(accessed, key), _access_checkpoint(accessed, key), key=key
    )
    assert report.is_ok, report.problems
    assert report.checkpoints_checked == 2


@pytest.mark.parametrize(
    ("chain", "held"),
    [
        (EVENTS_CHAIN, "though the chain holds 15 links"),
        (ACCESS_CHAIN, "though the chain holds 4 links"),
    ],
)
def test_a_deleted_chain_head_is_found(accessed, chain, held):
    assert _verify(accessed).is_ok
    tamper(accessed.engine, "DELETE FROM chain_heads WHERE chain = :c", params={"c": chain})
    assert _verify(accessed).problems == [
        f"{chain} chain: the chain head: missing, {held} (its row in chain_heads was deleted)"
    ]


def test_a_deleted_head_of_an_empty_access_log_is_found(logged):
    tamper(logged.engine, "DELETE FROM chain_heads WHERE chain = :c", params={"c": ACCESS_CHAIN})
    assert _verify(logged).problems == [
        f"{ACCESS_CHAIN} chain: the chain head: missing, on an empty chain "
        "(its row in chain_heads was deleted)"
    ]


def test_nothing_is_written_to_a_chain_whose_head_was_deleted(accessed):
    tamper(accessed.engine, "DELETE FROM chain_heads")
    with pytest.raises(TamperDetected) as refused:
        record(accessed, "DKT-A-1", K.MEDICAL_HOLD_PLACED, document_ref="D")
    assert refused.value.details == {"chain": EVENTS_CHAIN, "rule": "chain_head_missing"}
    assert "chain_heads row was deleted" in refused.value.message
    entry = AccessEntry(
        at=accessed.clock.now(),
        actor="nyc.officer",
        action="read_case",
        record_type="case",
        record_id="case-9",
        outcome=Outcome.ALLOWED,
    )
    with pytest.raises(TamperDetected) as refused_entry:
        accessed.access_log.record([entry])
    assert refused_entry.value.details == {"chain": ACCESS_CHAIN, "rule": "chain_head_missing"}
    assert len(rows(accessed.engine)) == 15
    assert _verify(accessed).problems[0].startswith("events chain: the chain head: missing")
