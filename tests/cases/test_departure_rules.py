"""A departure recorded on a case is one that can concern it: from the day of the
voluntary-departure grant, or else from the day the case was opened."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases.events import EventKind
from docket.cases.model import BarKind, CaseState, CloseReason
from docket.errors import RuleViolation
from tests.cases.scenarios import OPENED_ON, in_state

K = EventKind
S = CaseState


def test_a_departure_before_the_grant_does_not_confirm_voluntary_departure():
    granted = in_state(S.VOLUNTARY_DEPARTURE)
    before_grant = (granted.on - dt.timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as refused:
        granted.then(K.DEPARTURE_CONFIRMED, departed_on=before_grant)
    assert refused.value.details["rule"] == "departure_before_vd_grant"
    with pytest.raises(RuleViolation):
        granted.then(K.DEPARTURE_CONFIRMED, departed_on="2019-06-01")
    confirmed = granted.then(K.DEPARTURE_CONFIRMED, departed_on=granted.on.isoformat())
    assert confirmed.case.close_reason is CloseReason.DEPARTURE_CONFIRMED


def test_a_departure_before_the_case_was_opened_is_not_recorded_on_it():
    final = in_state(S.FINAL_ORDER)
    before_opening = (OPENED_ON - dt.timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as refused:
        final.then(K.DEPARTURE_RECORDED, departed_on=before_opening)
    assert refused.value.details["rule"] == "departure_before_case_opened"
    recorded = final.then(K.DEPARTURE_RECORDED, departed_on=OPENED_ON.isoformat())
    assert recorded.case.has_bar(BarKind.DEPARTURE_REPORTED)


def test_a_departure_dated_after_the_day_it_is_recorded_on_is_refused_saying_so():
    final = in_state(S.FINAL_ORDER)
    recorded_on = final.on + dt.timedelta(days=3)  # the day then() records on
    later = (recorded_on + dt.timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as refused:
        final.then(K.DEPARTURE_RECORDED, departed_on=later)
    assert refused.value.details["rule"] == "departure_after_record"
    assert refused.value.message == (
        f"the departure on {later} is after the day it is recorded on ({recorded_on})"
    )
