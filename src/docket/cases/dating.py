"""The rules on the dates of moves: a move is dated neither before what it answers (the
decision, the final order, the bar it lifts, the detention it ends...) nor, when it is a move
of the case's state, before the case entered that state. Recorded late is allowed; recorded
as if it came first is not, since the appeal window, the deadlines and the custody review
are counted from these dates. ``lifecycle.record`` runs both; each refusal names its rule
and the field at fault (``occurred_on``).
"""

from __future__ import annotations

import datetime as dt

from docket.cases.events import EventKind
from docket.cases.model import BarKind, Case, CustodyStatus
from docket.cases.moves import Move
from docket.errors import InvalidInput

K = EventKind


AFTER_THE_DECISION = frozenset(
    {
        K.APPEAL_FILED,
        K.APPEAL_DECIDED,
        K.ORDER_BECAME_FINAL,
        K.VOLUNTARY_DEPARTURE_EXPIRED,
        K.DEPARTURE_CONFIRMED,
        K.MOTION_TO_REOPEN_FILED,
        K.MOTION_TO_REOPEN_DECIDED,
        K.REMOVAL_SCHEDULED,
        K.REMOVAL_CANCELLED,
        K.REMOVAL_EXECUTED,
        K.CASE_CLOSED,
    }
)
"""Moves that answer the judge's decision and the order's becoming final: none can have
happened before them. (Bars, custody and documented facts may be recorded late and dated
earlier: a booking before the order became final, say.)"""


def check_dated_in_order(case: Case, kind: EventKind, bar: BarKind | None, on: dt.date) -> None:
    """Refuse a move dated before what it answers: the decision or the final order
    (:data:`AFTER_THE_DECISION`), the removal a closing follows, the bar it lifts, the
    detention it ends, the release a new booking follows. Recorded late is
    allowed; recorded as if it came first is not, since the appeal window, the deadlines and
    the custody review are counted from these dates."""
    earlier: list[tuple[str, dt.date | None]] = []
    if kind in AFTER_THE_DECISION:
        earlier += [("the decision", case.decided_on), ("the final order", case.final_on)]
    # A protected status is a bar of its own each, whose guard checks its dates itself.
    lifted = case.bar(bar) if bar is not None and bar is not BarKind.PROTECTED_STATUS else None
    if lifted is not None:
        earlier.append((f"the {lifted.kind.value} it answers", lifted.placed_on))
    if kind is K.CASE_CLOSED:
        earlier.append(("the removal", case.removed_on))
    if kind is K.CUSTODY_RELEASED:
        earlier.append(("the booking", case.custody.since_on))
    if kind is K.CUSTODY_BOOKED and case.custody.status is CustodyStatus.RELEASED:
        # A new detention begins after the last release; dated earlier, it would overlap the
        # detention the release ended and count the custody review from the wrong day.
        earlier.append(("the release", case.custody.since_on))
    for what, day in earlier:
        if day is not None and on < day:
            raise InvalidInput(
                f"{kind.value} on case {case.case_ref} cannot be dated {on}, before {what} ({day})",
                details={"field": "occurred_on", "rule": "dated_before_what_it_answers"},
            )


def check_dated_in_state(case: Case, after: Case, move: Move, on: dt.date) -> None:
    """Refuse a move of the case's state dated before the case entered it
    (``Case.state_since``): one that moves the case on to another state, or a step of the
    proceedings in it (a hearing held, a removal carried out). Dated earlier, the case would
    have left its state before it entered it, or taken a step before the one that opened the
    way to it (the charging document, the hearing scheduled, the removal scheduled). Bars,
    custody and documented facts that leave the state as it is may be dated earlier: they
    stand whatever the state (a stay granted, a booking, before the order became final)."""
    if on >= case.state_since:
        return
    moves_on = after.state is not case.state
    a_step = move.bar is None and not move.custody and not move.fact
    if moves_on or a_step:
        raise InvalidInput(
            f"{move.kind.value} on case {case.case_ref} cannot be dated {on}, before the case "
            f"entered state {case.state.value} ({case.state_since})",
            details={"field": "occurred_on", "rule": "dated_before_current_state"},
        )
