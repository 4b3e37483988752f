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
