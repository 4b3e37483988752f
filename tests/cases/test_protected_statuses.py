"""Several protected statuses may stand at once; enforcement waits for the last to end."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.model import Bar, BarKind, CaseState
from docket.errors import BarInForce, InvalidInput, RuleViolation
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


def test_a_second_status_is_recorded_beside_the_first_on_one_bar():
    both = _both()
    [bar] = both.case.bars
    assert (bar.kind, bar.detail) == (P, "asylum_pending,tps")
    assert bar.placed_on == both.events[-2].occurred_on  # the bar stands since the first
    assert bar.document_ref == both.events[-2].document_ref


def test_enforcement_waits_until_the_last_status_has_ended():
    tps_ended = _both().then(K.PROTECTED_STATUS_ENDED, status="tps")
    assert [(b.kind, b.detail) for b in tps_ended.case.bars] == [(P, "asylum_pending")]
    with pytest.raises(BarInForce, match="protected_status"):
        _schedule(tps_ended)
    decided = tps_ended.then(K.PROTECTED_STATUS_ENDED, status="asylum_pending")
    assert not decided.case.bars
    assert _schedule(decided).case.state is S.REMOVAL_SCHEDULED


def test_the_events_rebuild_the_case_with_its_standing_statuses():
    built = _both().then(K.PROTECTED_STATUS_ENDED, status="asylum_pending")
    assert lifecycle.rebuild(built.events) == built.case
    assert built.case.bar(P) is not None
    assert built.case.bar(P).detail == "tps"  # type: ignore[union-attr]


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
    assert both.case.bars == (dataclasses.replace(imported, detail="parole,unstated"),)
    with pytest.raises(InvalidInput):
        both.then(K.PROTECTED_STATUS_ENDED)
    parole_only = both.then(K.PROTECTED_STATUS_ENDED, status="unstated")
    assert parole_only.case.bars == (dataclasses.replace(imported, detail="parole"),)
