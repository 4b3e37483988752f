"""What each recorded event does to the case. Pure functions of (case, event); they check
nothing, so replaying the log reproduces exactly what was recorded."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping

from docket.cases import protected
from docket.cases.events import Event, EventKind, JSONValue
from docket.cases.facts import BY_EVENT, FACTS, FactSpec, fact_id, final_order_fact, source_event
from docket.cases.fields import date_field, parse_fields
from docket.cases.model import (
    Bar,
    BarKind,
    Case,
    CaseState,
    CloseReason,
    Custody,
    CustodyStatus,
    Decision,
    Fact,
    FactKind,
    ReleaseMode,
)
from docket.cases.periods import appeal_due_on, custody_review_due_on
from docket.cases.table import POST_ORDER_STATES, TABLE

K = EventKind
S = CaseState
Value = str | int | bool | None

_BAR_PLACING = frozenset(
    {
        K.APPEAL_FILED,
        K.STAY_GRANTED,
        K.CITIZENSHIP_CLAIM_RAISED,
        K.UNACCOMPANIED_MINOR_IDENTIFIED,
        K.MEDICAL_HOLD_PLACED,
        K.DEPARTURE_RECORDED,
    }
)
"""Moves that place their table's bar. The motion to reopen places its bar only when the law
gives an automatic stay, so its effect does that itself (see ``_motion_filed``); the protected
statuses share one bar, which their effects keep (:mod:`docket.cases.protected`)."""
_BAR_LIFTING = frozenset(
    {
        K.APPEAL_DECIDED,
        K.MOTION_TO_REOPEN_DECIDED,
        K.STAY_LIFTED,
        K.CITIZENSHIP_CLAIM_RESOLVED,
        K.CUSTODY_PLAN_RECORDED,
        K.MEDICAL_HOLD_LIFTED,
        K.DEPARTURE_REVIEWED,
    }
)
"""Moves that lift their table's bar."""

_BAR_DETAIL_FIELDS = {
    K.APPEAL_FILED: "filed_by",
    K.STAY_GRANTED: "authority",
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
    case: Case,
    event: Event,
    decision: Decision,
    state: CaseState,
    *,
    in_absentia: bool = False,
    agency_grant: bool = False,
) -> Case:
    return dataclasses.replace(
        case,
        state=state,
        decision=decision,
        decided_on=event.occurred_on,
        in_absentia=in_absentia,
        appeal_due_on=appeal_due_on(
            event.occurred_on, in_absentia=in_absentia, agency_grant=agency_grant
        ),
        hearing_on=None,
    )


def _vd_granted(case: Case, event: Event) -> Case:
    decided = _decide(
        case,
        event,
        Decision.VOLUNTARY_DEPARTURE,
        S.VOLUNTARY_DEPARTURE,
        agency_grant=event.data["granted_by"] == "agency",
    )
    return dataclasses.replace(decided, vd_deadline_on=date_field(event.data, "deadline_on"))


def _removal_ordered(case: Case, event: Event) -> Case:
    in_absentia = bool(event.data.get("in_absentia"))
    return _decide(
        case, event, Decision.REMOVAL_ORDERED, S.REMOVAL_ORDERED, in_absentia=in_absentia
    )


def _enter_final(case: Case, event: Event) -> Case:
    on = event.occurred_on
    custody = case.custody
    if custody.status is CustodyStatus.DETAINED:
        custody = dataclasses.replace(
            custody, review_due_on=custody_review_due_on(custody.since_on or on, on)
        )
    final = final_order_fact(
        case_ref=case.case_ref,
        case_id=case.case_id,
        version=event.stream_version,
        on=on,
        document_ref=event.document_ref,
    )
    return dataclasses.replace(
        case,
        state=S.FINAL_ORDER,
        final_on=on,
        appeal_due_on=None,
        custody=custody,
        facts=(*_without_kind(case.facts, FactKind.FINAL_ORDER), final),
    )


def event_id(event: Event) -> str:
    """How a fact's source names the event on the case's stream: ``CASE_ID@VERSION``."""
    return source_event(event.stream_id, event.stream_version)


def _without_kind(facts: tuple[Fact, ...], kind: FactKind) -> tuple[Fact, ...]:
    return tuple(f for f in facts if f.kind is not kind)


def _fact_values(spec: FactSpec, data: Mapping[str, JSONValue]) -> tuple[tuple[str, Value], ...]:
    values: list[tuple[str, Value]] = []
    for field in spec.fields:
        value = data.get(field.name)
        assert value is None or isinstance(value, str | int | bool)
        values.append((field.name, value))
    return tuple(values)


def _fact_recorded(case: Case, event: Event) -> Case:
    spec = BY_EVENT[event.kind]
    on = date_field(event.data, spec.date_field)
    assert on is not None
    fact = Fact(
        fact_id=fact_id(case.case_ref, event.stream_version),
        kind=spec.kind,
        on=on,
        values=_fact_values(spec, event.data),
        document_ref=event.document_ref,
        event_id=event_id(event),
    )
    return dataclasses.replace(case, facts=(*case.facts, fact))


def _fact_corrected(case: Case, event: Event) -> Case:
    target = str(event.data["fact_id"])
    facts = []
    for fact in case.facts:
        if fact.fact_id == target:
            spec = FACTS[fact.kind]
            values = dict(fact.values)
            values.update(corrected_value(spec, event.data))
            on = values.get(spec.date_field)
            fact = dataclasses.replace(
                fact,
                values=tuple((f.name, values.get(f.name)) for f in spec.fields),
                on=dt.date.fromisoformat(on) if isinstance(on, str) else fact.on,
                corrections=(*fact.corrections, event_id(event)),
            )
        facts.append(fact)
    return dataclasses.replace(case, facts=tuple(facts))


