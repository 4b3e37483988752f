"""The rules of the lifecycle that need more than the state."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases import legacy
from docket.cases.events import EventKind
from docket.cases.model import BarKind, CaseState, CloseReason, CustodyStatus
from docket.errors import BarInForce, InvalidInput, RuleViolation
from tests.cases.scenarios import NOW, Built, in_absentia_order, in_state

K = EventKind
S = CaseState


def test_a_removal_order_is_not_final_while_the_appeal_window_is_open():
    ordered = in_state(S.REMOVAL_ORDERED)
    with pytest.raises(RuleViolation) as refused:
        ordered.then(K.ORDER_BECAME_FINAL, days=30)
    assert refused.value.details["rule"] == "appeal_window_open"
    final = ordered.then(K.ORDER_BECAME_FINAL, days=31)
    assert final.case.state is S.FINAL_ORDER
    assert final.case.final_on == ordered.on + dt.timedelta(days=31)


def test_a_pending_appeal_keeps_the_order_from_becoming_final():
    appealed = in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=10, filed_by="respondent")
    assert appealed.case.has_bar(BarKind.PENDING_APPEAL)
    with pytest.raises(BarInForce, match="pending_appeal"):
        appealed.then(K.ORDER_BECAME_FINAL, days=60)


def test_an_appeal_dismissed_makes_the_removal_order_final_and_lifts_the_bar():
    appealed = in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=10, filed_by="respondent")
    decided = appealed.then(K.APPEAL_DECIDED, days=90, outcome="dismissed")
    assert decided.case.state is S.FINAL_ORDER
    assert not decided.case.bars


def test_an_appeal_remanded_returns_the_case_to_proceedings():
    appealed = in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=10, filed_by="respondent")
    remanded = appealed.then(K.APPEAL_DECIDED, days=90, outcome="remanded")
    assert remanded.case.state is S.IN_PROCEEDINGS
    assert remanded.case.decision is None


def test_an_appeal_after_thirty_days_is_refused():
    with pytest.raises(RuleViolation) as refused:
        in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=31, filed_by="respondent")
    assert refused.value.details["rule"] == "appeal_window_closed"


def test_an_in_absentia_order_is_final_at_once_and_cannot_be_appealed():
    ordered = in_absentia_order()
    with pytest.raises(RuleViolation, match="motion to reopen"):
        ordered.then(K.APPEAL_FILED, days=1, filed_by="respondent")
    assert ordered.then(K.ORDER_BECAME_FINAL, days=1).case.state is S.FINAL_ORDER


def test_a_motion_to_rescind_an_in_absentia_order_stays_removal_automatically():
    final = in_absentia_order().then(K.ORDER_BECAME_FINAL, days=1)
    moved = final.then(K.MOTION_TO_REOPEN_FILED, automatic_stay=True)
    assert moved.case.has_bar(BarKind.MOTION_TO_REOPEN_STAY)
    with pytest.raises(BarInForce, match="motion_to_reopen_stay"):
        moved.then(K.REMOVAL_SCHEDULED, scheduled_for=(moved.on + dt.timedelta(days=9)).isoformat())
    reopened = moved.then(K.MOTION_TO_REOPEN_DECIDED, outcome="granted")
    assert reopened.case.state is S.IN_PROCEEDINGS
    assert not reopened.case.bars


def test_a_motion_to_reopen_waits_while_the_board_has_the_case_on_appeal():
    appealed = in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=10, filed_by="respondent")
    with pytest.raises(BarInForce) as refused:
        appealed.then(K.MOTION_TO_REOPEN_FILED)
    assert refused.value.details["bars"] == ["pending_appeal"]
    assert refused.value.details["rule"] == "bar_blocks_motion_to_reopen_filed"
    assert "pending_appeal" in refused.value.message
    # Once the Board has decided, the motion goes to the court and the case can close later.
    final = appealed.then(K.APPEAL_DECIDED, days=60, outcome="dismissed")
    reopened = final.then(K.MOTION_TO_REOPEN_FILED).then(
        K.MOTION_TO_REOPEN_DECIDED, outcome="granted"
    )
    assert reopened.case.state is S.IN_PROCEEDINGS
    assert reopened.case.bars == ()
    assert reopened.then(K.CASE_CLOSED, reason="other").case.state is S.CLOSED


def test_a_motion_filed_before_an_appeal_is_decided_only_after_the_board_decides():
    moved = in_state(S.REMOVAL_ORDERED).then(K.MOTION_TO_REOPEN_FILED, days=1)
    appealed = moved.then(K.APPEAL_FILED, days=1, filed_by="respondent")
    with pytest.raises(BarInForce) as refused:
        appealed.then(K.MOTION_TO_REOPEN_DECIDED, outcome="granted")
    assert refused.value.details["bars"] == ["pending_appeal"]
    assert refused.value.details["rule"] == "bar_blocks_motion_to_reopen_decided"
    final = appealed.then(K.APPEAL_DECIDED, days=60, outcome="dismissed")
    assert final.case.state is S.FINAL_ORDER
    assert final.case.motion_pending
    reopened = final.then(K.MOTION_TO_REOPEN_DECIDED, outcome="granted")
    assert reopened.case.state is S.IN_PROCEEDINGS
    assert reopened.case.bars == ()


def test_the_automatic_stay_is_refused_for_an_order_made_in_the_persons_presence():
    final = in_state(S.FINAL_ORDER)
    with pytest.raises(RuleViolation) as refused:
        final.then(K.MOTION_TO_REOPEN_FILED, automatic_stay=True)
    assert refused.value.details["rule"] == "automatic_stay_in_absentia_only"


def test_voluntary_departure_at_the_end_of_proceedings_allows_at_most_sixty_days():
    hearing = in_state(S.IN_PROCEEDINGS)
    with pytest.raises(RuleViolation) as refused:
        hearing.then(
            K.VOLUNTARY_DEPARTURE_GRANTED,
            deadline_on=(hearing.on + dt.timedelta(days=64)).isoformat(),
            granted_by="judge_at_conclusion",
        )
    assert refused.value.details["rule"] == "vd_period_limit"


def test_a_voluntary_departure_not_confirmed_by_its_deadline_becomes_the_alternate_order():
    granted = in_state(S.VOLUNTARY_DEPARTURE)
    deadline = granted.case.vd_deadline_on
    assert deadline is not None
    with pytest.raises(RuleViolation) as refused:
        granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=(deadline - granted.on).days)
    assert refused.value.details["rule"] == "vd_deadline_not_passed"
    expired = granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=(deadline - granted.on).days + 1)
    assert expired.case.state is S.FINAL_ORDER


def _short_voluntary_departure():
    """Voluntary departure granted by the judge at the end of proceedings with a deadline five
    days on: the deadline passes well inside the 30-day appeal window."""
    hearing = in_state(S.IN_PROCEEDINGS)
    granted = hearing.then(
        K.VOLUNTARY_DEPARTURE_GRANTED,
        deadline_on=(hearing.on + dt.timedelta(days=3 + 5)).isoformat(),
        granted_by="judge_at_conclusion",
    )
    assert granted.case.appeal_due_on == granted.on + dt.timedelta(days=30)
    return granted


def test_a_voluntary_departure_does_not_become_final_while_the_appeal_window_is_open():
    granted = _short_voluntary_departure()
    with pytest.raises(RuleViolation) as refused:
        granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=6)
    assert refused.value.details["rule"] == "appeal_window_open"
    assert str(granted.case.appeal_due_on) in refused.value.message
    with pytest.raises(RuleViolation) as on_the_last_day:
        granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=30)
    assert on_the_last_day.value.details["rule"] == "appeal_window_open"
    # Within the window the decision can still be appealed; after it, the alternate order is
    # final.
    assert granted.then(K.APPEAL_FILED, days=6, filed_by="respondent").case.has_bar(
        BarKind.PENDING_APPEAL
    )
    expired = granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=31)
    assert expired.case.state is S.FINAL_ORDER
    assert expired.case.final_on == granted.on + dt.timedelta(days=31)


def test_a_voluntary_departure_under_appeal_does_not_become_final_until_the_appeal_is_decided():
    appealed = _short_voluntary_departure().then(K.APPEAL_FILED, days=10, filed_by="respondent")
    with pytest.raises(BarInForce, match="pending_appeal"):
        appealed.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=60)
    dismissed = appealed.then(K.APPEAL_DECIDED, days=60, outcome="dismissed")
    assert dismissed.case.state is S.VOLUNTARY_DEPARTURE
    assert dismissed.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=1).case.state is S.FINAL_ORDER


def test_a_confirmed_departure_closes_a_voluntary_departure_case():
    granted = in_state(S.VOLUNTARY_DEPARTURE)
    departed = granted.then(
        K.DEPARTURE_CONFIRMED, departed_on=(granted.on + dt.timedelta(days=1)).isoformat()
    )
    assert departed.case.state is S.CLOSED
    assert departed.case.close_reason is CloseReason.DEPARTURE_CONFIRMED


def test_a_departure_after_the_voluntary_departure_deadline_is_not_confirmed_as_compliance():
    granted = in_state(S.VOLUNTARY_DEPARTURE)
    deadline = granted.case.vd_deadline_on
    assert deadline is not None
    late = (deadline + dt.timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as refused:
        granted.then(K.DEPARTURE_CONFIRMED, days=(deadline - granted.on).days + 5, departed_on=late)
    assert refused.value.details["rule"] == "departure_after_vd_deadline"
    # the alternate order takes effect, and the departure goes to legal review
    expired = granted.then(K.VOLUNTARY_DEPARTURE_EXPIRED, days=(deadline - granted.on).days + 5)
    recorded = expired.then(K.DEPARTURE_RECORDED, departed_on=late)
    assert recorded.case.state is S.FINAL_ORDER
    assert recorded.case.has_bar(BarKind.DEPARTURE_REPORTED)
    on_time = granted.then(
        K.DEPARTURE_CONFIRMED, days=(deadline - granted.on).days + 5, departed_on=str(deadline)
    )
    assert on_time.case.close_reason is CloseReason.DEPARTURE_CONFIRMED


def test_a_stay_granted_at_the_last_minute_stops_a_scheduled_removal():
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    stayed = scheduled.then(K.STAY_GRANTED, days=1, authority="court")
    with pytest.raises(BarInForce, match="stay_of_removal"):
        stayed.then(K.REMOVAL_EXECUTED, days=1)
    lifted = stayed.then(K.STAY_LIFTED, days=10)
    assert lifted.then(K.REMOVAL_EXECUTED, days=1).case.state is S.REMOVED


def test_post_order_detention_sets_the_ninety_day_custody_review():
    final = in_state(S.FINAL_ORDER)
    booked = final.then(K.CUSTODY_BOOKED, facility="Otay Mesa")
    assert booked.case.custody.status is CustodyStatus.DETAINED
    assert booked.case.custody.review_due_on == booked.on + dt.timedelta(days=90)


def test_an_order_becoming_final_while_detained_starts_the_custody_review_clock():
    detained = in_state(S.REMOVAL_ORDERED).then(K.CUSTODY_BOOKED, days=1, facility="Krome")
    assert detained.case.custody.review_due_on is None
    final = detained.then(K.ORDER_BECAME_FINAL, days=30)
    assert final.case.custody.review_due_on == final.on + dt.timedelta(days=90)


def _imported_review(final: Built) -> dt.date | None:
    """The custody review the import gives a legacy record with ``final``'s dates."""
    case = final.case
    assert case.final_on is not None
    assert case.custody.since_on is not None
    record = legacy.LegacyCase(
        case_ref=case.case_ref,
        field_office=case.field_office,
        state=case.state,
        opened_on=case.opened_on,
        decision=case.decision,
        charged_on=case.opened_on,
        decided_on=case.decided_on,
        final_on=case.final_on,
        custody="detained",
        custody_on=case.custody.since_on,
    )
    imported = legacy.to_case(
        record,
        case_id=case.case_id,
        person_id=case.person_id,
        today=NOW.date(),
        document_ref="LEGACY-1",
    )
    return imported.custody.review_due_on


