"""Recording lifecycle events: the checks a move must pass, and what it does to the case.

``record`` is the only way a move enters the system: it checks the table (``table.TABLE``), the
legal bars (``bars.check_bars``) and the rules that need more than the state, in that order, and
raises before anything is built. ``evolve`` applies an already-recorded event and checks nothing,
so that replaying the log (``rebuild``) gives back exactly what was stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable, Mapping

from docket.cases import snapshot
from docket.cases.bars import check_bars
from docket.cases.events import CASE_CREATION_KINDS, Event, EventKind, JSONValue, StreamType
from docket.cases.fields import date_field, parse_fields
from docket.cases.model import (
    Bar,
    BarKind,
    Case,
    CaseId,
    CaseState,
    CloseReason,
    Custody,
    CustodyStatus,
    Decision,
    PersonId,
    ReleaseMode,
)
from docket.cases.table import (
    APPEAL_WINDOW_DAYS,
    CLOSE_REASON_STATES,
    CREATION_LEGAL_BASIS,
    CUSTODY_REVIEW_DAYS,
    POST_ORDER_STATES,
    TABLE,
)
from docket.errors import IllegalTransition, InvalidInput, RuleViolation

K = EventKind
S = CaseState
VD_LIMIT_DAYS = {"judge_at_conclusion": 60, "judge_prior_to_conclusion": 120, "agency": 120}
"""INA § 240B(a)(2)(A) and (b)(2): at most 120 days before, 60 days at the end of proceedings."""


def record(
    case: Case,
    *,
    kind: EventKind,
    fields: Mapping[str, object],
    occurred_on: dt.date,
    actor: str,
    document_ref: str,
    recorded_at: dt.datetime,
) -> tuple[Event, Case]:
    """Check a move against every rule and return the event and the case after it."""
    move = TABLE.get(kind)
    if move is None:
        raise IllegalTransition(
            f"{kind.value} is not a lifecycle move", details={"rule": "not_a_move"}
        )
    if case.state not in move.from_states:
        allowed = ", ".join(sorted(s.value for s in move.from_states))
        raise IllegalTransition(
            f"{kind.value} is not allowed on case {case.case_ref} in state {case.state.value} "
            f"(allowed from: {allowed})",
            details={
                "case_ref": case.case_ref,
                "state": case.state.value,
                "action": kind.value,
                "rule": "transition_table",
            },
        )
    _check_provenance(actor=actor, document_ref=document_ref, recorded_at=recorded_at)
    data = parse_fields(move.fields, fields, kind=kind.value)
    today = recorded_at.date()
    if occurred_on > today:
        raise InvalidInput(
            f"occurred_on {occurred_on} is in the future", details={"field": "occurred_on"}
        )
    if occurred_on < case.opened_on:
        raise InvalidInput(
            f"occurred_on {occurred_on} is before the case was opened ({case.opened_on})",
            details={"field": "occurred_on"},
        )
    check_bars(case, kind)
    guard = _GUARDS.get(kind)
    if guard is not None:
        guard(case, data, occurred_on)
    event = Event(
        kind=kind,
        stream_type=StreamType.CASE,
        stream_id=case.case_id,
        stream_version=case.version + 1,
        occurred_on=occurred_on,
        recorded_at=recorded_at,
        actor=actor,
        legal_basis=move.legal_basis,
        document_ref=document_ref,
        data=data,
    )
    after = evolve(case, event)
    if after.state not in move.to_states:  # the table and the effects disagree: a defect
        raise AssertionError(f"{kind.value} led to {after.state.value}, not in the table")
    return event, after


def open_case(
    *,
    case_id: CaseId,
    case_ref: str,
    person_id: PersonId,
    field_office: str,
    opened_on: dt.date,
    actor: str,
    document_ref: str,
    recorded_at: dt.datetime,
) -> tuple[Event, Case]:
    """Open a new case in state ``identified``."""
    _check_provenance(actor=actor, document_ref=document_ref, recorded_at=recorded_at)
    if opened_on > recorded_at.date():
        raise InvalidInput(
            f"opened_on {opened_on} is in the future", details={"field": "opened_on"}
        )
    data: dict[str, JSONValue] = {
        "case_ref": case_ref,
        "person_id": person_id,
        "field_office": field_office,
    }
    event = Event(
        kind=K.CASE_OPENED,
        stream_type=StreamType.CASE,
        stream_id=case_id,
        stream_version=1,
        occurred_on=opened_on,
        recorded_at=recorded_at,
        actor=actor,
        legal_basis=CREATION_LEGAL_BASIS[K.CASE_OPENED],
        document_ref=document_ref,
        data=data,
    )
    return event, evolve(None, event)


def import_case(
    case: Case,
    *,
    history: Mapping[str, str],
    actor: str,
    document_ref: str,
    recorded_at: dt.datetime,
) -> tuple[Event, Case]:
    """Record a legacy case as it stood (built by ``legacy.to_case``) with its earlier dates.

    The import event is the case's first: the case it leaves has version 1.
    """
    _check_provenance(actor=actor, document_ref=document_ref, recorded_at=recorded_at)
    if case.version != 1:
        case = dataclasses.replace(case, version=1)
    event = Event(
        kind=K.CASE_IMPORTED,
        stream_type=StreamType.CASE,
        stream_id=case.case_id,
        stream_version=1,
        occurred_on=case.opened_on,
        recorded_at=recorded_at,
        actor=actor,
        legal_basis=CREATION_LEGAL_BASIS[K.CASE_IMPORTED],
        document_ref=document_ref,
        data={"case": snapshot.case_to_dict(case), "history": dict(history)},
    )
    snapshot.prime_texts(event, case)
    return event, case


def rebuild(events: Iterable[Event]) -> Case:
    """The case as its events make it: the projection, recomputed from the log."""
    case: Case | None = None
    for event in events:
        case = evolve(case, event)
    if case is None:
        raise InvalidInput("no events to rebuild a case from")
    return case


def evolve(case: Case | None, event: Event) -> Case:
    """Apply one recorded event. Checks nothing: it must reproduce what ``record`` produced."""
    if event.kind in CASE_CREATION_KINDS:
        if case is not None:
            raise AssertionError(f"{event.kind.value} on an existing case")
        return _create(event)
    if case is None:
        raise AssertionError(f"{event.kind.value} before the case was created")
    effect = _EFFECTS.get(event.kind)
    after = effect(case, event) if effect else case
    bar = TABLE[event.kind].bar
    if bar is not None and event.kind in _BAR_PLACING:
        after = _place_bar(after, bar, event)
    elif bar is not None and event.kind in _BAR_LIFTING:
        after = _remove_bar(after, bar)
    return dataclasses.replace(after, version=event.stream_version)


def _create(event: Event) -> Case:
    if event.kind is K.CASE_IMPORTED:
        case_data = event.data["case"]
        assert isinstance(case_data, dict)
        return snapshot.case_from_dict(case_data)
    return Case(
        case_id=CaseId(event.stream_id),
        case_ref=str(event.data["case_ref"]),
        person_id=PersonId(str(event.data["person_id"])),
        field_office=str(event.data["field_office"]),
        state=S.IDENTIFIED,
        opened_on=event.occurred_on,
        version=1,
    )


def _check_provenance(*, actor: str, document_ref: str, recorded_at: dt.datetime) -> None:
    if not actor.strip():
        raise InvalidInput("every event needs the actor who records it", details={"field": "actor"})
    if not document_ref.strip():
        raise InvalidInput(
            "every event needs the reference of its source document",
            details={"field": "document_ref"},
        )
    if recorded_at.utcoffset() != dt.timedelta(0):
        raise InvalidInput("recorded_at must be a UTC time", details={"field": "recorded_at"})


def _rule(message: str, rule: str, case: Case) -> RuleViolation:
    return RuleViolation(message, details={"rule": rule, "case_ref": case.case_ref})


# ---- rules that need more than the state ------------------------------------------------------

Data = Mapping[str, JSONValue]


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


def _guard_departure_confirmed(case: Case, data: Data, on: dt.date) -> None:
    departed_on = date_field(data, "departed_on")
    if departed_on is not None and departed_on > on:
        raise _rule("the departure date is after the confirmation", "departure_after_record", case)


def _guard_motion_filed(case: Case, data: Data, on: dt.date) -> None:
    if case.motion_pending:
        raise _rule("a motion to reopen is already pending", "one_pending_motion", case)
    if data.get("automatic_stay") and not case.in_absentia:
        raise _rule(
            "the automatic stay applies only to a motion to rescind an in-absentia order",
            "automatic_stay_in_absentia_only",
            case,
        )


def _guard_motion_decided(case: Case, data: Data, on: dt.date) -> None:
    if not case.motion_pending:
        raise _rule("no motion to reopen is pending", "motion_pending_required", case)


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
    if reason in (CloseReason.RELIEF, CloseReason.TERMINATION) and (
        case.appeal_due_on is not None and on <= case.appeal_due_on
    ):
        raise _rule(
            f"the decision can still be appealed until {case.appeal_due_on}",
            "appeal_window_open",
            case,
        )


_GUARDS: Mapping[EventKind, Callable[[Case, Data, dt.date], None]] = {
    K.HEARING_SCHEDULED: _guard_hearing_scheduled,
    K.VOLUNTARY_DEPARTURE_GRANTED: _guard_vd_granted,
    K.APPEAL_FILED: _guard_appeal_filed,
    K.APPEAL_DECIDED: _guard_appeal_decided,
    K.ORDER_BECAME_FINAL: _guard_order_final,
    K.VOLUNTARY_DEPARTURE_EXPIRED: _guard_vd_expired,
    K.DEPARTURE_CONFIRMED: _guard_departure_confirmed,
    K.MOTION_TO_REOPEN_FILED: _guard_motion_filed,
    K.MOTION_TO_REOPEN_DECIDED: _guard_motion_decided,
    K.STAY_GRANTED: _guard_bar_absent(BarKind.STAY_OF_REMOVAL),
    K.STAY_LIFTED: _guard_bar_present(BarKind.STAY_OF_REMOVAL),
    K.CITIZENSHIP_CLAIM_RAISED: _guard_bar_absent(BarKind.CITIZENSHIP_CLAIM),
    K.CITIZENSHIP_CLAIM_RESOLVED: _guard_bar_present(BarKind.CITIZENSHIP_CLAIM),
    K.PROTECTED_STATUS_RECORDED: _guard_bar_absent(BarKind.PROTECTED_STATUS),
    K.PROTECTED_STATUS_ENDED: _guard_bar_present(BarKind.PROTECTED_STATUS),
    K.UNACCOMPANIED_MINOR_IDENTIFIED: _guard_bar_absent(BarKind.UNACCOMPANIED_MINOR),
    K.CUSTODY_PLAN_RECORDED: _guard_bar_present(BarKind.UNACCOMPANIED_MINOR),
    K.MEDICAL_HOLD_PLACED: _guard_bar_absent(BarKind.MEDICAL_HOLD),
    K.MEDICAL_HOLD_LIFTED: _guard_bar_present(BarKind.MEDICAL_HOLD),
    K.CUSTODY_BOOKED: _guard_custody_booked,
    K.CUSTODY_RELEASED: _guard_custody_released,
    K.REMOVAL_SCHEDULED: _guard_removal_scheduled,
    K.CASE_CLOSED: _guard_case_closed,
}


# ---- effects ---------------------------------------------------------------------------------

_BAR_PLACING = frozenset(
    {
        K.APPEAL_FILED,
        K.STAY_GRANTED,
        K.CITIZENSHIP_CLAIM_RAISED,
        K.PROTECTED_STATUS_RECORDED,
        K.UNACCOMPANIED_MINOR_IDENTIFIED,
        K.MEDICAL_HOLD_PLACED,
    }
)
"""Moves that place their table's bar. The motion to reopen places its bar only when the law
gives an automatic stay, so its effect does that itself (see ``_motion_filed``)."""
_BAR_LIFTING = frozenset(
    {
        K.APPEAL_DECIDED,
        K.MOTION_TO_REOPEN_DECIDED,
        K.STAY_LIFTED,
        K.CITIZENSHIP_CLAIM_RESOLVED,
        K.PROTECTED_STATUS_ENDED,
        K.CUSTODY_PLAN_RECORDED,
        K.MEDICAL_HOLD_LIFTED,
    }
)
"""Moves that lift their table's bar."""

