"""Moves dated before what they answer are refused, so the periods counted from them are right."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases.events import EventKind
from docket.cases.model import CaseState, CustodyStatus
from docket.errors import InvalidInput
from tests.cases.scenarios import in_state

K = EventKind
S = CaseState


def test_a_new_booking_cannot_be_dated_before_the_release_it_follows():
    booked = in_state(S.FINAL_ORDER).then(K.CUSTODY_BOOKED, days=1, facility="Krome")
    released = booked.then(K.CUSTODY_RELEASED, days=10, mode="bond")
    with pytest.raises(InvalidInput) as refused:
        released.then(K.CUSTODY_BOOKED, days=-5, facility="Otay Mesa")
    assert refused.value.details == {
        "field": "occurred_on",
        "rule": "dated_before_what_it_answers",
    }
    assert f"before the release ({released.on})" in refused.value.message
    rebooked = released.then(K.CUSTODY_BOOKED, days=4, facility="Otay Mesa")
    assert rebooked.case.custody.status is CustodyStatus.DETAINED
    # The post-order review counts from the new booking, after the release.
    assert rebooked.case.custody.review_due_on == rebooked.on + dt.timedelta(days=90)


def test_a_scheduled_removal_cannot_be_called_off_on_a_day_before_the_order_became_final():
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    final_on = scheduled.case.final_on
    assert final_on is not None
    days_back = (scheduled.on - final_on).days + 1
    with pytest.raises(InvalidInput) as refused:
        scheduled.then(K.REMOVAL_CANCELLED, days=-days_back, reason="flight cancelled")
    assert refused.value.details == {
        "field": "occurred_on",
        "rule": "dated_before_what_it_answers",
    }
    assert f"before the final order ({final_on})" in refused.value.message
    cancelled = scheduled.then(K.REMOVAL_CANCELLED, reason="flight cancelled")
    assert cancelled.case.state is S.FINAL_ORDER


@pytest.mark.parametrize("reason", ["removal_executed", "duplicate"])
def test_a_removed_case_cannot_be_closed_on_a_day_before_the_removal(reason):
    removed = in_state(S.REMOVED)
    assert removed.case.removed_on == removed.on
    with pytest.raises(InvalidInput) as refused:
        removed.then(K.CASE_CLOSED, days=-1, reason=reason)
    assert refused.value.details == {
        "field": "occurred_on",
        "rule": "dated_before_what_it_answers",
    }
    assert f"before the removal ({removed.on})" in refused.value.message
    assert removed.then(K.CASE_CLOSED, days=0, reason=reason).case.state is S.CLOSED
