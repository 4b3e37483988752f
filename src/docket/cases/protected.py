"""Protected statuses: a bar for each, and enforcement barred while any stands.

A person may hold or seek several at once: temporary protected status while an asylum
application is pending, say, or parole and a pending U visa. Each is recorded when it arises
(possibly late, dated when it arose), and each ends on its own. Each is a ``protected_status``
bar of its own, with its date, its document and the status as its ``detail``, so enforcement
stays barred until the last has ended and each refusal names the documents it rests on. A bar
an import placed without naming its status (the legacy format has no such column) is the
status :data:`UNSTATED`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from docket.cases.events import Event, JSONValue
from docket.cases.model import Bar, BarKind, Case
from docket.errors import InvalidInput, RuleViolation

UNSTATED = "unstated"
"""The status of a protected-status bar that was placed without one (by an import)."""

_KIND = BarKind.PROTECTED_STATUS


def status_of(bar: Bar) -> str:
    return bar.detail or UNSTATED


def standing(case: Case) -> tuple[str, ...]:
    """The protected statuses that stand on ``case``, sorted."""
    return tuple(sorted(status_of(bar) for bar in case.bars if bar.kind is _KIND))


def guard_recorded(case: Case, data: Mapping[str, JSONValue], on: dt.date) -> None:
    status = str(data["status"])
    if status in standing(case):
        raise RuleViolation(
            f"{status} is already recorded as a protected status",
            details={"rule": "one_protected_status", "case_ref": case.case_ref},
        )


def guard_ended(case: Case, data: Mapping[str, JSONValue], on: dt.date) -> None:
    statuses = standing(case)
    status = data.get("status")
    if not statuses:
        raise RuleViolation(
            "no protected status is recorded",
            details={"rule": "protected_status_required", "case_ref": case.case_ref},
        )
    if status is not None and status not in statuses:
        raise RuleViolation(
            f"{status} is not a standing protected status (standing: {', '.join(statuses)})",
            details={"rule": "protected_status_required", "case_ref": case.case_ref},
        )
    if status is None and len(statuses) > 1:
        raise InvalidInput(
            f"several protected statuses stand on case {case.case_ref} "
            f"({', '.join(statuses)}): give the status that ended",
            details={"field": "status", "rule": "protected_status_to_be_named"},
        )
    ending = _bar(case, str(status) if status is not None else statuses[0])
    if on < ending.placed_on:
        raise InvalidInput(
            f"protected_status_ended on case {case.case_ref} cannot be dated {on}, before the "
            f"{status_of(ending)} status it ends was recorded ({ending.placed_on})",
            details={"field": "occurred_on", "rule": "dated_before_what_it_answers"},
        )


def recorded(case: Case, event: Event) -> Case:
    """``case`` with a bar for the status of ``event`` too."""
    bar = Bar(
        kind=_KIND,
        placed_on=event.occurred_on,
        document_ref=event.document_ref,
        detail=str(event.data["status"]),
    )
    return _with_bars(case, (*case.bars, bar))


def ended(case: Case, event: Event) -> Case:
    """``case`` without the bar of the status of ``event`` (the only one, if it names none)."""
    named = event.data.get("status")
    gone = _bar(case, str(named) if named is not None else standing(case)[0])
    return _with_bars(case, tuple(bar for bar in case.bars if bar is not gone))


def _bar(case: Case, status: str) -> Bar:
    return next(bar for bar in case.bars if bar.kind is _KIND and status_of(bar) == status)


def _with_bars(case: Case, bars: tuple[Bar, ...]) -> Case:
    return dataclasses.replace(
        case, bars=tuple(sorted(bars, key=lambda b: (b.kind.value, b.placed_on, b.detail)))
    )