_BAR_DETAIL_FIELDS = {
    K.APPEAL_FILED: "filed_by",
    K.STAY_GRANTED: "authority",
    K.PROTECTED_STATUS_RECORDED: "status",
}


def _place_bar(case: Case, kind: BarKind, event: Event) -> Case:
    detail_field = _BAR_DETAIL_FIELDS.get(event.kind)
    detail = str(event.data.get(detail_field) or "") if detail_field else ""
    bar = Bar(
        kind=kind, placed_on=event.occurred_on, document_ref=event.document_ref, detail=detail
    )
    bars = tuple(sorted((*_without(case.bars, kind), bar), key=lambda b: b.kind.value))
    return dataclasses.replace(case, bars=bars)


def _remove_bar(case: Case, kind: BarKind) -> Case:
    return dataclasses.replace(case, bars=_without(case.bars, kind))


def _without(bars: tuple[Bar, ...], kind: BarKind) -> tuple[Bar, ...]:
    return tuple(b for b in bars if b.kind is not kind)


def _decide(
    case: Case, event: Event, decision: Decision, state: CaseState, *, appealable: bool = True
) -> Case:
    window = dt.timedelta(days=APPEAL_WINDOW_DAYS)
    return dataclasses.replace(
        case,
        state=state,
        decision=decision,
        decided_on=event.occurred_on,
        appeal_due_on=event.occurred_on + window if appealable else None,
        hearing_on=None,
    )