def test_a_booking_dated_before_the_order_became_final_is_reviewed_90_days_after_the_order():
    final = in_state(S.FINAL_ORDER)
    booked = final.then(K.CUSTODY_BOOKED, days=-40, facility="Krome")  # recorded late
    assert booked.case.custody.since_on == final.on - dt.timedelta(days=40)
    assert booked.case.custody.review_due_on == final.on + dt.timedelta(days=90)
    assert booked.case.custody.review_due_on == _imported_review(booked)


def test_an_order_final_before_the_recorded_booking_is_reviewed_90_days_after_the_booking():
    detained = in_state(S.REMOVAL_ORDERED).then(K.CUSTODY_BOOKED, days=35, facility="Krome")
    final = detained.then(K.ORDER_BECAME_FINAL, days=-4)  # final on day 31, recorded later
    assert final.case.final_on == detained.on - dt.timedelta(days=4)
    assert final.case.custody.review_due_on == detained.on + dt.timedelta(days=90)
    assert final.case.custody.review_due_on == _imported_review(final)


def test_a_case_reopened_after_its_final_order_has_no_post_order_custody_review():
    final = in_absentia_order().then(K.ORDER_BECAME_FINAL, days=1)
    detained = final.then(K.CUSTODY_BOOKED, facility="Krome")
    assert "custody_review" in detained.case.deadlines()
    moved = detained.then(K.MOTION_TO_REOPEN_FILED, automatic_stay=True)
    reopened = moved.then(K.MOTION_TO_REOPEN_DECIDED, outcome="granted")
    assert reopened.case.state is S.IN_PROCEEDINGS
    assert reopened.case.custody.status is CustodyStatus.DETAINED
    assert reopened.case.custody.since_on == detained.on
    assert reopened.case.custody.review_due_on is None
    assert "custody_review" not in reopened.case.deadlines()


