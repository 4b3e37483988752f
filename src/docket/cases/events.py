"""Domain events: the append-only facts every change is recorded as.

An event names its kind, the stream it belongs to (a case or a person), when it happened in the
world (``occurred_on``), when Docket recorded it (``recorded_at``, UTC), who recorded it, its legal
basis and the source document it rests on. Its ``data`` holds the kind's own fields, JSON-safe.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

JSONValue = str | int | bool | None | list["JSONValue"] | dict[str, "JSONValue"]


class StreamType(StrEnum):
    """What an event stream is about."""

    CASE = "case"
    PERSON = "person"
    DEPARTURE_REPORT = "departure_report"
    """A departure report's own stream: the review decisions on it."""
    PRIORITISATION = "prioritisation"
    """The prioritisation switch: an admin turning scoring off or on."""
    LINKAGE = "linkage"
    """A trained version of the departure linkage model."""


class EventKind(StrEnum):
    """Every kind of event Docket records."""

    # person stream
    PERSON_REGISTERED = "person_registered"
    PERSON_ALIAS_RECORDED = "person_alias_recorded"
    # departure report stream
    DEPARTURE_REPORT_REVIEWED = "departure_report_reviewed"
    # prioritisation switch stream
    PRIORITISATION_SWITCHED = "prioritisation_switched"
    PRIORITY_RANKED = "priority_ranked"
    # linkage model stream
    LINKAGE_MODEL_TRAINED = "linkage_model_trained"
    # case stream: creation
    CASE_OPENED = "case_opened"
    CASE_IMPORTED = "case_imported"
    # case stream: proceedings
    CHARGING_DOCUMENT_SERVED = "charging_document_served"
    HEARING_SCHEDULED = "hearing_scheduled"
    HEARING_HELD = "hearing_held"
    RELIEF_GRANTED = "relief_granted"
    PROCEEDINGS_TERMINATED = "proceedings_terminated"
    VOLUNTARY_DEPARTURE_GRANTED = "voluntary_departure_granted"
    REMOVAL_ORDERED = "removal_ordered"
    APPEAL_FILED = "appeal_filed"
    APPEAL_DECIDED = "appeal_decided"
    ORDER_BECAME_FINAL = "order_became_final"
    VOLUNTARY_DEPARTURE_EXPIRED = "voluntary_departure_expired"
    DEPARTURE_CONFIRMED = "departure_confirmed"
    DEPARTURE_RECORDED = "departure_recorded"
    DEPARTURE_REVIEWED = "departure_reviewed"
    MOTION_TO_REOPEN_FILED = "motion_to_reopen_filed"
    MOTION_TO_REOPEN_DECIDED = "motion_to_reopen_decided"
    # case stream: bars
    STAY_GRANTED = "stay_granted"
    STAY_LIFTED = "stay_lifted"
    CITIZENSHIP_CLAIM_RAISED = "citizenship_claim_raised"
    CITIZENSHIP_CLAIM_RESOLVED = "citizenship_claim_resolved"
    PROTECTED_STATUS_RECORDED = "protected_status_recorded"
    PROTECTED_STATUS_ENDED = "protected_status_ended"
    UNACCOMPANIED_MINOR_IDENTIFIED = "unaccompanied_minor_identified"
    CUSTODY_PLAN_RECORDED = "custody_plan_recorded"
    MEDICAL_HOLD_PLACED = "medical_hold_placed"
    MEDICAL_HOLD_LIFTED = "medical_hold_lifted"
    # case stream: documented facts a prioritisation policy may use (cases/facts.py)
    CONVICTION_RECORDED = "conviction_recorded"
    NATIONAL_SECURITY_FINDING_RECORDED = "national_security_finding_recorded"
    ENTRY_RECORDED = "entry_recorded"
    APPREHENSION_RECORDED = "apprehension_recorded"
    CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED = "caregiver_of_us_citizen_child_recorded"
    SERIOUS_HEALTH_CONDITION_RECORDED = "serious_health_condition_recorded"
    VICTIM_OR_WITNESS_RECORDED = "victim_or_witness_recorded"
    RELIEF_APPLICATION_RECORDED = "relief_application_recorded"
    PUBLIC_SERVICE_RECORDED = "public_service_recorded"
    FACT_CORRECTED = "fact_corrected"
    FACT_WITHDRAWN = "fact_withdrawn"
    # case stream: a supervisor's determination on a prioritisation recommendation
    PRIORITY_DETERMINED = "priority_determined"
    # case stream: custody and removal
    CUSTODY_BOOKED = "custody_booked"
    CUSTODY_RELEASED = "custody_released"
    REMOVAL_SCHEDULED = "removal_scheduled"
    REMOVAL_CANCELLED = "removal_cancelled"
    REMOVAL_EXECUTED = "removal_executed"
    CASE_CLOSED = "case_closed"


CASE_CREATION_KINDS = frozenset({EventKind.CASE_OPENED, EventKind.CASE_IMPORTED})


@dataclass(frozen=True)
class Event:
    """One recorded fact. ``seq`` is its place in the log, given when it is appended."""

    kind: EventKind
    stream_type: StreamType
    stream_id: str
    stream_version: int
    occurred_on: dt.date
    recorded_at: dt.datetime
    actor: str
    legal_basis: str
    document_ref: str
    data: Mapping[str, JSONValue]
    seq: int | None = None