def _vd_granted(case: Case, event: Event) -> Case:
    # An agency grant (8 CFR 240.25) is not a judge's decision and has no BIA appeal.
    decided = _decide(
        case,
        event,
        Decision.VOLUNTARY_DEPARTURE,
        S.VOLUNTARY_DEPARTURE,
        appealable=event.data["granted_by"] != "agency",
    )
    return dataclasses.replace(decided, vd_deadline_on=date_field(event.data, "deadline_on"))


def _removal_ordered(case: Case, event: Event) -> Case:
    # An in-absentia order is not appealable; the remedy is a motion to reopen (INA § 240(b)(5)(C)).
    in_absentia = bool(event.data.get("in_absentia"))
    decided = _decide(
        case, event, Decision.REMOVAL_ORDERED, S.REMOVAL_ORDERED, appealable=not in_absentia
    )
    return dataclasses.replace(decided, in_absentia=in_absentia)


def _enter_final(case: Case, on: dt.date) -> Case:
    custody = case.custody
    if custody.status is CustodyStatus.DETAINED:
        custody = dataclasses.replace(
            custody, review_due_on=on + dt.timedelta(days=CUSTODY_REVIEW_DAYS)
        )
    return dataclasses.replace(
        case, state=S.FINAL_ORDER, final_on=on, appeal_due_on=None, custody=custody
    )