def test_a_person_claiming_citizenship_is_not_detained_until_review():
    claimed = in_state(S.IN_PROCEEDINGS).then(K.CITIZENSHIP_CLAIM_RAISED)
    with pytest.raises(BarInForce, match="citizenship_claim"):
        claimed.then(K.CUSTODY_BOOKED, facility="Krome")


def test_verified_citizenship_closes_the_case_and_ends_every_bar():
    claimed = in_state(S.FINAL_ORDER).then(K.STAY_GRANTED, authority="court")
    claimed = claimed.then(K.CITIZENSHIP_CLAIM_RAISED)
    verified = claimed.then(K.CITIZENSHIP_CLAIM_RESOLVED, outcome="verified_citizen")
    assert verified.case.state is S.CLOSED
    assert verified.case.close_reason is CloseReason.CITIZENSHIP_VERIFIED
    assert verified.case.bars == ()


def test_a_case_with_relief_closes_for_relief_only_after_the_appeal_window():
    granted = in_state(S.RELIEF_GRANTED)
    with pytest.raises(RuleViolation, match="appealed"):
        granted.then(K.CASE_CLOSED, days=5, reason="relief")
    with pytest.raises(RuleViolation) as wrong_reason:
        granted.then(K.CASE_CLOSED, days=40, reason="termination")
    assert wrong_reason.value.details["rule"] == "close_reason_state"
    assert granted.then(K.CASE_CLOSED, days=40, reason="relief").case.state is S.CLOSED


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "needs hearing_on"),
        ({"hearing_on": "next tuesday"}, "not a date"),
        ({"hearing_on": "2026-12-01", "room": "4"}, "takes no field room"),
    ],
)
def test_bad_event_fields_are_refused_naming_the_field(fields, message):
    with pytest.raises(InvalidInput, match=message):
        in_state(S.CHARGED).then(K.HEARING_SCHEDULED, **fields)


