"""Builds cases in any lifecycle state through the domain's own ``record``, and the inputs that
make each move acceptable, so tests can be generated from the transition table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from docket.cases import lifecycle
from docket.cases.events import Event, EventKind
from docket.cases.model import Case, CaseId, CaseState, PersonId
from docket.cases.table import TABLE

K = EventKind
S = CaseState
NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
OPENED_ON = dt.date(2025, 1, 6)


@dataclass
class Built:
    """A case and the events that made it."""

    case: Case
    events: list[Event]
    on: dt.date
    """The date of the last event; the next one happens after it."""

    def then(self, kind: EventKind, days: int = 3, **fields: object) -> Built:
        on = self.on + dt.timedelta(days=days)
        event, case = lifecycle.record(
            self.case,
            kind=kind,
            fields=fields,
            occurred_on=on,
            actor="officer.test",
            document_ref=f"DOC-{len(self.events) + 1}",
            recorded_at=NOW,
        )
        return Built(case, [*self.events, event], on)


def opened(case_ref: str = "DKT-T-1") -> Built:
    event, case = lifecycle.open_case(
        case_id=CaseId("case-1"),
        case_ref=case_ref,
        person_id=PersonId("person-1"),
        field_office="NYC",
        opened_on=OPENED_ON,
        actor="officer.test",
        document_ref="I-213-1",
        recorded_at=NOW,
    )
    return Built(case, [event], OPENED_ON)


def in_state(state: CaseState) -> Built:
    """A case brought to ``state`` along an ordinary path."""
    built = opened()
    if state is S.IDENTIFIED:
        return built
    if state is S.CLOSED:
        return built.then(K.CASE_CLOSED, reason="other")
    built = built.then(K.CHARGING_DOCUMENT_SERVED)
    if state is S.CHARGED:
        return built
    built = built.then(
        K.HEARING_SCHEDULED, hearing_on=(built.on + dt.timedelta(days=30)).isoformat()
    )
    if state is S.IN_PROCEEDINGS:
        return built
    if state is S.RELIEF_GRANTED:
        return built.then(K.RELIEF_GRANTED, relief="asylum")
    if state is S.TERMINATED:
        return built.then(K.PROCEEDINGS_TERMINATED)
    if state is S.VOLUNTARY_DEPARTURE:
        deadline = built.on + dt.timedelta(days=63)
        return built.then(
            K.VOLUNTARY_DEPARTURE_GRANTED,
            deadline_on=deadline.isoformat(),
            granted_by="judge_prior_to_conclusion",
        )
    built = built.then(K.REMOVAL_ORDERED)
    if state is S.REMOVAL_ORDERED:
        return built
    built = built.then(K.ORDER_BECAME_FINAL, days=31)
    if state is S.FINAL_ORDER:
        return built
    built = built.then(
        K.REMOVAL_SCHEDULED, scheduled_for=(built.on + dt.timedelta(days=5)).isoformat()
    )
    if state is S.REMOVAL_SCHEDULED:
        return built
    built = built.then(K.REMOVAL_EXECUTED, days=5)
    assert state is S.REMOVED
    return built


def in_absentia_order() -> Built:
    built = in_state(S.IN_PROCEEDINGS)
    return built.then(K.REMOVAL_ORDERED, in_absentia=True)


FACT_SAMPLES: dict[EventKind, dict[str, object]] = {
    K.CONVICTION_RECORDED: {
        "offence": "burglary in the second degree",
        "statute": "N.Y. Penal Law 140.25",
        "category": "other_felony",
        "sentence_months": "18",
        "convicted_on": "2019-04-02",
    },
    K.NATIONAL_SECURITY_FINDING_RECORDED: {
        "finding": "material support finding",
        "authority": "agency headquarters",
        "found_on": "2024-12-01",
    },
    K.ENTRY_RECORDED: {"entered_on": "2012-06-30", "manner": "without_inspection"},
    K.APPREHENSION_RECORDED: {"apprehended_on": "2024-12-20", "context": "interior"},
    K.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED: {"since_on": "2016-03-01"},
    K.SERIOUS_HEALTH_CONDITION_RECORDED: {"condition": "dialysis", "diagnosed_on": "2023-05-05"},
    K.VICTIM_OR_WITNESS_RECORDED: {
        "role": "witness",
        "matter": "wage theft prosecution",
        "since_on": "2022-02-02",
    },
    K.RELIEF_APPLICATION_RECORDED: {"application": "asylum", "filed_on": "2024-11-30"},
    K.PUBLIC_SERVICE_RECORDED: {"service": "U.S. Army", "from_on": "2001-01-01"},
}
"""Fields that make each fact-recording event acceptable on any open case."""


def ready_for(kind: EventKind, state: CaseState) -> tuple[Built, dict[str, object], int]:
    """A case in ``state`` on which ``kind`` is acceptable, the fields to send and the days to
    wait before sending it. ``state`` must be one of the move's start states."""
    assert state in TABLE[kind].from_states
    built = in_state(state)
    case = built.case
    days = 3
    fields: dict[str, object] = {}
    if kind is K.HEARING_SCHEDULED:
        fields = {"hearing_on": (built.on + dt.timedelta(days=40)).isoformat()}
    elif kind is K.RELIEF_GRANTED:
        fields = {"relief": "cancellation of removal"}
    elif kind is K.VOLUNTARY_DEPARTURE_GRANTED:
        fields = {
            "deadline_on": (built.on + dt.timedelta(days=60)).isoformat(),
            "granted_by": "judge_at_conclusion",
        }
    elif kind is K.APPEAL_FILED:
        fields, days = {"filed_by": "agency" if state is S.RELIEF_GRANTED else "respondent"}, 1
    elif kind is K.APPEAL_DECIDED:
        built = built.then(K.APPEAL_FILED, days=1, filed_by="respondent")
        fields = {"outcome": "dismissed"}
    elif kind is K.ORDER_BECAME_FINAL:
        days = 31
    elif kind is K.VOLUNTARY_DEPARTURE_EXPIRED:
        assert case.vd_deadline_on is not None
        days = (case.vd_deadline_on - built.on).days + 1
    elif kind is K.DEPARTURE_CONFIRMED:
        fields = {"departed_on": (built.on + dt.timedelta(days=2)).isoformat(), "port": "JFK"}
    elif kind in (K.DEPARTURE_RECORDED, K.DEPARTURE_REVIEWED):
        # under voluntary departure, only a departure after the deadline is recorded so
        departed = case.vd_deadline_on + dt.timedelta(days=1) if case.vd_deadline_on else built.on
        days = max(3, (departed - built.on).days)
        if kind is K.DEPARTURE_RECORDED:
            fields = {"departed_on": departed.isoformat()}
        else:
            built = built.then(K.DEPARTURE_RECORDED, days=days, departed_on=departed.isoformat())
            fields = {"outcome": "departure_not_established"}
    elif kind is K.MOTION_TO_REOPEN_FILED:
        fields = {"automatic_stay": False}
    elif kind is K.MOTION_TO_REOPEN_DECIDED:
        built = built.then(K.MOTION_TO_REOPEN_FILED)
        fields = {"outcome": "denied"}
    elif kind is K.STAY_GRANTED:
        fields = {"authority": "court"}
    elif kind is K.STAY_LIFTED:
        built = built.then(K.STAY_GRANTED, authority="agency")
    elif kind is K.CITIZENSHIP_CLAIM_RESOLVED:
        built = built.then(K.CITIZENSHIP_CLAIM_RAISED)
        fields = {"outcome": "not_citizen"}
    elif kind is K.PROTECTED_STATUS_RECORDED:
        fields = {"status": "tps"}
    elif kind is K.PROTECTED_STATUS_ENDED:
        built = built.then(K.PROTECTED_STATUS_RECORDED, status="asylum_pending")
    elif kind is K.CUSTODY_PLAN_RECORDED:
        built = built.then(K.UNACCOMPANIED_MINOR_IDENTIFIED)
        fields = {"plan": "placement with sponsor"}
    elif kind is K.MEDICAL_HOLD_LIFTED:
        built = built.then(K.MEDICAL_HOLD_PLACED)
    elif kind is K.CUSTODY_BOOKED:
        fields = {"facility": "Elizabeth Contract Detention Facility"}
    elif kind is K.CUSTODY_RELEASED:
        built = built.then(K.CUSTODY_BOOKED, facility="Krome")
        fields = {"mode": "bond"}
    elif kind is K.REMOVAL_SCHEDULED:
        fields = {"scheduled_for": (built.on + dt.timedelta(days=10)).isoformat()}
    elif kind is K.REMOVAL_CANCELLED:
        fields = {"reason": "travel document expired"}
    elif kind in FACT_SAMPLES:
        fields = dict(FACT_SAMPLES[kind])
    elif kind in (K.FACT_CORRECTED, K.FACT_WITHDRAWN):
        if not built.case.is_open:
            # facts are recorded on open cases only; a closed one is corrected on its record
            built = _closed_with_a_fact(state)
        else:
            built = built.then(K.CONVICTION_RECORDED, **FACT_SAMPLES[K.CONVICTION_RECORDED])
        fact = next(f for f in built.case.facts if f.kind.value == "conviction")
        fields = {"fact_id": fact.fact_id, "reason": "judgment vacated on appeal"}
        if kind is K.FACT_CORRECTED:
            fields |= {"field": "disposition", "value": "vacated"}
    elif kind is K.CASE_CLOSED:
        reason = {
            S.RELIEF_GRANTED: "relief",
            S.TERMINATED: "termination",
            S.REMOVED: "removal_executed",
        }
        fields = {"reason": reason.get(state, "other")}
        if state in (S.RELIEF_GRANTED, S.TERMINATED):
            days = 31
    return built, fields, days


def _closed_with_a_fact(state: CaseState) -> Built:
    """A case that got a conviction on record while open, then reached ``state`` (closed or
    removed)."""
    built = opened().then(K.CONVICTION_RECORDED, **FACT_SAMPLES[K.CONVICTION_RECORDED])
    if state is S.CLOSED:
        return built.then(K.CASE_CLOSED, reason="other")
    assert state is S.REMOVED
    built = built.then(K.CHARGING_DOCUMENT_SERVED)
    built = built.then(
        K.HEARING_SCHEDULED, hearing_on=(built.on + dt.timedelta(days=30)).isoformat()
    )
    built = built.then(K.REMOVAL_ORDERED, days=30)
    built = built.then(K.ORDER_BECAME_FINAL, days=31)
    built = built.then(
        K.REMOVAL_SCHEDULED, scheduled_for=(built.on + dt.timedelta(days=5)).isoformat()
    )
    return built.then(K.REMOVAL_EXECUTED, days=5)
