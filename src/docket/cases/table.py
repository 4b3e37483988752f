"""The lifecycle as one table: for each event kind, the states it may start from, the states it
may lead to, the legal basis it rests on and the fields it carries.

Everything else (the CLI's options, the exhaustive transition tests, the documentation) is
derived from this table. The rules that need more than the state live in ``lifecycle.py``. The
row type and the rows for documented facts (derived from ``facts.py``) are in ``moves.py``;
the periods the law counts (appeal window, custody review) in ``periods.py``.
"""

from __future__ import annotations

from collections.abc import Mapping

from docket.cases.events import EventKind
from docket.cases.fields import FieldType
from docket.cases.fields import spec as _f
from docket.cases.model import (
    DECIDED_STATES,
    OPEN_STATES,
    BarKind,
    CaseState,
    CloseReason,
    Decision,
    ReleaseMode,
)
from docket.cases.moves import FACT_MOVES, Move
from docket.cases.protected import UNSTATED

S = CaseState

POST_ORDER_STATES = frozenset({S.FINAL_ORDER, S.REMOVAL_SCHEDULED})
REOPENABLE_STATES = frozenset(
    {S.VOLUNTARY_DEPARTURE, S.REMOVAL_ORDERED, S.FINAL_ORDER, S.REMOVAL_SCHEDULED}
)

PROTECTED_STATUSES = (
    "asylum_pending",
    "tps",
    "deferred_action",
    "parole",
    "u_visa_pending",
    "t_visa_pending",
)
_ENDING = (*PROTECTED_STATUSES, UNSTATED)
_ENDED_STATUS = f"the status that ended, if several stand ('{UNSTATED}': imported without one)"
VD_GRANTS = ("judge_at_conclusion", "judge_prior_to_conclusion", "agency")