def test_an_event_needs_its_source_document_and_cannot_be_dated_in_the_future():
    from docket.cases import lifecycle
    from tests.cases.scenarios import NOW

    built = in_state(S.IDENTIFIED)
    common = {"kind": K.CHARGING_DOCUMENT_SERVED, "fields": {}, "actor": "a", "recorded_at": NOW}
    with pytest.raises(InvalidInput, match="source document"):
        lifecycle.record(built.case, occurred_on=NOW.date(), document_ref=" ", **common)
    with pytest.raises(InvalidInput, match="future"):
        lifecycle.record(
            built.case,
            occurred_on=NOW.date() + dt.timedelta(days=1),
            document_ref="NTA-1",
            **common,
        )


def _dated_too_early(refused: pytest.ExceptionInfo[InvalidInput], before: str) -> None:
    assert refused.value.details == {
        "field": "occurred_on",
        "rule": "dated_before_what_it_answers",
    }
    assert before in refused.value.message


def test_an_appeal_cannot_be_dated_before_the_decision_it_appeals():
    ordered = in_state(S.REMOVAL_ORDERED)
    with pytest.raises(InvalidInput) as refused:
        ordered.then(K.APPEAL_FILED, days=-1, filed_by="respondent")
    _dated_too_early(refused, f"before the decision ({ordered.on})")
    assert ordered.then(K.APPEAL_FILED, days=0, filed_by="respondent").case.has_bar(
        BarKind.PENDING_APPEAL
    )


def test_a_removal_cannot_be_scheduled_on_a_day_before_the_order_became_final():
    final = in_state(S.REMOVAL_ORDERED).then(K.ORDER_BECAME_FINAL, days=31)
    with pytest.raises(InvalidInput) as refused:
        final.then(K.REMOVAL_SCHEDULED, days=-2, scheduled_for=final.on.isoformat())
    _dated_too_early(refused, f"before the final order ({final.on})")


