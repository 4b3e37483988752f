"""The rules of the lifecycle that need more than the state: appeal windows, deadlines,
one pending appeal or motion at a time, the reason a case may close for, and so on.

``GUARDS`` maps an event kind to its check; ``lifecycle.record`` runs it after the transition
table and the legal bars, and it raises :class:`~docket.errors.RuleViolation` naming the rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

from docket.cases import departure_rules, protected
from docket.cases.effects import corrected_value
from docket.cases.events import EventKind, JSONValue
from docket.cases.facts import BY_EVENT, FACTS, FactSpec
from docket.cases.fields import FieldType, date_field
from docket.cases.model import BarKind, Case, CloseReason, CustodyStatus, Fact
from docket.cases.periods import APPEAL_WINDOW_DAYS, VD_LIMIT_DAYS, day_begun_everywhere
from docket.cases.table import CLOSE_REASON_STATES, CLOSED_ON_THE_DECISION
from docket.errors import InvalidInput, RuleViolation

K = EventKind


def _rule(message: str, rule: str, case: Case) -> RuleViolation:
    return RuleViolation(message, details={"rule": rule, "case_ref": case.case_ref})


Data = Mapping[str, JSONValue]


def check_day_over(case: Case, kind: EventKind, data: Data, recorded_at: dt.datetime) -> None:
    """Refuse an order's becoming final, a voluntary departure's turning into the alternate
    order, or a case's closing on relief or termination, while the last day of the appeal
    window or of the departure period is not over everywhere on Earth at ``recorded_at``: it
    may not be over where the person is, which Docket does not know (in the evening in the
    Americas, UTC's date is already the next). The guards hold the dates in order; this holds
    the hour."""
    days: list[tuple[str, dt.date | None]] = []
    final = kind is K.ORDER_BECAME_FINAL and not case.in_absentia
    closing_on_decision = kind is K.CASE_CLOSED and data.get("reason") in CLOSED_ON_THE_DECISION
    if final or closing_on_decision:
        days = [("appeal window", case.appeal_due_on)]
    elif kind is K.VOLUNTARY_DEPARTURE_EXPIRED:
        days = [("voluntary-departure period", case.vd_deadline_on)]
        days.append(("appeal window", case.appeal_due_on))
    begun = day_begun_everywhere(recorded_at)
    for what, last in days:
        if last is not None and last >= begun:
            after = last + dt.timedelta(days=1)
            raise _rule(
                f"the {what} ends on {last}, a day not yet over everywhere on Earth (it may not "
                f"be over where the person is): {kind.value} may be recorded from {after} "
                "12:00 UTC",
                "day_not_over_everywhere",
                case,
            )


def _guard_hearing_scheduled(case: Case, data: Data, on: dt.date) -> None:
    hearing_on = date_field(data, "hearing_on")
    if hearing_on is not None and hearing_on < on:
        raise _rule("a hearing cannot be scheduled in the past", "hearing_in_past", case)


def _guard_vd_granted(case: Case, data: Data, on: dt.date) -> None:
    deadline = date_field(data, "deadline_on")
    limit = VD_LIMIT_DAYS[str(data["granted_by"])]
    if deadline is None or deadline <= on:
        raise _rule("the departure deadline must be after the grant", "vd_deadline_order", case)
    if deadline > on + dt.timedelta(days=limit):
        raise _rule(
            f"voluntary departure granted by {data['granted_by']} allows at most {limit} days",
            "vd_period_limit",
            case,
        )


def _guard_appeal_filed(case: Case, data: Data, on: dt.date) -> None:
    if case.has_bar(BarKind.PENDING_APPEAL):
        raise _rule("an appeal is already pending", "one_pending_appeal", case)
    if case.in_absentia:
        raise _rule(
            "an in-absentia order cannot be appealed; file a motion to reopen",
            "in_absentia_not_appealable",
            case,
        )
    if case.appeal_due_on is None or on > case.appeal_due_on:
        raise _rule(
            f"the {APPEAL_WINDOW_DAYS}-day appeal window is closed", "appeal_window_closed", case
        )


def _guard_appeal_decided(case: Case, data: Data, on: dt.date) -> None:
    if not case.has_bar(BarKind.PENDING_APPEAL):
        raise _rule("no appeal is pending", "appeal_pending_required", case)


def _guard_order_final(case: Case, data: Data, on: dt.date) -> None:
    if case.in_absentia:
        return
    if case.appeal_due_on is None or on <= case.appeal_due_on:
        raise _rule(
            f"the order becomes final only after the {APPEAL_WINDOW_DAYS}-day appeal window "
            f"(until {case.appeal_due_on})",
            "appeal_window_open",
            case,
        )


def _guard_vd_expired(case: Case, data: Data, on: dt.date) -> None:
    if case.vd_deadline_on is None or on <= case.vd_deadline_on:
        raise _rule(
            f"the voluntary-departure deadline ({case.vd_deadline_on}) has not passed",
            "vd_deadline_not_passed",
            case,
        )
    # The alternate order is a removal order like any other: it becomes final only once the
    # appeal window has passed (a pending appeal is refused by its bar, bars.BLOCKS).
    if case.appeal_due_on is not None and on <= case.appeal_due_on:
        raise _rule(
            "the voluntary departure cannot turn into the alternate removal order while the "
            f"decision can still be appealed: the {APPEAL_WINDOW_DAYS}-day appeal window is "
            f"open until {case.appeal_due_on}",
            "appeal_window_open",
            case,
        )


def _guard_motion_filed(case: Case, data: Data, on: dt.date) -> None:
    if case.motion_pending:
        raise _rule("a motion to reopen is already pending", "one_pending_motion", case)
    if data.get("automatic_stay") and not case.in_absentia:
        raise _rule(
            "the automatic stay applies only to a motion to rescind an in-absentia order",
            "automatic_stay_in_absentia_only",
            case,
        )


def to_be_stated(case: Case, kind: EventKind) -> dict[str, str]:
    """Optional fields of ``kind`` that ``case`` needs stated one way or the other, by name,
    with what to say. A motion to reopen an in-absentia order stays removal by law when it
    seeks to rescind the order (INA § 240(b)(5)(C); 8 CFR 1003.23(b)(4)(ii)), not when it
    rests on other grounds: the person recording it says which, so that a stay the law gives
    is never lost to a field left out."""
    if kind is K.MOTION_TO_REOPEN_FILED and case.in_absentia:
        return {
            "automatic_stay": "the order was made in absentia: say whether the motion seeks "
            "to rescind it (automatic_stay true: removal is stayed while it is pending, INA § "
            "240(b)(5)(C)) or rests on other grounds (automatic_stay false)"
        }
    return {}


def _guard_motion_decided(case: Case, data: Data, on: dt.date) -> None:
    if not case.motion_pending:
        raise _rule("no motion to reopen is pending", "motion_pending_required", case)


def _guard_stay_granted(case: Case, data: Data, on: dt.date) -> None:
    _guard_bar_absent(BarKind.STAY_OF_REMOVAL)(case, data, on)
    until_on = date_field(data, "until_on")
    if until_on is not None and until_on < on:
        raise InvalidInput(
            f"until_on {until_on} is before the stay was granted ({on})",
            details={"field": "until_on", "rule": "stay_ends_before_grant"},
        )


def _guard_bar_absent(kind: BarKind) -> Callable[[Case, Data, dt.date], None]:
    def guard(case: Case, data: Data, on: dt.date) -> None:
        if case.has_bar(kind):
            raise _rule(f"{kind.value} is already recorded", f"one_{kind.value}", case)

    return guard


def _guard_bar_present(kind: BarKind) -> Callable[[Case, Data, dt.date], None]:
    def guard(case: Case, data: Data, on: dt.date) -> None:
        if not case.has_bar(kind):
            raise _rule(f"no {kind.value} is recorded", f"{kind.value}_required", case)

    return guard


def _guard_custody_booked(case: Case, data: Data, on: dt.date) -> None:
    if case.custody.status is CustodyStatus.DETAINED:
        raise _rule("the person is already detained", "already_detained", case)


def _guard_custody_released(case: Case, data: Data, on: dt.date) -> None:
    if case.custody.status is not CustodyStatus.DETAINED:
        raise _rule("the person is not detained", "not_detained", case)


def _guard_removal_scheduled(case: Case, data: Data, on: dt.date) -> None:
    scheduled_for = date_field(data, "scheduled_for")
    if scheduled_for is not None and scheduled_for < on:
        raise _rule("removal cannot be scheduled in the past", "removal_in_past", case)


def _guard_case_closed(case: Case, data: Data, on: dt.date) -> None:
    reason = CloseReason(str(data["reason"]))
    if case.state not in CLOSE_REASON_STATES[reason]:
        raise _rule(
            f"a case in state {case.state.value} cannot close for reason {reason.value}",
            "close_reason_state",
            case,
        )
    if reason in CLOSED_ON_THE_DECISION and (
        case.appeal_due_on is not None and on <= case.appeal_due_on
    ):
        raise _rule(
            f"the decision can still be appealed until {case.appeal_due_on}",
            "appeal_window_open",
            case,
        )


def _fact_dates(case: Case, spec: FactSpec, values: Mapping[str, object], on: dt.date) -> None:
    """A fact's dates are no later than the day it is recorded, and an end no earlier than its
    start."""
    dates = {
        f.name: dt.date.fromisoformat(str(values[f.name]))
        for f in spec.fields
        if f.type is FieldType.DATE and values.get(f.name) is not None
    }
    for name, day in dates.items():
        if day > on:
            raise _rule(
                f"{name} {day} is after the day the fact is recorded ({on})",
                "fact_date_in_future",
                case,
            )
    start = dates.get(spec.date_field)
    for name, day in dates.items():
        if start is not None and name != spec.date_field and day < start:
            raise _rule(
                f"{name} {day} is before {spec.date_field} {start}", "fact_dates_out_of_order", case
            )


def _guard_fact_recorded(spec: FactSpec) -> Callable[[Case, Data, dt.date], None]:
    def guard(case: Case, data: Data, on: dt.date) -> None:
        _fact_dates(case, spec, data, on)

    return guard


def _recorded_fact(case: Case, data: Data) -> Fact:
    target = str(data["fact_id"])
    found = next((f for f in case.facts if f.fact_id == target), None)
    if found is None:
        raise RuleViolation(
            f"case {case.case_ref} has no fact {target} in force",
            details={"rule": "fact_not_found", "case_ref": case.case_ref, "fact_id": target},
        )
    return found


def _guard_fact_corrected(case: Case, data: Data, on: dt.date) -> None:
    fact = _recorded_fact(case, data)
    spec = FACTS[fact.kind]
    name = str(data["field"])
    names = [f.name for f in spec.fields]
    if name not in names:
        raise InvalidInput(
            f"a {fact.kind.value} has no field {name!r} (fields: {', '.join(names) or 'none'})",
            details={"field": "field", "choices": names},
        )
    new = corrected_value(spec, data)
    if fact.value(name) == new[name]:
        raise _rule(
            f"{fact.fact_id} already has {name} = {new[name]!r}", "nothing_to_correct", case
        )
    _fact_dates(case, spec, {**dict(fact.values), **new}, on)


def _guard_fact_withdrawn(case: Case, data: Data, on: dt.date) -> None:
    fact = _recorded_fact(case, data)
    if FACTS[fact.kind].event is None:
        raise _rule(
            f"{fact.fact_id} is the case's own {fact.kind.value}, not a recorded fact: it "
            "cannot be withdrawn (it ends with the order, e.g. when a motion to reopen is "
            "granted)",
            "fact_kept_by_the_case",
            case,
        )


GUARDS: Mapping[EventKind, Callable[[Case, Data, dt.date], None]] = {
    K.HEARING_SCHEDULED: _guard_hearing_scheduled,
    K.VOLUNTARY_DEPARTURE_GRANTED: _guard_vd_granted,
    K.APPEAL_FILED: _guard_appeal_filed,
    K.APPEAL_DECIDED: _guard_appeal_decided,
    K.ORDER_BECAME_FINAL: _guard_order_final,
    K.VOLUNTARY_DEPARTURE_EXPIRED: _guard_vd_expired,
    K.DEPARTURE_CONFIRMED: departure_rules.guard_confirmed,
    K.DEPARTURE_RECORDED: departure_rules.guard_recorded,
    K.DEPARTURE_REVIEWED: _guard_bar_present(BarKind.DEPARTURE_REPORTED),
    K.MOTION_TO_REOPEN_FILED: _guard_motion_filed,
    K.MOTION_TO_REOPEN_DECIDED: _guard_motion_decided,
    K.STAY_GRANTED: _guard_stay_granted,
    K.STAY_LIFTED: _guard_bar_present(BarKind.STAY_OF_REMOVAL),
    K.CITIZENSHIP_CLAIM_RAISED: _guard_bar_absent(BarKind.CITIZENSHIP_CLAIM),
    K.CITIZENSHIP_CLAIM_RESOLVED: _guard_bar_present(BarKind.CITIZENSHIP_CLAIM),
    K.PROTECTED_STATUS_RECORDED: protected.guard_recorded,
    K.PROTECTED_STATUS_ENDED: protected.guard_ended,
    K.UNACCOMPANIED_MINOR_IDENTIFIED: _guard_bar_absent(BarKind.UNACCOMPANIED_MINOR),
    K.CUSTODY_PLAN_RECORDED: _guard_bar_present(BarKind.UNACCOMPANIED_MINOR),
    K.MEDICAL_HOLD_PLACED: _guard_bar_absent(BarKind.MEDICAL_HOLD),
    K.MEDICAL_HOLD_LIFTED: _guard_bar_present(BarKind.MEDICAL_HOLD),
    K.CUSTODY_BOOKED: _guard_custody_booked,
    K.CUSTODY_RELEASED: _guard_custody_released,
    K.REMOVAL_SCHEDULED: _guard_removal_scheduled,
    K.CASE_CLOSED: _guard_case_closed,
    **{kind: _guard_fact_recorded(spec) for kind, spec in BY_EVENT.items()},
    K.FACT_CORRECTED: _guard_fact_corrected,
    K.FACT_WITHDRAWN: _guard_fact_withdrawn,
}