_MOVES = (
    Move(
        EventKind.CHARGING_DOCUMENT_SERVED,
        "The charging document (Notice to Appear) was served.",
        frozenset({S.IDENTIFIED}),
        frozenset({S.CHARGED}),
        "INA § 239(a); 8 CFR 239.1 (Notice to Appear)",
    ),
    Move(
        EventKind.HEARING_SCHEDULED,
        "The immigration court set a hearing.",
        frozenset({S.CHARGED, S.IN_PROCEEDINGS}),
        frozenset({S.IN_PROCEEDINGS}),
        "INA § 239(a)(1)(G); 8 CFR 1003.18 (scheduling of cases)",
        (_f("hearing_on", FieldType.DATE, "date of the hearing"),),
    ),
    Move(
        EventKind.HEARING_HELD,
        "A hearing took place.",
        frozenset({S.IN_PROCEEDINGS}),
        frozenset({S.IN_PROCEEDINGS}),
        "INA § 240(b); 8 CFR 1240.10 (hearing)",
    ),
    Move(
        EventKind.RELIEF_GRANTED,
        "The immigration judge granted relief from removal.",
        frozenset({S.IN_PROCEEDINGS}),
        frozenset({S.RELIEF_GRANTED}),
        "INA § 240(c)(1)(A), (c)(4); 8 CFR 1240.12 (decision of the immigration judge)",
        (_f("relief", FieldType.TEXT, "the relief granted, e.g. asylum, cancellation of removal"),),
    ),
    Move(
        EventKind.PROCEEDINGS_TERMINATED,
        "Proceedings were terminated.",
        frozenset({S.CHARGED, S.IN_PROCEEDINGS}),
        frozenset({S.TERMINATED}),
        "8 CFR 1239.2(c); 8 CFR 1003.18(d) (termination of proceedings)",
    ),
    Move(
        EventKind.VOLUNTARY_DEPARTURE_GRANTED,
        "Voluntary departure was granted, with a deadline and an alternate order of removal.",
        frozenset({S.CHARGED, S.IN_PROCEEDINGS}),
        frozenset({S.VOLUNTARY_DEPARTURE}),
        "INA § 240B; 8 CFR 1240.26 (judge); 8 CFR 240.25 (agency)",
        (
            _f("deadline_on", FieldType.DATE, "date by which the person must depart"),
            _f("granted_by", FieldType.CHOICE, "who granted it", choices=VD_GRANTS),
        ),
    ),
    Move(
        EventKind.REMOVAL_ORDERED,
        "The immigration judge ordered removal.",
        frozenset({S.IN_PROCEEDINGS}),
        frozenset({S.REMOVAL_ORDERED}),
        "INA § 240(c)(1)(A); INA § 240(b)(5)(A) when in absentia",
        (_f("in_absentia", FieldType.BOOL, "ordered in the person's absence", required=False),),
    ),
    Move(
        EventKind.APPEAL_FILED,
        "An appeal of the decision was filed with the Board of Immigration Appeals.",
        DECIDED_STATES,
        DECIDED_STATES,
        "8 CFR 1003.3, 1003.38 (appeal within 30 days); 8 CFR 1003.6(a) (stay pending appeal)",
        (
            _f(
                "filed_by",
                FieldType.CHOICE,
                "the party appealing",
                choices=("respondent", "agency"),
            ),
        ),
        bar=BarKind.PENDING_APPEAL,
    ),
    Move(
        EventKind.APPEAL_DECIDED,
        "The Board decided the appeal: dismissed (the decision stands) or remanded.",
        DECIDED_STATES,
        DECIDED_STATES | {S.FINAL_ORDER, S.IN_PROCEEDINGS},
        "8 CFR 1003.1(d)(7) (Board decisions); 8 CFR 1241.1(a) (final on dismissal)",
        (
            _f(
                "outcome",
                FieldType.CHOICE,
                "the Board's decision",
                choices=("dismissed", "remanded"),
            ),
        ),
        bar=BarKind.PENDING_APPEAL,
    ),
    Move(
        EventKind.ORDER_BECAME_FINAL,
        "The 30-day appeal window passed with no appeal (or the order was in absentia).",
        frozenset({S.REMOVAL_ORDERED}),
        frozenset({S.FINAL_ORDER}),
        "8 CFR 1241.1(c) (final when the appeal time expires); INA § 101(a)(47)(B)",
    ),
    Move(
        EventKind.VOLUNTARY_DEPARTURE_EXPIRED,
        "The voluntary-departure deadline passed with no confirmed departure.",
        frozenset({S.VOLUNTARY_DEPARTURE}),
        frozenset({S.FINAL_ORDER}),
        "INA § 240B(d); 8 CFR 1240.26(d) (alternate order of removal takes effect)",
    ),
    Move(
        EventKind.DEPARTURE_CONFIRMED,
        "The person's departure was confirmed from a departure record.",
        frozenset({S.VOLUNTARY_DEPARTURE}),
        frozenset({S.CLOSED}),
        "INA § 240B; 8 CFR 240.25(e), 1240.26 (verification of departure)",
        (
            _f("departed_on", FieldType.DATE, "date of departure"),
            _f("port", FieldType.TEXT, "port of departure", required=False),
        ),
    ),
    Move(
        EventKind.DEPARTURE_RECORDED,
        "A departure was confirmed while the case is open, not as voluntary departure (under "
        "it, only one after the deadline): enforcement stops, a scheduled removal is called "
        "off, and legal review decides.",
        OPEN_STATES,
        OPEN_STATES - {S.REMOVAL_SCHEDULED},
        "INA § 101(g) (departure under an order of removal); 8 CFR 241.7, 1241.7 (self-removal)",
        (
            _f("departed_on", FieldType.DATE, "date of departure"),
            _f("port", FieldType.TEXT, "port of departure", required=False),
        ),
        bar=BarKind.DEPARTURE_REPORTED,
    ),
    Move(
        EventKind.DEPARTURE_REVIEWED,
        "Legal review decided what the recorded departure means: it stands (the case closes) "
        "or it was not established (the case goes on).",
        OPEN_STATES,
        OPEN_STATES | {S.CLOSED},
        "INA § 101(g); 8 CFR 241.7, 1241.7 (legal review of the departure)",
        (
            _f(
                "outcome",
                FieldType.CHOICE,
                "result of the review",
                choices=("departure_stands", "departure_not_established"),
            ),
        ),
        bar=BarKind.DEPARTURE_REPORTED,
    ),
    Move(
        EventKind.MOTION_TO_REOPEN_FILED,
        "A motion to reopen was filed (automatic stay when rescinding an in-absentia order).",
        REOPENABLE_STATES,
        REOPENABLE_STATES,
        "INA § 240(c)(7); INA § 240(b)(5)(C) (automatic stay); 8 CFR 1003.23(b)(4)(ii)",
        (
            _f(
                "automatic_stay",
                FieldType.BOOL,
                "the law stays removal while the motion is pending",
                required=False,
            ),
        ),
        bar=BarKind.MOTION_TO_REOPEN_STAY,
    ),
    Move(
        EventKind.MOTION_TO_REOPEN_DECIDED,
        "The motion to reopen was decided: granted (back to proceedings) or denied.",
        REOPENABLE_STATES,
        REOPENABLE_STATES | {S.IN_PROCEEDINGS},
        "INA § 240(c)(7); 8 CFR 1003.23 (motions before the immigration court)",
        (_f("outcome", FieldType.CHOICE, "the decision", choices=("granted", "denied")),),
        bar=BarKind.MOTION_TO_REOPEN_STAY,
    ),
    Move(
        EventKind.STAY_GRANTED,
        "A stay of removal was granted by a court or the agency.",
        OPEN_STATES,
        OPEN_STATES,
        "8 CFR 241.6 (agency stay); 8 CFR 1003.6, 1003.23(b)(1)(v) (court stay)",
        (
            _f("authority", FieldType.CHOICE, "who granted it", choices=("court", "agency")),
            _f("until_on", FieldType.DATE, "last day of the stay, if limited", required=False),
        ),
        bar=BarKind.STAY_OF_REMOVAL,
    ),
    Move(
        EventKind.STAY_LIFTED,
        "The stay of removal was lifted or expired.",
        OPEN_STATES,
        OPEN_STATES,
        "8 CFR 241.6; 8 CFR 1003.6",
        bar=BarKind.STAY_OF_REMOVAL,
    ),
    Move(
        EventKind.CITIZENSHIP_CLAIM_RAISED,
        "The person claims U.S. citizenship; legal review must resolve it.",
        OPEN_STATES,
        OPEN_STATES,
        "INA § 341; ICE Directive 16001.3 (potential U.S. citizenship)",
        bar=BarKind.CITIZENSHIP_CLAIM,
    ),
    Move(
        EventKind.CITIZENSHIP_CLAIM_RESOLVED,
        "Legal review resolved the citizenship claim.",
        OPEN_STATES,
        OPEN_STATES | {S.CLOSED},
        "INA § 341; ICE Directive 16001.3",
        (
            _f(
                "outcome",
                FieldType.CHOICE,
                "result of the review",
                choices=("verified_citizen", "not_citizen"),
            ),
        ),
        bar=BarKind.CITIZENSHIP_CLAIM,
    ),
    Move(
        EventKind.PROTECTED_STATUS_RECORDED,
        "The person holds or has applied for a protected status (each a bar of its own).",
        OPEN_STATES,
        OPEN_STATES,
        "INA § 208 (asylum), § 244 (TPS), § 212(d)(5) (parole), § 101(a)(15)(T), (U)",
        (_f("status", FieldType.CHOICE, "the status", choices=PROTECTED_STATUSES),),
        bar=BarKind.PROTECTED_STATUS,
    ),
    Move(
        EventKind.PROTECTED_STATUS_ENDED,
        "A protected status ended or its application was decided (another may still stand).",
        OPEN_STATES,
        OPEN_STATES,
        "INA § 208, § 244, § 212(d)(5)",
        (_f("status", FieldType.CHOICE, _ENDED_STATUS, required=False, choices=_ENDING),),
        bar=BarKind.PROTECTED_STATUS,
    ),
    Move(
        EventKind.UNACCOMPANIED_MINOR_IDENTIFIED,
        "The person is an unaccompanied minor; a custody plan is required.",
        OPEN_STATES,
        OPEN_STATES,
        "6 U.S.C. § 279(g)(2); 8 U.S.C. § 1232 (TVPRA)",
        bar=BarKind.UNACCOMPANIED_MINOR,
    ),
    Move(
        EventKind.CUSTODY_PLAN_RECORDED,
        "A custody plan for the minor is in place.",
        OPEN_STATES,
        OPEN_STATES,
        "8 U.S.C. § 1232(b), (c)",
        (_f("plan", FieldType.TEXT, "the custody plan, e.g. placement with a sponsor"),),
        bar=BarKind.UNACCOMPANIED_MINOR,
    ),
    Move(
        EventKind.MEDICAL_HOLD_PLACED,
        "A medical hold was placed.",
        OPEN_STATES,
        OPEN_STATES,
        "ICE Performance-Based National Detention Standards 4.3 (medical care)",
        bar=BarKind.MEDICAL_HOLD,
    ),
    Move(
        EventKind.MEDICAL_HOLD_LIFTED,
        "The medical hold was lifted.",
        OPEN_STATES,
        OPEN_STATES,
        "ICE Performance-Based National Detention Standards 4.3 (medical care)",
        bar=BarKind.MEDICAL_HOLD,
    ),
    Move(
        EventKind.CUSTODY_BOOKED,
        "The person was booked into custody.",
        OPEN_STATES,
        OPEN_STATES,
        "INA § 236(a) (before a final order); INA § 241(a)(2) (after)",
        (_f("facility", FieldType.TEXT, "detention facility"),),
        custody=True,
    ),
    Move(
        EventKind.CUSTODY_RELEASED,
        "The person was released from custody.",
        OPEN_STATES,
        OPEN_STATES,
        "INA § 236(a)(2); 8 CFR 236.1(c); 8 CFR 241.4 (post-order release)",
        (_f("mode", FieldType.CHOICE, "terms of release", choices=tuple(ReleaseMode)),),
        custody=True,
    ),
    Move(
        EventKind.REMOVAL_SCHEDULED,
        "Removal was scheduled.",
        frozenset({S.FINAL_ORDER}),
        frozenset({S.REMOVAL_SCHEDULED}),
        "INA § 241(a)(1); 8 CFR 241.3",
        (_f("scheduled_for", FieldType.DATE, "date of removal"),),
    ),
    Move(
        EventKind.REMOVAL_CANCELLED,
        "The scheduled removal was called off.",
        frozenset({S.REMOVAL_SCHEDULED}),
        frozenset({S.FINAL_ORDER}),
        "INA § 241(a); 8 CFR 241.6",
        (_f("reason", FieldType.TEXT, "why it was called off"),),
    ),
    Move(
        EventKind.REMOVAL_EXECUTED,
        "The removal was carried out.",
        frozenset({S.REMOVAL_SCHEDULED}),
        frozenset({S.REMOVED}),
        "INA § 241(a); 8 CFR 241.2 (warrant of removal, Form I-205)",
    ),
    Move(
        EventKind.CASE_CLOSED,
        "The case was closed with a reason.",
        OPEN_STATES | {S.REMOVED},
        frozenset({S.CLOSED}),
        "Agency case closure; the reason names the decision or record it rests on",
        (
            _f(
                "reason",
                FieldType.CHOICE,
                "why the case closes",
                choices=tuple(
                    r.value
                    for r in CloseReason
                    if r not in (CloseReason.DEPARTURE_CONFIRMED, CloseReason.CITIZENSHIP_VERIFIED)
                ),
            ),
        ),
    ),
)

