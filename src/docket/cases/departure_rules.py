"""The rules a departure recorded on a case must meet: the day it took place against the case's
own dates (its opening, the voluntary-departure grant and deadline, the day it is recorded).

Departure intake records a confirmed departure only on the cases it concerns
(:func:`concerns`, asked by ``departures.service``); these rules hold the same for every
surface, so that the case core, the rules' one owner, refuses what intake never sends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from docket.cases.events import JSONValue
from docket.cases.fields import date_field
from docket.cases.model import BarKind, Case, CaseState
from docket.errors import RuleViolation

Data = Mapping[str, JSONValue]


def _rule(message: str, rule: str, case: Case) -> RuleViolation:
    return RuleViolation(message, details={"rule": rule, "case_ref": case.case_ref})


def guard_confirmed(case: Case, data: Data, on: dt.date) -> None:
    """``departure_confirmed``: a departure under the grant, by its deadline."""
    guard_dated(case, data, on)
    departed_on = date_field(data, "departed_on")
    if departed_on is not None and case.left_after_vd_deadline(departed_on):
        # The alternate order applies (voluntary_departure_expired) and legal review decides.
        raise _rule(
            f"the departure on {departed_on} is after the voluntary-departure deadline "
            f"({case.vd_deadline_on})",
            "departure_after_vd_deadline",
            case,
        )


def guard_recorded(case: Case, data: Data, on: dt.date) -> None:
    """``departure_recorded``: one at a time, and under a grant only one after its deadline."""
    if case.has_bar(BarKind.DEPARTURE_REPORTED):
        kind = BarKind.DEPARTURE_REPORTED.value
        raise _rule(f"{kind} is already recorded", f"one_{kind}", case)
    guard_dated(case, data, on)
    departed_on = date_field(data, "departed_on")
    if (
        case.state is CaseState.VOLUNTARY_DEPARTURE
        and departed_on is not None
        and not case.left_after_vd_deadline(departed_on)
    ):
        # Left in time: that is voluntary departure, confirmed (and the case closed) by
        # departure_confirmed. Only a late one waits for legal review under the grant, when
        # the alternate order cannot take effect yet (its appeal window open or an appeal
        # pending).
        raise _rule(
            f"the departure on {departed_on} is by the voluntary-departure deadline "
            f"({case.vd_deadline_on}): record departure_confirmed",
            "departure_within_vd_deadline",
            case,
        )


def concerns(case: Case, departed_on: dt.date) -> bool:
    """Whether a departure on ``departed_on`` can concern ``case``: one on or after its
    voluntary-departure grant (a case under voluntary departure), or on or after its opening
    (any other case). An older departure (an exit record from years before) is the person's,
    and neither complies with a grant nor leaves under a case made after it."""
    if case.state is CaseState.VOLUNTARY_DEPARTURE and case.decided_on is not None:
        return departed_on >= case.decided_on
    return departed_on >= case.opened_on


def guard_dated(case: Case, data: Data, on: dt.date) -> None:
    """A departure recorded on ``on`` took place by then and concerns ``case``
    (:func:`concerns`): what each move carrying a departure asks of its date."""
    departed_on = date_field(data, "departed_on")
    if departed_on is None:
        return
    if departed_on > on:
        raise _rule(
            f"the departure on {departed_on} is after the day it is recorded on ({on})",
            "departure_after_record",
            case,
        )
    if concerns(case, departed_on):
        return
    if case.state is CaseState.VOLUNTARY_DEPARTURE and case.decided_on is not None:
        raise _rule(
            f"the departure on {departed_on} is before voluntary departure was granted "
            f"({case.decided_on}): it is no departure under the grant",
            "departure_before_vd_grant",
            case,
        )
    raise _rule(
        f"the departure on {departed_on} is before case {case.case_ref} was opened "
        f"({case.opened_on}): it concerns no case opened after it",
        "departure_before_case_opened",
        case,
    )
