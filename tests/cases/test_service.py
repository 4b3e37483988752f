"""Recording events through the service, against real storage (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from docket.cases.events import EventKind
from docket.cases.idempotency import command_key
from docket.cases.lifecycle import rebuild
from docket.cases.service import open_case, show_case, summarise
from docket.errors import (
    BarInForce,
    IdempotencyConflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    VersionConflict,
)
from tests.builders import a_case, a_person, in_proceedings, record

K = EventKind


def _event_count(docket) -> int:
    with docket.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM events").scalar_one())


def test_a_recorded_event_is_in_the_timeline_with_its_basis_actor_and_document(docket):
    in_proceedings(docket)
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    kinds = [e.kind for e in view.events]
    assert kinds == [K.CASE_OPENED, K.CHARGING_DOCUMENT_SERVED, K.HEARING_SCHEDULED]
    last = view.events[-1]
    assert last.actor == "officer.test"
    assert last.document_ref == "EOIR-NOTICE-1"
    assert "1003.18" in last.legal_basis
    assert view.case.hearing_on == docket.clock.now().date() + dt.timedelta(days=14)
    assert rebuild(view.events) == view.case
    assert view.person is not None
    assert view.person.name.family_name == "Reyes"


def test_a_refused_event_writes_nothing(docket):
    a_case(docket)
    before = _event_count(docket)
    with pytest.raises(IllegalTransition):
        record(docket, "DKT-S-1", K.REMOVAL_SCHEDULED, fields={"scheduled_for": "2026-12-01"})
    with pytest.raises(InvalidInput):
        record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, document_ref="")
    assert _event_count(docket) == before
    assert show_case(uow=docket.uow, case_ref="DKT-S-1").case.version == 1


def test_a_bar_refusal_names_the_bar_and_writes_nothing(docket):
    in_proceedings(docket)
    record(docket, "DKT-S-1", K.CITIZENSHIP_CLAIM_RAISED, document_ref="CLAIM-1")
    before = _event_count(docket)
    with pytest.raises(BarInForce) as refused:
        record(docket, "DKT-S-1", K.CUSTODY_BOOKED, fields={"facility": "Krome"})
    assert refused.value.details["bars"] == ["citizenship_claim"]
    assert _event_count(docket) == before


def test_an_unknown_case_is_not_found(docket):
    with pytest.raises(NotFound):
        record(docket, "DKT-NOPE", K.CHARGING_DOCUMENT_SERVED)


def test_a_stale_expected_version_is_refused(docket):
    a_case(docket)
    record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, expected_version=1)
    with pytest.raises(VersionConflict):
        record(docket, "DKT-S-1", K.CASE_CLOSED, fields={"reason": "other"}, expected_version=1)


def test_the_same_idempotency_key_twice_records_one_event(docket):
    a_case(docket)
    first = record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, idempotency_key="k-1")
    again = record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, idempotency_key="k-1")
    assert again.replayed
    assert not first.replayed
    assert again.event_seqs == first.event_seqs
    assert len(show_case(uow=docket.uow, case_ref="DKT-S-1").events) == 2


def test_an_idempotency_key_reused_for_another_request_is_refused(docket):
    a_case(docket)
    record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, idempotency_key="k-2")
    with pytest.raises(IdempotencyConflict):
        record(docket, "DKT-S-1", K.CASE_CLOSED, fields={"reason": "other"}, idempotency_key="k-2")


def test_an_idempotency_key_is_each_user_s_own(docket):
    """A key one user sent is neither refused as reused nor answered with their result when
    another sends it: it would tell them of the first user's commands."""
    a_case(docket)
    a_case(docket, case_ref="DKT-S-2", person=a_person("Eva", "Lind"))
    served = K.CHARGING_DOCUMENT_SERVED
    first = record(docket, "DKT-S-1", served, idempotency_key="k-3", actor="officer.nyc")
    other = record(docket, "DKT-S-2", served, idempotency_key="k-3", actor="officer.la")
    assert not other.replayed
    assert other.event_seqs != first.event_seqs
    again = record(docket, "DKT-S-2", served, idempotency_key="k-3", actor="officer.la")
    assert again.replayed
    assert again.event_seqs == other.event_seqs
    # a client's key shaped like the one kept for another user finds nothing of theirs
    kept = command_key("k-3", "officer.nyc")
    closed = record(
        docket, "DKT-S-2", K.CASE_CLOSED, fields={"reason": "other"}, idempotency_key=kept
    )
    assert not closed.replayed


def test_a_key_remembered_before_keys_were_per_user_is_still_found(docket):
    a_case(docket)
    with docket.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO commands (idempotency_key, request_hash, result, recorded_at) "
                "VALUES ('k-old', :digest, '{}', '2026-11-01T00:00:00+00:00')"
            ),
            {"digest": "0" * 64},
        )
    with pytest.raises(IdempotencyConflict):
        record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, idempotency_key="k-old")


def test_a_case_reference_cannot_be_opened_twice(docket):
    a_case(docket)
    with pytest.raises(InvalidInput, match="already exists"):
        a_case(docket)


def test_text_longer_than_its_column_is_refused_and_writes_nothing(docket):
    with pytest.raises(InvalidInput, match="case_ref: at most 64 characters"):
        a_case(docket, case_ref="DKT-" + "9" * 61)
    a_case(docket)
    before = _event_count(docket)
    with pytest.raises(InvalidInput, match="document_ref: at most 500 characters"):
        record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, document_ref="D" * 501)
    with pytest.raises(InvalidInput, match="actor: at most 200 characters"):
        record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, actor="a" * 201)
    assert _event_count(docket) == before


def test_the_summary_counts_states_bars_and_deadlines_due_this_week(docket):
    in_proceedings(docket, "DKT-S-1")
    in_proceedings(docket, "DKT-S-2")
    record(docket, "DKT-S-2", K.PROTECTED_STATUS_RECORDED, fields={"status": "tps"})
    soon = (docket.clock.now().date() + dt.timedelta(days=3)).isoformat()
    record(docket, "DKT-S-1", K.HEARING_SCHEDULED, fields={"hearing_on": soon})
    summary = summarise(uow=docket.uow, clock=docket.clock, days=7)
    assert summary.cases_by_state["in_proceedings"] == 2
    assert summary.bars_in_force == {"protected_status": 1}
    assert [(ref, kind) for ref, kind, _ in summary.deadlines_due] == [("DKT-S-1", "hearing")]


def test_the_database_refuses_to_change_or_delete_events(docket):
    a_case(docket)
    with docket.engine.connect() as connection:
        for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
            with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                connection.exec_driver_sql(statement)
            connection.rollback()
    assert _event_count(docket) == 2


def test_a_case_cannot_belong_to_every_office(docket):
    # "*" stands for every office (a ranking run over all of them): a case of that office
    # would be no one's, or, to a user of that office, everyone's.
    with pytest.raises(InvalidInput, match="stands for every office"):
        open_case(
            uow=docket.uow,
            clock=docket.clock,
            case_ref="DKT-STAR-1",
            person=a_person(),
            field_office="*",
            opened_on=docket.clock.now().date(),
            actor="officer.test",
            document_ref="I-213",
        )
    assert _event_count(docket) == 0