def _close(case: Case, on: dt.date, reason: CloseReason) -> Case:
    # Closing ends every bar and custody: nothing remains to block or to review.
    return dataclasses.replace(
        case,
        state=S.CLOSED,
        closed_on=on,
        close_reason=reason,
        bars=(),
        custody=Custody(),
        appeal_due_on=None,
        hearing_on=None,
        motion_pending=False,
    )


def _back_to_proceedings(case: Case) -> Case:
    return dataclasses.replace(
        case,
        state=S.IN_PROCEEDINGS,
        decision=None,
        decided_on=None,
        in_absentia=False,
        appeal_due_on=None,
        vd_deadline_on=None,
        final_on=None,
        removal_scheduled_for=None,
        motion_pending=False,
    )


def _appeal_decided(case: Case, event: Event) -> Case:
    if event.data["outcome"] == "remanded":
        return _back_to_proceedings(case)
    if case.decision is Decision.REMOVAL_ORDERED:
        return _enter_final(case, event.occurred_on)
    return case


def _motion_filed(case: Case, event: Event) -> Case:
    after = dataclasses.replace(case, motion_pending=True)
    if event.data.get("automatic_stay"):
        after = _place_bar(after, BarKind.MOTION_TO_REOPEN_STAY, event)
    return after


def _motion_decided(case: Case, event: Event) -> Case:
    if event.data["outcome"] == "granted":
        return _back_to_proceedings(case)
    return dataclasses.replace(case, motion_pending=False)