TABLE: Mapping[EventKind, Move] = {move.kind: move for move in (*_MOVES, *FACT_MOVES)}
"""The lifecycle, by event kind. Creation events (``case_opened``, ``case_imported``) and person
events are not moves: they start or describe a stream."""

CLOSE_REASON_STATES: Mapping[CloseReason, frozenset[CaseState]] = {
    CloseReason.RELIEF: frozenset({S.RELIEF_GRANTED}),
    CloseReason.TERMINATION: frozenset({S.TERMINATED}),
    CloseReason.REMOVAL_EXECUTED: frozenset({S.REMOVED}),
    CloseReason.DUPLICATE: OPEN_STATES | {S.REMOVED},
    CloseReason.OTHER: OPEN_STATES | {S.REMOVED},
}
"""``case_closed`` with a given reason is allowed only from these states."""

CLOSED_ON_THE_DECISION: Mapping[CloseReason, Decision] = {
    CloseReason.RELIEF: Decision.RELIEF_GRANTED,
    CloseReason.TERMINATION: Decision.TERMINATED,
}
"""Close reasons resting on the case's decision (this one): closed once its window is over."""

CREATION_LEGAL_BASIS = {
    EventKind.CASE_OPENED: "INA § 287; 8 CFR 287.3 (encounter and identification)",
    EventKind.CASE_IMPORTED: "Agency legacy case record, imported as it stood",
    EventKind.PERSON_REGISTERED: "Agency case record (identity as documented)",
    EventKind.PERSON_ALIAS_RECORDED: "Agency case record (name as written on another record)",
}
