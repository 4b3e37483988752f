"""An order becomes final, and a voluntary departure turns into the alternate order, only once
the last day of the appeal window or of the departure period is over everywhere on Earth
("Anywhere on Earth", UTC-12): Docket does not know where the person is, and in the evening in
the Americas UTC's date is already the next day. The dates in order are the guards' business;
this is the hour. And the other way round: a day that has begun somewhere (in Guam, ten
hours ahead of UTC) is no future day for the events of that day there."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.model import CaseId, CaseState, PersonId
from docket.errors import InvalidInput, RuleViolation
from tests.cases.scenarios import Built, in_absentia_order, in_state

K = EventKind


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=dt.UTC)


def _record(built: Built, kind: EventKind, on: dt.date, at: dt.datetime):
    return lifecycle.record(
        built.case,
        kind=kind,
        fields={},
        occurred_on=on,
        actor="officer.test",
        document_ref="DOC-T",
        recorded_at=at,
    )


def test_an_order_is_not_final_before_the_appeal_windows_last_day_is_over_everywhere():
    ordered = in_state(CaseState.REMOVAL_ORDERED)
    last = ordered.case.appeal_due_on
    assert last is not None
    after = last + dt.timedelta(days=1)
    # 21:00 in New York on the last day (02:00 UTC the next): an appeal may still be filed
    for at in (_at(after, 2), _at(after, 11, 59)):
        with pytest.raises(RuleViolation) as refused:
            _record(ordered, K.ORDER_BECAME_FINAL, after, at)
        assert refused.value.details["rule"] == "day_not_over_everywhere"
        assert f"from {after} 12:00 UTC" in refused.value.message
    _, final = _record(ordered, K.ORDER_BECAME_FINAL, after, _at(after, 12))
    assert final.state is CaseState.FINAL_ORDER


def test_a_voluntary_departure_turns_into_the_alternate_order_only_after_its_last_day_everywhere():
    granted = in_state(CaseState.VOLUNTARY_DEPARTURE)
    last = granted.case.vd_deadline_on
    assert last is not None
    assert granted.case.appeal_due_on is not None
    assert granted.case.appeal_due_on < last  # the appeal window closed long before
    after = last + dt.timedelta(days=1)
    with pytest.raises(RuleViolation) as refused:  # 18:00 in Los Angeles on the last day
        _record(granted, K.VOLUNTARY_DEPARTURE_EXPIRED, after, _at(after, 2))
    assert refused.value.details["rule"] == "day_not_over_everywhere"
    assert "voluntary-departure period ends on" in refused.value.message
    _, expired = _record(granted, K.VOLUNTARY_DEPARTURE_EXPIRED, after, _at(after, 12))
    assert expired.state is CaseState.FINAL_ORDER


def test_a_deadline_long_past_is_over_everywhere_whatever_the_hour():
    granted = in_state(CaseState.VOLUNTARY_DEPARTURE)
    assert granted.case.vd_deadline_on is not None
    later = granted.case.vd_deadline_on + dt.timedelta(days=2)
    _, expired = _record(granted, K.VOLUNTARY_DEPARTURE_EXPIRED, later, _at(later, 0, 1))
    assert expired.state is CaseState.FINAL_ORDER


def test_an_in_absentia_order_has_no_window_to_wait_for():
    ordered = in_absentia_order()
    on = ordered.on + dt.timedelta(days=1)
    _, final = _record(ordered, K.ORDER_BECAME_FINAL, on, _at(on, 0, 1))
    assert final.state is CaseState.FINAL_ORDER


def test_a_day_begun_somewhere_is_no_future_day():
    """08:00 in Guam on 23 November is 22:00 UTC on the 22nd: an event of that morning is
    dated the 23rd, and a case opened then too; the 24th has begun nowhere yet."""
    guam_morning = _at(dt.date(2026, 11, 22), 22)
    identified = in_state(CaseState.IDENTIFIED)
    served = lifecycle.record(
        identified.case,
        kind=K.CHARGING_DOCUMENT_SERVED,
        fields={},
        occurred_on=dt.date(2026, 11, 23),
        actor="officer.gum",
        document_ref="NTA-GUM-1",
        recorded_at=guam_morning,
    )[1]
    assert served.state is CaseState.CHARGED
    opening = {
        "case_id": CaseId("case-gum"),
        "case_ref": "DKT-GUM-1",
        "person_id": PersonId("person-gum"),
        "field_office": "GUM",
        "actor": "officer.gum",
        "document_ref": "I-213-GUM",
        "recorded_at": guam_morning,
    }
    assert lifecycle.open_case(opened_on=dt.date(2026, 11, 23), **opening)[1].opened_on
    with pytest.raises(InvalidInput, match="future"):
        lifecycle.open_case(opened_on=dt.date(2026, 11, 24), **opening)
    with pytest.raises(InvalidInput, match="future"):
        _record(identified, K.CHARGING_DOCUMENT_SERVED, dt.date(2026, 11, 24), guam_morning)


@pytest.mark.parametrize(
    ("state", "reason"),
    [(CaseState.RELIEF_GRANTED, "relief"), (CaseState.TERMINATED, "termination")],
)
def test_a_case_closes_on_its_decision_only_after_the_appeal_windows_last_day_everywhere(
    state, reason
):
    decided = in_state(state)
    last = decided.case.appeal_due_on
    assert last is not None
    after = last + dt.timedelta(days=1)
    closing = {"kind": K.CASE_CLOSED, "fields": {"reason": reason}, "occurred_on": after}
    common = {"actor": "officer.test", "document_ref": "DOC-T"}
    # 19:30 in New York on the last day: the agency may still appeal the decision there
    with pytest.raises(RuleViolation) as refused:
        lifecycle.record(decided.case, **closing, **common, recorded_at=_at(after, 0, 30))
    assert refused.value.details["rule"] == "day_not_over_everywhere"
    assert f"case_closed may be recorded from {after} 12:00 UTC" in refused.value.message
    _, closed = lifecycle.record(decided.case, **closing, **common, recorded_at=_at(after, 12))
    assert closed.state is CaseState.CLOSED
    # closing as a duplicate rests on no decision: the hour does not matter
    duplicate = {**closing, "fields": {"reason": "duplicate"}}
    _, closed = lifecycle.record(decided.case, **duplicate, **common, recorded_at=_at(after, 0))
    assert closed.state is CaseState.CLOSED
