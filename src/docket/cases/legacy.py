"""Cases brought in from a legacy record as they stood: what such a record must say.

A legacy record gives the state of the case and the dates its state implies. ``to_case`` checks
that they agree with the lifecycle (a final order has a decision and the date it became final, a
closed case a reason, dates run in order...: ``legacy_checks``) and builds the case; a record
that does not agree is refused with the field at fault, so nothing inconsistent enters the log.
Where a live move would have placed a bar or closed the case, the core's own rules for that move
are asked (``rules``, ``departure_rules``, ``effects.close``), so that the import refuses
whatever the core refuses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from docket.cases import departure_rules, rules
from docket.cases.effects import close
from docket.cases.events import EventKind, JSONValue
from docket.cases.facts import final_order_fact
from docket.cases.fields import check_field_office, check_length
from docket.cases.legacy_checks import AFTER_ORDER, CLOSED_FROM_STATES, bad, check_record
from docket.cases.model import (
    DECIDED_STATES,
    OPEN_STATES,
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
    imported_state_since,
)
from docket.cases.periods import appeal_due_on, custody_review_due_on
from docket.cases.table import POST_ORDER_STATES, TABLE
from docket.errors import InvalidInput, RuleViolation

S = CaseState

HISTORY_DATES = (
    "opened_on",
    "charged_on",
    "hearing_on",
    "decided_on",
    "appeal_filed_on",
    "vd_deadline_on",
    "final_on",
    "removal_scheduled_for",
    "removed_on",
    "closed_on",
    "custody_on",
    "departed_on",
)
"""Dates a legacy record may carry, kept on the import event as the case's earlier history."""


@dataclass(frozen=True)
class LegacyCase:
    """The case part of a legacy record, already parsed into types."""

    case_ref: str
    field_office: str
    state: CaseState
    opened_on: dt.date
    decision: Decision | None = None
    in_absentia: bool = False
    charged_on: dt.date | None = None
    hearing_on: dt.date | None = None
    decided_on: dt.date | None = None
    appeal_filed_on: dt.date | None = None
    vd_deadline_on: dt.date | None = None
    final_on: dt.date | None = None
    removal_scheduled_for: dt.date | None = None
    removed_on: dt.date | None = None
    closed_on: dt.date | None = None
    close_reason: CloseReason | None = None
    custody: str = "none"
    custody_on: dt.date | None = None
    departed_on: dt.date | None = None
    bars: tuple[BarKind, ...] = ()

    def history(self) -> dict[str, str]:
        """The dates present on the record, as ISO text."""
        days = {name: getattr(self, name) for name in HISTORY_DATES}
        return {name: day.isoformat() for name, day in days.items() if day is not None}


def to_case(
    record: LegacyCase,
    *,
    case_id: CaseId,
    person_id: PersonId,
    today: dt.date,
    document_ref: str,
    latest: dt.date | None = None,
) -> Case:
    """Check ``record`` against the lifecycle and build the case it describes, as its import
    event leaves it (version 1). ``latest`` is the last day its dates may be (default
    ``today``; the import gives the day begun somewhere on Earth, as ``case record`` takes);
    its bars are placed ``today``, or on its opening if that is later. A closed record is the
    case it closed from (``_closed_from``), closed as the lifecycle closes one."""
    last_day = today if latest is None else latest
    check_length("case_ref", record.case_ref)
    check_field_office(record.field_office)
    check_record(record, last_day)
    if record.state is S.CLOSED:
        return _closed(record, case_id, person_id, today, document_ref, last_day)
    case = _build(record, case_id, person_id, today, document_ref)
    _check_placed_bars(case, record, last_day)
    return case


def _build(
    record: LegacyCase, case_id: CaseId, person_id: PersonId, today: dt.date, document_ref: str
) -> Case:
    """The open (or removed) case ``record`` describes, its checks passed."""
    state = record.state
    bar_kinds = set(record.bars)
    appeal_pending = record.appeal_filed_on is not None and state in DECIDED_STATES
    if appeal_pending:
        bar_kinds.add(BarKind.PENDING_APPEAL)
    bars = tuple(
        Bar(
            kind=kind,
            placed_on=record.appeal_filed_on
            if kind is BarKind.PENDING_APPEAL and record.appeal_filed_on
            else max(today, record.opened_on),
            document_ref=document_ref,
        )
        for kind in sorted(bar_kinds, key=lambda k: k.value)
    )
    window_open = state in DECIDED_STATES and not appeal_pending
    final_on = record.final_on if state in AFTER_ORDER else None
    # A case past its final order carries that order as a fact, as one that became final in
    # Docket does (a policy may count the years since it; never the order alone).
    facts = (
        (
            final_order_fact(
                case_ref=record.case_ref,
                case_id=case_id,
                version=1,
                on=final_on,
                document_ref=document_ref,
            ),
        )
        if final_on is not None
        else ()
    )
    return Case(
        case_id=case_id,
        case_ref=record.case_ref,
        person_id=person_id,
        field_office=record.field_office,
        state=state,
        opened_on=record.opened_on,
        state_since=imported_state_since(
            state,
            opened_on=record.opened_on,
            charged_on=record.charged_on,
            decided_on=record.decided_on,
            final_on=final_on,
            removed_on=record.removed_on,
            closed_on=record.closed_on,
        ),
        version=1,
        decision=record.decision,
        decided_on=record.decided_on,
        in_absentia=record.in_absentia,
        appeal_due_on=appeal_due_on(record.decided_on, in_absentia=record.in_absentia)
        if window_open and record.decided_on
        else None,
        vd_deadline_on=record.vd_deadline_on,
        hearing_on=record.hearing_on if state is S.IN_PROCEEDINGS else None,
        final_on=final_on,
        removal_scheduled_for=record.removal_scheduled_for
        if state in (S.REMOVAL_SCHEDULED, S.REMOVED)
        else None,
        removed_on=record.removed_on,
        closed_on=record.closed_on,
        close_reason=record.close_reason,
        bars=bars,
        # The stay stands while its motion is pending: the motion's decision lifts it.
        motion_pending=BarKind.MOTION_TO_REOPEN_STAY in bar_kinds,
        custody=_custody(record, state),
        facts=facts,
        departed_on=record.departed_on,
    )


