"""Recording lifecycle events: the checks a move must pass, and what it does to the case.

``record`` is the only way a move enters the system: it checks the table (``table.TABLE``), the
dates (``dating``), the legal bars (``bars.check_bars``) and the rules that need more than the
state (``rules``), in that order, and raises before anything is returned (whether a move of
the state is dated after the case entered it is checked last, on the case the move would
leave). ``evolve`` applies an already-recorded event (``effects``) and checks nothing, so
replaying the log (``rebuild``) gives back exactly what was stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping

from docket.cases import dating, effects, periods, rules, snapshot
from docket.cases.bars import check_bars
from docket.cases.events import CASE_CREATION_KINDS, Event, EventKind, JSONValue, StreamType
from docket.cases.fields import blank, check_field_office, check_length, parse_fields
from docket.cases.model import (
    Case,
    CaseId,
    CaseState,
    PersonId,
)
from docket.cases.table import (
    CREATION_LEGAL_BASIS,
    TABLE,
)
from docket.errors import IllegalTransition, InvalidInput

K = EventKind
S = CaseState


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
    for name, say in rules.to_be_stated(case, kind).items():
        given = fields.get(name)
        if given is None or (isinstance(given, str) and not given.strip()):
            raise InvalidInput(f"{kind.value} needs {name}: {say}", details={"field": name})
    data = parse_fields(move.fields, fields, kind=kind.value)
    if occurred_on > periods.day_begun_somewhere(recorded_at):
        raise InvalidInput(
            f"occurred_on {occurred_on} is in the future", details={"field": "occurred_on"}
        )
    if occurred_on < case.opened_on:
        raise InvalidInput(
            f"occurred_on {occurred_on} is before the case was opened ({case.opened_on})",
            details={"field": "occurred_on"},
        )
    dating.check_dated_in_order(case, kind, move.bar, occurred_on)
    check_bars(case, kind)
    guard = rules.GUARDS.get(kind)
    if guard is not None:
        guard(case, data, occurred_on)
    rules.check_day_over(case, kind, data, recorded_at)
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
    dating.check_dated_in_state(case, after, move, occurred_on)
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
    check_length("case_ref", case_ref)
    check_field_office(field_office)
    if opened_on > periods.day_begun_somewhere(recorded_at):
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
    return effects.apply(case, event)


def _create(event: Event) -> Case:
    if event.kind is K.CASE_IMPORTED:
        case_data, history = event.data["case"], event.data.get("history")
        assert isinstance(case_data, dict)
        assert history is None or isinstance(history, dict)
        return snapshot.case_from_dict(case_data, history)
    return Case(
        case_id=CaseId(event.stream_id),
        case_ref=str(event.data["case_ref"]),
        person_id=PersonId(str(event.data["person_id"])),
        field_office=str(event.data["field_office"]),
        state=S.IDENTIFIED,
        opened_on=event.occurred_on,
        state_since=event.occurred_on,
        version=1,
    )


def _check_provenance(*, actor: str, document_ref: str, recorded_at: dt.datetime) -> None:
    if blank(actor):
        raise InvalidInput("every event needs the actor who records it", details={"field": "actor"})
    if blank(document_ref):
        raise InvalidInput(
            "every event needs the reference of its source document",
            details={"field": "document_ref"},
        )
    check_length("actor", actor)
    check_length("document_ref", document_ref)
    if recorded_at.utcoffset() != dt.timedelta(0):
        raise InvalidInput("recorded_at must be a UTC time", details={"field": "recorded_at"})
