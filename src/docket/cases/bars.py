"""Legal bars and the actions each one blocks: the single table of that rule.

A bar is a fact on the case with a source document (``model.Bar``). While it stands, the actions
listed for it here are refused, and they are checked again at the moment of execution because
stays are often granted at the last minute.
"""

from __future__ import annotations

from collections.abc import Mapping

from docket.cases.events import EventKind
from docket.cases.model import Bar, BarKind, Case
from docket.errors import BarInForce

ENFORCEMENT_ACTIONS = frozenset({EventKind.REMOVAL_SCHEDULED, EventKind.REMOVAL_EXECUTED})
"""Actions that move a person towards removal; every bar blocks all of them."""

BLOCKS: Mapping[BarKind, frozenset[EventKind]] = {
    # An appeal suspends the decision: it cannot become final, nor the case close on it. The
    # Board has the case meanwhile, so the immigration court neither takes nor decides a motion
    # to reopen it (8 CFR 1003.23(b)(1)); granted, such a motion would leave the appeal pending
    # for ever. A motion filed before the appeal waits for the Board's decision.
    BarKind.PENDING_APPEAL: ENFORCEMENT_ACTIONS
    | {
        EventKind.ORDER_BECAME_FINAL,
        EventKind.VOLUNTARY_DEPARTURE_EXPIRED,
        EventKind.MOTION_TO_REOPEN_FILED,
        EventKind.MOTION_TO_REOPEN_DECIDED,
        EventKind.CASE_CLOSED,
    },
    BarKind.STAY_OF_REMOVAL: ENFORCEMENT_ACTIONS,
    # A person who may be a citizen is not detained or removed until legal review resolves it.
    BarKind.CITIZENSHIP_CLAIM: ENFORCEMENT_ACTIONS | {EventKind.CUSTODY_BOOKED},
    BarKind.PROTECTED_STATUS: ENFORCEMENT_ACTIONS,
    BarKind.MOTION_TO_REOPEN_STAY: ENFORCEMENT_ACTIONS,
    # Unaccompanied children go to HHS custody (8 U.S.C. § 1232), not to agency detention.
    BarKind.UNACCOMPANIED_MINOR: ENFORCEMENT_ACTIONS | {EventKind.CUSTODY_BOOKED},
    BarKind.MEDICAL_HOLD: ENFORCEMENT_ACTIONS,
    # A person whose departure is confirmed is not detained or removed while legal review
    # decides what the departure means for the case.
    BarKind.DEPARTURE_REPORTED: ENFORCEMENT_ACTIONS | {EventKind.CUSTODY_BOOKED},
}

DESCRIPTIONS: Mapping[BarKind, str] = {
    BarKind.PENDING_APPEAL: "an appeal is pending",
    BarKind.STAY_OF_REMOVAL: "a stay of removal is in force",
    BarKind.CITIZENSHIP_CLAIM: "a claim of U.S. citizenship awaits legal review",
    BarKind.PROTECTED_STATUS: "the person holds or has applied for a protected status",
    BarKind.MOTION_TO_REOPEN_STAY: "a motion to reopen with an automatic stay is pending",
    BarKind.UNACCOMPANIED_MINOR: "an unaccompanied minor has no custody plan",
    BarKind.MEDICAL_HOLD: "a medical hold is in force",
    BarKind.DEPARTURE_REPORTED: "a confirmed departure awaits legal review",
}


def check_bars(case: Case, action: EventKind) -> None:
    """Raise :class:`BarInForce` naming every bar on ``case`` that blocks ``action``, each
    with its document (several protected statuses are a bar each)."""
    blocking = [bar for bar in case.bars if action in BLOCKS[bar.kind]]
    if not blocking:
        return
    reasons = "; ".join(
        f"{bar.kind.value} ({DESCRIPTIONS[bar.kind]}{_detail(bar)}, document {bar.document_ref})"
        for bar in blocking
    )
    raise BarInForce(
        f"{action.value} is blocked on case {case.case_ref}: {reasons}",
        details={
            "case_ref": case.case_ref,
            "action": action.value,
            "bars": list(dict.fromkeys(bar.kind.value for bar in blocking)),
            "rule": f"bar_blocks_{action.value}",
        },
    )


def _detail(bar: Bar) -> str:
    return f": {bar.detail}" if bar.kind is BarKind.PROTECTED_STATUS and bar.detail else ""