def _closed_from(record: LegacyCase) -> CaseState:
    """The state a closed record's case stood in when it closed: the furthest its dates and
    decision reach (removed, removal scheduled, final order, its decision, charged or in
    proceedings, identified)."""
    if record.removed_on is not None:
        return S.REMOVED
    if record.removal_scheduled_for is not None:
        return S.REMOVAL_SCHEDULED
    if record.final_on is not None:
        return S.FINAL_ORDER
    if record.decision is not None:
        return CaseState(record.decision.value)
    if record.charged_on is not None:
        return S.IN_PROCEEDINGS if record.hearing_on is not None else S.CHARGED
    return S.IDENTIFIED


def _closed(
    record: LegacyCase,
    case_id: CaseId,
    person_id: PersonId,
    today: dt.date,
    document_ref: str,
    last_day: dt.date,
) -> Case:
    """A closed record as the lifecycle would have left it: the case it closed from, which must
    be one its reason closes (``legacy_checks.CLOSED_FROM_STATES``) and pass every check of
    its state, closed by ``effects.close`` (so it keeps its order, the order's fact and its
    dates, and is closed since its closing day)."""
    reason, closed_on = record.close_reason, record.closed_on
    assert reason is not None  # both required in state closed (_check_state_dates)
    assert closed_on is not None
    prior = _closed_from(record)
    if prior not in CLOSED_FROM_STATES[reason]:
        states = ", ".join(sorted(s.value for s in CLOSED_FROM_STATES[reason]))
        raise bad(
            "close_reason",
            f"{reason.value} closes only a case in state {states}, and this record's dates and "
            f"decision reach {prior.value} (read from removed_on, removal_scheduled_for, "
            "final_on, decision and charged_on)",
        )
    open_record = dataclasses.replace(
        record, state=prior, closed_on=None, close_reason=None, departed_on=None
    )
    try:
        before = to_case(
            open_record,
            case_id=case_id,
            person_id=person_id,
            today=today,
            document_ref=document_ref,
            latest=last_day,
        )
    except InvalidInput as refused:
        field = str(refused.details.get("field", "?"))
        why = str(refused.details.get("reason", refused))
        raise bad(field, f"{why} (closed for {reason.value}, from {prior.value})") from None
    departed_on = record.departed_on
    if departed_on is not None:
        departure = {"departed_on": departed_on.isoformat()}
        _ask("departed_on", departure_rules.guard_dated, before, departure, closed_on)
    return dataclasses.replace(close(before, closed_on, reason), departed_on=departed_on)


def _check_placed_bars(case: Case, record: LegacyCase, last_day: dt.date) -> None:
    """A motion's automatic stay and a recorded departure stand only where the core would
    have placed them live: asked of its own guards, on the case as it stood before."""
    if case.has_bar(BarKind.MOTION_TO_REOPEN_STAY):
        before = dataclasses.replace(
            case, bars=_without(case, BarKind.MOTION_TO_REOPEN_STAY), motion_pending=False
        )
        guard = rules.GUARDS[EventKind.MOTION_TO_REOPEN_FILED]
        stay = {"automatic_stay": True}
        _ask("bars", guard, before, stay, last_day, prefix="motion_to_reopen_stay cannot stand: ")
    if record.departed_on is not None and case.has_bar(BarKind.DEPARTURE_REPORTED):
        if case.state not in TABLE[EventKind.DEPARTURE_RECORDED].to_states:
            raise bad(
                "bars",
                f"departure_reported cannot stand in state {case.state.value}: recording a "
                "departure calls a scheduled removal off (the case is in final_order)",
            )
        before = dataclasses.replace(
            case, bars=_without(case, BarKind.DEPARTURE_REPORTED), departed_on=None
        )
        departure = {"departed_on": record.departed_on.isoformat()}
        _ask("departed_on", departure_rules.guard_recorded, before, departure, last_day)


def _without(case: Case, kind: BarKind) -> tuple[Bar, ...]:
    return tuple(bar for bar in case.bars if bar.kind is not kind)


def _ask(
    field: str,
    guard: Callable[[Case, Mapping[str, JSONValue], dt.date], None],
    case: Case,
    data: Mapping[str, JSONValue],
    on: dt.date,
    *,
    prefix: str = "",
) -> None:
    """Run the core's ``guard`` of a move with ``data`` on ``case`` as of ``on``; its refusal
    is the record's, at ``field``."""
    try:
        guard(case, data, on)
    except RuleViolation as refused:
        raise bad(field, f"{prefix}{refused}") from None


def _custody(record: LegacyCase, state: CaseState) -> Custody:
    if record.custody == "none" or record.custody_on is None or state not in OPEN_STATES:
        return Custody()
    if record.custody == "detained":
        review = None
        if state in POST_ORDER_STATES:
            review = custody_review_due_on(record.custody_on, record.final_on or record.custody_on)
        return Custody(
            status=CustodyStatus.DETAINED, since_on=record.custody_on, review_due_on=review
        )
    return Custody(
        status=CustodyStatus.RELEASED,
        since_on=record.custody_on,
        release_mode=ReleaseMode(record.custody),
    )