def test_a_bar_cannot_be_lifted_on_a_day_before_it_was_placed():
    stayed = in_state(S.FINAL_ORDER).then(K.STAY_GRANTED, authority="court")
    with pytest.raises(InvalidInput) as refused:
        stayed.then(K.STAY_LIFTED, days=-1)
    _dated_too_early(refused, f"before the stay_of_removal it answers ({stayed.on})")
    appealed = in_state(S.REMOVAL_ORDERED).then(K.APPEAL_FILED, days=10, filed_by="respondent")
    with pytest.raises(InvalidInput) as refused:
        appealed.then(K.APPEAL_DECIDED, days=-2, outcome="dismissed")
    _dated_too_early(refused, "before the pending_appeal it answers")


def test_a_release_cannot_be_dated_before_the_booking():
    booked = in_state(S.IN_PROCEEDINGS).then(K.CUSTODY_BOOKED, facility="Krome")
    with pytest.raises(InvalidInput) as refused:
        booked.then(K.CUSTODY_RELEASED, days=-1, mode="bond")
    _dated_too_early(refused, f"before the booking ({booked.on})")


def test_facts_recorded_late_may_still_be_dated_before_the_decision():
    final = in_state(S.REMOVAL_ORDERED).then(K.ORDER_BECAME_FINAL, days=31)
    stayed = final.then(K.STAY_GRANTED, days=-20, authority="court")
    assert stayed.case.has_bar(BarKind.STAY_OF_REMOVAL)
    claimed = final.then(K.CITIZENSHIP_CLAIM_RAISED, days=-40)
    assert claimed.case.has_bar(BarKind.CITIZENSHIP_CLAIM)


def test_a_stay_cannot_end_before_it_was_granted():
    final = in_state(S.FINAL_ORDER)
    day_before = (final.on + dt.timedelta(days=2)).isoformat()
    with pytest.raises(InvalidInput) as refused:
        final.then(K.STAY_GRANTED, authority="court", until_on=day_before)
    assert refused.value.details == {"field": "until_on", "rule": "stay_ends_before_grant"}
    same_day = (final.on + dt.timedelta(days=3)).isoformat()
    assert final.then(K.STAY_GRANTED, authority="court", until_on=same_day).case.has_bar(
        BarKind.STAY_OF_REMOVAL
    )


def test_under_voluntary_departure_only_a_late_departure_is_recorded_for_legal_review():
    granted = in_state(S.VOLUNTARY_DEPARTURE)
    deadline = granted.case.vd_deadline_on
    assert deadline is not None
    days = (deadline - granted.on).days + 5
    with pytest.raises(RuleViolation) as refused:
        granted.then(K.DEPARTURE_RECORDED, days=days, departed_on=deadline.isoformat())
    assert refused.value.details["rule"] == "departure_within_vd_deadline"
    late = deadline + dt.timedelta(days=1)
    recorded = granted.then(K.DEPARTURE_RECORDED, days=days, departed_on=late.isoformat())
    assert recorded.case.state is S.VOLUNTARY_DEPARTURE
    assert recorded.case.has_bar(BarKind.DEPARTURE_REPORTED)
    final = recorded.then(K.VOLUNTARY_DEPARTURE_EXPIRED)
    assert final.case.state is S.FINAL_ORDER
    with pytest.raises(BarInForce, match="departure_reported"):
        final.then(K.REMOVAL_SCHEDULED, scheduled_for=(final.on + dt.timedelta(days=9)).isoformat())
    closed = recorded.then(K.DEPARTURE_REVIEWED, outcome="departure_stands")
    assert closed.case.state is S.CLOSED
    assert closed.case.close_reason is CloseReason.DEPARTURE_CONFIRMED


def test_a_motion_on_an_in_absentia_order_must_say_whether_it_seeks_to_rescind_it():
    final = in_absentia_order().then(K.ORDER_BECAME_FINAL, days=1)
    for unsaid in ({}, {"automatic_stay": None}, {"automatic_stay": " "}):
        with pytest.raises(InvalidInput) as refused:
            final.then(K.MOTION_TO_REOPEN_FILED, **unsaid)
        assert refused.value.details == {"field": "automatic_stay"}
        assert "rescind" in refused.value.message
    other_grounds = final.then(K.MOTION_TO_REOPEN_FILED, automatic_stay=False)
    assert other_grounds.case.motion_pending
    assert not other_grounds.case.has_bar(BarKind.MOTION_TO_REOPEN_STAY)
    rescind = final.then(K.MOTION_TO_REOPEN_FILED, automatic_stay="true")
    assert rescind.case.has_bar(BarKind.MOTION_TO_REOPEN_STAY)
    # an order made in person: the field may be left out (no automatic stay applies)
    ordered = in_state(S.FINAL_ORDER).then(K.MOTION_TO_REOPEN_FILED)
    assert ordered.case.motion_pending
    assert not ordered.case.bars
