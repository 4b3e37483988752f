"""What a legacy record must say, read on the record itself: dates in order and none in the
future, the dates and decision its state implies, an appeal within its window, an order final
only when the lifecycle makes it final, a case closed on its decision only once it could be, and
bars only where their move can be pending. ``legacy.to_case`` runs :func:`check_record` first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from docket.cases.events import EventKind
from docket.cases.model import (
    DECIDED_STATES,
    OPEN_STATES,
    BarKind,
    CaseState,
    CloseReason,
    Decision,
    ReleaseMode,
)
from docket.cases.periods import APPEAL_WINDOW_DAYS, VD_LONGEST_DAYS, appeal_due_on
from docket.cases.table import (
    CLOSE_REASON_STATES,
    CLOSED_ON_THE_DECISION,
    REOPENABLE_STATES,
    TABLE,
)
from docket.errors import InvalidInput

if TYPE_CHECKING:
    from docket.cases.legacy import LegacyCase

S = CaseState
AFTER_ORDER = frozenset({S.FINAL_ORDER, S.REMOVAL_SCHEDULED, S.REMOVED})
CUSTODY_WORDS = ("none", "detained", *(m.value for m in ReleaseMode))

CLOSED_FROM_STATES: Mapping[CloseReason, frozenset[CaseState]] = {
    **CLOSE_REASON_STATES,
    # Closed by their own moves, not by case_closed: a confirmed departure (under voluntary
    # departure, or a recorded one that legal review let stand: recording it called off any
    # scheduled removal) and a verified citizenship claim.
    CloseReason.DEPARTURE_CONFIRMED: TABLE[EventKind.DEPARTURE_CONFIRMED].from_states
    | (
        TABLE[EventKind.DEPARTURE_RECORDED].to_states
        & TABLE[EventKind.DEPARTURE_REVIEWED].from_states
    ),
    CloseReason.CITIZENSHIP_VERIFIED: TABLE[EventKind.CITIZENSHIP_CLAIM_RESOLVED].from_states,
}
"""The states a case closes from for each reason, by whichever move closes it for that reason
(``table.CLOSE_REASON_STATES`` for ``case_closed``, and the moves that close by themselves):
an imported closed record must have closed from one of them."""


def check_record(record: LegacyCase, last_day: dt.date) -> None:
    """Refuse ``record`` (:class:`InvalidInput`, naming the field) unless it says what its
    state implies, its dates no later than ``last_day``."""
    _check_dates(record, last_day)
    _check_state_dates(record)
    _check_departure(record)
    _check_decision(record)
    _check_appeal(record)
    _check_final(record)
    _check_closing(record)
    _check_bars(record)


def bad(field: str, reason: str) -> InvalidInput:
    """The refusal of a record for ``reason``, at ``field``."""
    return InvalidInput(f"{field}: {reason}", details={"field": field, "reason": reason})


def _need(record: LegacyCase, field: str, why: str) -> dt.date:
    value = getattr(record, field)
    if value is None:
        raise bad(field, f"required when {why}")
    assert isinstance(value, dt.date)
    return value


def _check_dates(record: LegacyCase, today: dt.date) -> None:
    order = ("opened_on", "charged_on", "decided_on", "final_on", "removed_on", "closed_on")
    previous: tuple[str, dt.date] | None = None
    for name in order:
        day = getattr(record, name)
        if day is None:
            continue
        if day > today:
            raise bad(name, f"{day} is in the future")
        if previous and day < previous[1]:
            raise bad(name, f"{day} is before {previous[0]} ({previous[1]})")
        previous = (name, day)
    for name in ("appeal_filed_on", "custody_on", "departed_on"):
        day = getattr(record, name)
        if day is not None and day > today:
            raise bad(name, f"{day} is in the future")
    if record.custody_on is not None and record.custody_on < record.opened_on:
        raise bad("custody_on", "is before the case was opened")


def _check_departure(record: LegacyCase) -> None:
    """A departure's date comes with what a recorded departure leaves: a case closed for
    departure_confirmed, or the bar departure_reported awaiting legal review; and only then."""
    if record.close_reason is CloseReason.DEPARTURE_CONFIRMED:
        _need(record, "departed_on", "close_reason is departure_confirmed")
    elif BarKind.DEPARTURE_REPORTED in record.bars:
        _need(record, "departed_on", "the bar departure_reported stands")
    elif record.departed_on is not None:
        raise bad(
            "departed_on",
            "only with close_reason departure_confirmed or the bar departure_reported (a "
            "departure awaiting legal review)",
        )


def _check_decision(record: LegacyCase) -> None:
    state, decision = record.state, record.decision
    if state in (S.IDENTIFIED, S.CHARGED, S.IN_PROCEEDINGS) and decision is not None:
        raise bad("decision", f"must be empty in state {state.value}")
    if state in DECIDED_STATES and (decision is None or decision.value != state.value):
        raise bad("decision", f"must be {state.value} in state {state.value}")
    if state in AFTER_ORDER and decision not in (
        Decision.REMOVAL_ORDERED,
        Decision.VOLUNTARY_DEPARTURE,
    ):
        raise bad("decision", f"must be removal_ordered or voluntary_departure in {state.value}")
    if decision is not None:
        decided_on = _need(record, "decided_on", "there is a decision")
        if decision is Decision.VOLUNTARY_DEPARTURE:
            deadline = _need(record, "vd_deadline_on", "voluntary departure was granted")
            if deadline <= decided_on:
                raise bad("vd_deadline_on", "must be after decided_on")
            if deadline > decided_on + dt.timedelta(days=VD_LONGEST_DAYS):
                raise bad(
                    "vd_deadline_on",
                    f"more than {VD_LONGEST_DAYS} days after decided_on: no grant of voluntary "
                    "departure allows longer (INA § 240B)",
                )
    if record.in_absentia and decision is not Decision.REMOVAL_ORDERED:
        raise bad("in_absentia", "only a removal order can be in absentia")


def _check_appeal(record: LegacyCase) -> None:
    if record.appeal_filed_on is None:
        if BarKind.PENDING_APPEAL in record.bars:
            raise bad("bars", "pending_appeal needs appeal_filed_on")
        return
    if record.decided_on is None:
        raise bad("appeal_filed_on", "there is no decision to appeal")
    last_day = appeal_due_on(record.decided_on, in_absentia=record.in_absentia)
    if last_day is None:
        raise bad("appeal_filed_on", "an in-absentia order cannot be appealed")
    if not record.decided_on <= record.appeal_filed_on <= last_day:
        raise bad("appeal_filed_on", f"must be within {APPEAL_WINDOW_DAYS} days of decided_on")


def _check_final(record: LegacyCase) -> None:
    """The order became final, and removal was scheduled, only when the lifecycle lets them:
    after the appeal window of an order not appealed, after the voluntary-departure deadline
    of the alternate order, once the order was final."""
    final_on, decided_on = record.final_on, record.decided_on
    if final_on is None or decided_on is None:
        return
    if record.decision is not None and record.appeal_filed_on is None:
        # a voluntary departure's alternate order too: it may not become final inside the
        # window either (the lifecycle's voluntary_departure_expired waits for it)
        last_day = appeal_due_on(decided_on, in_absentia=record.in_absentia)
        if last_day is not None and final_on <= last_day:
            raise bad(
                "final_on",
                f"{final_on} is within the {APPEAL_WINDOW_DAYS}-day appeal window (until "
                f"{last_day}): an order not appealed becomes final only after it",
            )
    if record.appeal_filed_on is not None and final_on < record.appeal_filed_on:
        raise bad("final_on", f"{final_on} is before appeal_filed_on ({record.appeal_filed_on})")
    deadline = record.vd_deadline_on
    if record.decision is Decision.VOLUNTARY_DEPARTURE and deadline and final_on <= deadline:
        raise bad(
            "final_on",
            f"{final_on} is not after vd_deadline_on ({deadline}): the alternate order takes "
            "effect only once the deadline has passed",
        )
    scheduled = record.removal_scheduled_for
    if scheduled is not None and scheduled < final_on:
        raise bad(
            "removal_scheduled_for",
            f"{scheduled} is before final_on ({final_on}): removal is scheduled only under a "
            "final order",
        )


def _check_closing(record: LegacyCase) -> None:
    """A case closed on its decision (relief, termination) has that decision, and, not
    appealed, closed only after the decision's appeal window, as the lifecycle closes it
    (``close_reason_state``, ``appeal_window_open``)."""
    closed_on, decided_on, reason = record.closed_on, record.decided_on, record.close_reason
    decision = CLOSED_ON_THE_DECISION.get(reason) if reason is not None else None
    if decision is None:
        return
    if record.decision is not decision:
        raise bad("decision", f"must be {decision.value} when close_reason is {reason}")
    if closed_on is None or decided_on is None:
        return
    last_day = appeal_due_on(decided_on, in_absentia=record.in_absentia)
    if record.appeal_filed_on is None and last_day is not None and closed_on <= last_day:
        raise bad(
            "closed_on",
            f"{closed_on} is within the {APPEAL_WINDOW_DAYS}-day appeal window (until "
            f"{last_day}): a case closes on its decision only after it",
        )


def _check_bars(record: LegacyCase) -> None:
    """Bars that only a pending appeal or motion holds up: the case must be where one can be
    pending, so that the move deciding it can lift the bar."""
    state = record.state
    if BarKind.PENDING_APPEAL in record.bars and state not in DECIDED_STATES:
        raise bad(
            "bars",
            f"pending_appeal cannot stand in state {state.value}: an appeal is pending only "
            "against a decision not yet final "
            f"({', '.join(sorted(s.value for s in DECIDED_STATES))})",
        )
    reopenable = state in REOPENABLE_STATES and record.decision is Decision.REMOVAL_ORDERED
    if BarKind.MOTION_TO_REOPEN_STAY in record.bars and not reopenable:
        raise bad(
            "bars",
            f"motion_to_reopen_stay cannot stand in state {state.value}: it stays a removal "
            "order while a motion to reopen it is pending (decision removal_ordered, in state "
            "removal_ordered, final_order or removal_scheduled)",
        )


def _check_state_dates(record: LegacyCase) -> None:
    state = record.state
    if state not in (S.IDENTIFIED, S.CLOSED):
        _need(record, "charged_on", f"the state is {state.value}")
    if state in AFTER_ORDER:
        _need(record, "final_on", f"the state is {state.value}")
    if state is S.REMOVAL_SCHEDULED:
        _need(record, "removal_scheduled_for", "removal is scheduled")
    if state is S.REMOVED:
        _need(record, "removed_on", "the state is removed")
    if state is S.CLOSED:
        _need(record, "closed_on", "the case is closed")
        if record.close_reason is None:
            raise bad("close_reason", "required when the case is closed")
    else:
        if record.closed_on is not None:
            raise bad("closed_on", f"must be empty in state {state.value}")
        if record.close_reason is not None:
            raise bad("close_reason", f"must be empty in state {state.value}")
    if record.bars and state not in OPEN_STATES:
        raise bad("bars", f"no bar can stand on a case in state {state.value}")
    if record.custody not in CUSTODY_WORDS:
        raise bad("custody", f"must be one of {', '.join(CUSTODY_WORDS)}")
    if record.custody != "none":
        _need(record, "custody_on", f"custody is {record.custody}")
