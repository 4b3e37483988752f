"""Protected statuses: one bar on the case while any status stands, however many do.

A person may hold or seek several at once: temporary protected status while an asylum
application is pending, say, or parole and a pending U visa. Each is recorded when it arises,
and each ends on its own; enforcement stays barred until the last one has ended. The case keeps
one ``protected_status`` bar for them all (placed on the day the first was recorded, with that
record's document); its ``detail`` lists the standing statuses, sorted, separated by commas. A
bar an import placed without naming its status (the legacy format has no such column) counts
as one status, :data:`UNSTATED`.
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


def standing(case: Case) -> tuple[str, ...]:
    """The protected statuses that stand on ``case``, sorted."""
    bar = case.bar(_KIND)
    if bar is None:
        return ()
    return tuple(bar.detail.split(",")) if bar.detail else (UNSTATED,)


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


def recorded(case: Case, event: Event) -> Case:
    """``case`` with the status of ``event`` standing too."""
    statuses = sorted({*standing(case), str(event.data["status"])})
    bar = case.bar(_KIND) or Bar(
        kind=_KIND, placed_on=event.occurred_on, document_ref=event.document_ref
    )
    return _with_bar(case, dataclasses.replace(bar, detail=",".join(statuses)))


def ended(case: Case, event: Event) -> Case:
    """``case`` without the status of ``event`` (the only one, when it names none)."""
    gone = event.data.get("status")
    left = [status for status in standing(case) if gone is not None and status != gone]
    bar = case.bar(_KIND)
    if not left or bar is None:
        return _with_bar(case, None)
    return _with_bar(case, dataclasses.replace(bar, detail=",".join(left)))


def _with_bar(case: Case, bar: Bar | None) -> Case:
    others = tuple(b for b in case.bars if b.kind is not _KIND)
    bars = (*others, bar) if bar is not None else others
    return dataclasses.replace(case, bars=tuple(sorted(bars, key=lambda b: b.kind.value)))