def corrected_value(spec: FactSpec, data: Mapping[str, JSONValue]) -> dict[str, Value]:
    """The field a ``fact_corrected`` event sets, and its new value, parsed by the fact's spec."""
    name = str(data["field"])
    field = next(f for f in spec.fields if f.name == name)
    value = parse_fields((field,), {name: data.get("value")}, kind=spec.kind.value)[name]
    assert value is None or isinstance(value, str | int | bool)
    return {name: value}


def _fact_withdrawn(case: Case, event: Event) -> Case:
    target = str(event.data["fact_id"])
    return dataclasses.replace(case, facts=tuple(f for f in case.facts if f.fact_id != target))


def close(case: Case, on: dt.date, reason: CloseReason) -> Case:
    """``case`` closed on ``on`` for ``reason``, by whichever move closes it (an imported
    closed case too is the case it closed from, closed by this)."""
    # Closing ends every bar and custody: nothing remains to block or to review.
    return dataclasses.replace(
        case,
        state=S.CLOSED,
        state_since=on,
        closed_on=on,
        close_reason=reason,
        bars=(),
        custody=Custody(),
        appeal_due_on=None,
        hearing_on=None,
        motion_pending=False,
    )


def _back_to_proceedings(case: Case) -> Case:
    # Without a final order there is no post-order custody review: the person stays detained
    # (or not) as before, but the review date goes, and with it the custody_review deadline.
    return dataclasses.replace(
        case,
        state=S.IN_PROCEEDINGS,
        custody=dataclasses.replace(case.custody, review_due_on=None),
        decision=None,
        decided_on=None,
        in_absentia=False,
        appeal_due_on=None,
        vd_deadline_on=None,
        final_on=None,
        removal_scheduled_for=None,
        motion_pending=False,
        facts=_without_kind(case.facts, FactKind.FINAL_ORDER),
    )


def _appeal_decided(case: Case, event: Event) -> Case:
    if event.data["outcome"] == "remanded":
        return _back_to_proceedings(case)
    if case.decision is Decision.REMOVAL_ORDERED:
        return _enter_final(case, event)
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
    # A booking recorded after the order became final may be dated before it: the review is
    # then due 90 days after the order became final, as the import computes it.
    review = (
        custody_review_due_on(event.occurred_on, case.final_on or event.occurred_on)
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
        return close(case, event.occurred_on, CloseReason.CITIZENSHIP_VERIFIED)
    return case


def _departure_confirmed(case: Case, event: Event) -> Case:
    departed = date_field(event.data, "departed_on")
    closed = close(case, event.occurred_on, CloseReason.DEPARTURE_CONFIRMED)
    return dataclasses.replace(closed, departed_on=departed)


def _departure_recorded(case: Case, event: Event) -> Case:
    departed = dataclasses.replace(case, departed_on=date_field(event.data, "departed_on"))
    if case.state is S.REMOVAL_SCHEDULED:  # the scheduled removal is called off
        return dataclasses.replace(departed, state=S.FINAL_ORDER, removal_scheduled_for=None)
    return departed


def _departure_reviewed(case: Case, event: Event) -> Case:
    if event.data["outcome"] == "departure_stands":
        return close(case, event.occurred_on, CloseReason.DEPARTURE_CONFIRMED)
    return dataclasses.replace(case, departed_on=None)


EFFECTS: Mapping[EventKind, Callable[[Case, Event], Case]] = {
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
    K.ORDER_BECAME_FINAL: _enter_final,
    K.VOLUNTARY_DEPARTURE_EXPIRED: _enter_final,
    K.DEPARTURE_CONFIRMED: _departure_confirmed,
    K.DEPARTURE_RECORDED: _departure_recorded,
    K.DEPARTURE_REVIEWED: _departure_reviewed,
    K.MOTION_TO_REOPEN_FILED: _motion_filed,
    K.MOTION_TO_REOPEN_DECIDED: _motion_decided,
    K.CITIZENSHIP_CLAIM_RESOLVED: _citizenship_resolved,
    K.PROTECTED_STATUS_RECORDED: protected.recorded,
    K.PROTECTED_STATUS_ENDED: protected.ended,
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
    K.CASE_CLOSED: lambda c, e: close(c, e.occurred_on, CloseReason(str(e.data["reason"]))),
    **{kind: _fact_recorded for kind in BY_EVENT},
    K.FACT_CORRECTED: _fact_corrected,
    K.FACT_WITHDRAWN: _fact_withdrawn,
}


def apply(case: Case, event: Event) -> Case:
    """``case`` after ``event``: its effect, then the bar it places or lifts; a case moved to
    another state is there since the event's date."""
    effect = EFFECTS.get(event.kind)
    after = effect(case, event) if effect else case
    if after.state is not case.state:
        after = dataclasses.replace(after, state_since=event.occurred_on)
    move = TABLE.get(event.kind)  # a priority determination is no move: it changes nothing
    bar = move.bar if move is not None else None
    if bar is not None and event.kind in _BAR_PLACING:
        after = _place_bar(after, bar, event)
    elif bar is not None and event.kind in _BAR_LIFTING:
        after = _remove_bar(after, bar)
    return dataclasses.replace(after, version=event.stream_version)