def _custody_booked(case: Case, event: Event) -> Case:
    review = (
        event.occurred_on + dt.timedelta(days=CUSTODY_REVIEW_DAYS)
        if case.state in POST_ORDER_STATES
        else None
    )
    custody = Custody(
        status=CustodyStatus.DETAINED,
        since_on=event.occurred_on,
        facility=str(event.data["facility"]),
        review_due_on=review,
    )
    return dataclasses.replace(case, custody=custody)


def _custody_released(case: Case, event: Event) -> Case:
    custody = Custody(
        status=CustodyStatus.RELEASED,
        since_on=event.occurred_on,
        release_mode=ReleaseMode(str(event.data["mode"])),
    )
    return dataclasses.replace(case, custody=custody)


def _citizenship_resolved(case: Case, event: Event) -> Case:
    if event.data["outcome"] == "verified_citizen":
        return _close(case, event.occurred_on, CloseReason.CITIZENSHIP_VERIFIED)
    return case


def _departure_confirmed(case: Case, event: Event) -> Case:
    departed = date_field(event.data, "departed_on")
    closed = _close(case, event.occurred_on, CloseReason.DEPARTURE_CONFIRMED)
    return dataclasses.replace(closed, departed_on=departed)


_EFFECTS: Mapping[EventKind, Callable[[Case, Event], Case]] = {
    K.CHARGING_DOCUMENT_SERVED: lambda c, e: dataclasses.replace(c, state=S.CHARGED),
    K.HEARING_SCHEDULED: lambda c, e: dataclasses.replace(
        c, state=S.IN_PROCEEDINGS, hearing_on=date_field(e.data, "hearing_on")
    ),
    K.HEARING_HELD: lambda c, e: dataclasses.replace(c, hearing_on=None),
    K.RELIEF_GRANTED: lambda c, e: _decide(c, e, Decision.RELIEF_GRANTED, S.RELIEF_GRANTED),
    K.PROCEEDINGS_TERMINATED: lambda c, e: _decide(c, e, Decision.TERMINATED, S.TERMINATED),
    K.VOLUNTARY_DEPARTURE_GRANTED: _vd_granted,
    K.REMOVAL_ORDERED: _removal_ordered,
    K.APPEAL_FILED: lambda c, e: dataclasses.replace(c, appeal_due_on=None),
    K.APPEAL_DECIDED: _appeal_decided,
    K.ORDER_BECAME_FINAL: lambda c, e: _enter_final(c, e.occurred_on),
    K.VOLUNTARY_DEPARTURE_EXPIRED: lambda c, e: _enter_final(c, e.occurred_on),
    K.DEPARTURE_CONFIRMED: _departure_confirmed,
    K.MOTION_TO_REOPEN_FILED: _motion_filed,
    K.MOTION_TO_REOPEN_DECIDED: _motion_decided,
    K.CITIZENSHIP_CLAIM_RESOLVED: _citizenship_resolved,
    K.CUSTODY_BOOKED: _custody_booked,
    K.CUSTODY_RELEASED: _custody_released,
    K.REMOVAL_SCHEDULED: lambda c, e: dataclasses.replace(
        c, state=S.REMOVAL_SCHEDULED, removal_scheduled_for=date_field(e.data, "scheduled_for")
    ),
    K.REMOVAL_CANCELLED: lambda c, e: dataclasses.replace(
        c, state=S.FINAL_ORDER, removal_scheduled_for=None
    ),
    K.REMOVAL_EXECUTED: lambda c, e: dataclasses.replace(
        c,
        state=S.REMOVED,
        removed_on=e.occurred_on,
        custody=Custody(),
        bars=(),
        motion_pending=False,
    ),
    K.CASE_CLOSED: lambda c, e: _close(c, e.occurred_on, CloseReason(str(e.data["reason"]))),
}
