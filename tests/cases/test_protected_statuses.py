"""Several protected statuses may stand at once; enforcement waits for the last to end."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from docket.audit.verify import verify
from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.model import Bar, BarKind, CaseState
from docket.cases.ports import CaseFilter
from docket.cases.service import get_case, list_cases
from docket.errors import BarInForce, InvalidInput, RuleViolation
from docket.storage.audit_store import SqlAuditStore
from tests.builders import in_proceedings, record
from tests.cases.scenarios import Built, in_state

K = EventKind
S = CaseState
P = BarKind.PROTECTED_STATUS


def _schedule(built: Built) -> Built:
    return built.then(
        K.REMOVAL_SCHEDULED, scheduled_for=(built.on + dt.timedelta(days=9)).isoformat()
    )


def _both() -> Built:
    """A final order; the person holds TPS, then applies for asylum."""
    tps = in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_RECORDED, status="tps")
    return tps.then(K.PROTECTED_STATUS_RECORDED, status="asylum_pending")


def _protected(built: Built) -> list[tuple[str, dt.date, str]]:
    return [(b.detail, b.placed_on, b.document_ref) for b in built.case.bars if b.kind is P]


def test_each_status_is_a_bar_of_its_own_with_its_date_and_document():
    both = _both()
    tps, asylum = both.events[-2], both.events[-1]
    assert _protected(both) == [
        ("tps", tps.occurred_on, tps.document_ref),
        ("asylum_pending", asylum.occurred_on, asylum.document_ref),
    ]
    with pytest.raises(BarInForce) as blocked:
        _schedule(both)
    assert blocked.value.details["bars"] == ["protected_status"]
    assert f": tps, document {tps.document_ref}" in str(blocked.value)
    assert f": asylum_pending, document {asylum.document_ref}" in str(blocked.value)


def test_enforcement_waits_until_the_last_status_has_ended():
    tps_ended = _both().then(K.PROTECTED_STATUS_ENDED, status="tps")
    asylum = tps_ended.events[-2]
    assert _protected(tps_ended) == [
        ("asylum_pending", asylum.occurred_on, asylum.document_ref)
    ]  # the bar that stands is the asylum application's, with its own date and document
    with pytest.raises(BarInForce, match="protected_status"):
        _schedule(tps_ended)
    decided = tps_ended.then(K.PROTECTED_STATUS_ENDED, status="asylum_pending")
    assert not decided.case.bars
    assert _schedule(decided).case.state is S.REMOVAL_SCHEDULED


def test_the_events_rebuild_the_case_with_its_standing_statuses():
    built = _both().then(K.PROTECTED_STATUS_ENDED, status="asylum_pending")
    assert lifecycle.rebuild(built.events) == built.case
    assert [detail for detail, _, _ in _protected(built)] == ["tps"]


def test_a_status_recorded_late_keeps_the_day_it_arose_and_ends_no_earlier():
    """An application filed before another status was recorded, recorded late."""
    tps = in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_RECORDED, days=100, status="tps")
    late = tps.then(K.PROTECTED_STATUS_RECORDED, days=-30, status="asylum_pending")
    assert _protected(late)[0] == ("asylum_pending", late.on, late.events[-1].document_ref)
    with pytest.raises(InvalidInput) as refused:  # before the application it ends
        late.then(K.PROTECTED_STATUS_ENDED, days=-1, status="asylum_pending")
    assert refused.value.details == {
        "field": "occurred_on",
        "rule": "dated_before_what_it_answers",
    }
    assert "before the asylum_pending status it ends was recorded" in str(refused.value)
    # after the application, though before TPS was recorded: each status has its own date
    ended = late.then(K.PROTECTED_STATUS_ENDED, days=10, status="asylum_pending")
    assert [detail for detail, _, _ in _protected(ended)] == ["tps"]


def test_which_status_ended_must_be_said_when_several_stand():
    with pytest.raises(InvalidInput) as refused:
        _both().then(K.PROTECTED_STATUS_ENDED)
    assert refused.value.details == {"field": "status", "rule": "protected_status_to_be_named"}
    assert "(asylum_pending, tps)" in str(refused.value)


def test_a_status_that_does_not_stand_cannot_end():
    tps = in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_RECORDED, status="tps")
    with pytest.raises(RuleViolation) as refused:
        tps.then(K.PROTECTED_STATUS_ENDED, status="parole")
    assert refused.value.details["rule"] == "protected_status_required"
    assert "standing: tps" in str(refused.value)
    with pytest.raises(RuleViolation, match="no protected status is recorded"):
        in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_ENDED)


def test_the_same_status_is_not_recorded_twice():
    tps = in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_RECORDED, status="tps")
    with pytest.raises(RuleViolation) as refused:
        tps.then(K.PROTECTED_STATUS_RECORDED, status="tps")
    assert refused.value.details["rule"] == "one_protected_status"


def test_one_status_ends_without_being_named_as_before():
    tps = in_state(S.FINAL_ORDER).then(K.PROTECTED_STATUS_RECORDED, status="tps")
    assert not tps.then(K.PROTECTED_STATUS_ENDED).case.bars


def test_an_imported_bar_without_its_status_counts_as_one_status():
    final = in_state(S.FINAL_ORDER)
    imported = Bar(kind=P, placed_on=final.on, document_ref="LEGACY-1")
    legacy = Built(dataclasses.replace(final.case, bars=(imported,)), final.events, final.on)
    both = legacy.then(K.PROTECTED_STATUS_RECORDED, status="parole")
    parole = both.events[-1]
    assert [(detail, doc) for detail, _, doc in _protected(both)] == [
        ("", "LEGACY-1"),
        ("parole", parole.document_ref),
    ]
    with pytest.raises(InvalidInput):
        both.then(K.PROTECTED_STATUS_ENDED)
    parole_only = both.then(K.PROTECTED_STATUS_ENDED, status="unstated")
    assert _protected(parole_only) == [("parole", parole.occurred_on, parole.document_ref)]


def test_two_statuses_are_stored_listed_once_and_verify(docket):
    """Through real storage: the case's bar rows hold the kind once, the list filter finds the
    case once, and the log verifies (the stored case is the one its events give)."""
    in_proceedings(docket, "DKT-P-1")
    record(docket, "DKT-P-1", K.PROTECTED_STATUS_RECORDED, fields={"status": "tps"})
    record(docket, "DKT-P-1", K.PROTECTED_STATUS_RECORDED, fields={"status": "parole"})
    found = list_cases(uow=docket.uow, case_filter=CaseFilter(bar=P))
    assert [case.case_ref for case in found] == ["DKT-P-1"]
    assert [b.detail for b in found[0].bars] == ["parole", "tps"]  # one day: by status
    assert verify(SqlAuditStore(docket.engine), checkpoints=[], public_key=None).is_ok
    record(docket, "DKT-P-1", K.PROTECTED_STATUS_ENDED, fields={"status": "tps"})
    assert [b.detail for b in get_case(uow=docket.uow, case_ref="DKT-P-1").bars] == ["parole"]
    assert verify(SqlAuditStore(docket.engine), checkpoints=[], public_key=None).is_ok
