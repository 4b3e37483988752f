"""Plain values of the case core: persons, cases, legal bars and custody.

Everything here is a frozen dataclass built from the standard library only; the lifecycle module
derives new values from old ones and never mutates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NewType

CaseId = NewType("CaseId", str)
PersonId = NewType("PersonId", str)


class CaseState(StrEnum):
    """States of the lifecycle (DESIGN.md, "Lifecycle")."""

    IDENTIFIED = "identified"
    CHARGED = "charged"
    IN_PROCEEDINGS = "in_proceedings"
    RELIEF_GRANTED = "relief_granted"
    TERMINATED = "terminated"
    VOLUNTARY_DEPARTURE = "voluntary_departure"
    REMOVAL_ORDERED = "removal_ordered"
    FINAL_ORDER = "final_order"
    REMOVAL_SCHEDULED = "removal_scheduled"
    REMOVED = "removed"
    CLOSED = "closed"


DECIDED_STATES = frozenset(
    {
        CaseState.RELIEF_GRANTED,
        CaseState.TERMINATED,
        CaseState.VOLUNTARY_DEPARTURE,
        CaseState.REMOVAL_ORDERED,
    }
)
OPEN_STATES = frozenset(set(CaseState) - {CaseState.REMOVED, CaseState.CLOSED})


class Decision(StrEnum):
    """The immigration judge's (or the agency's) decision on the case."""

    RELIEF_GRANTED = "relief_granted"
    TERMINATED = "terminated"
    VOLUNTARY_DEPARTURE = "voluntary_departure"
    REMOVAL_ORDERED = "removal_ordered"


class CloseReason(StrEnum):
    """Why a case was closed."""

    RELIEF = "relief"
    TERMINATION = "termination"
    DEPARTURE_CONFIRMED = "departure_confirmed"
    REMOVAL_EXECUTED = "removal_executed"
    CITIZENSHIP_VERIFIED = "citizenship_verified"
    DUPLICATE = "duplicate"
    OTHER = "other"


class BarKind(StrEnum):
    """Legal bars: facts on the case that block actions (see ``bars.BLOCKS``)."""

    PENDING_APPEAL = "pending_appeal"
    STAY_OF_REMOVAL = "stay_of_removal"
    CITIZENSHIP_CLAIM = "citizenship_claim"
    PROTECTED_STATUS = "protected_status"
    MOTION_TO_REOPEN_STAY = "motion_to_reopen_stay"
    UNACCOMPANIED_MINOR = "unaccompanied_minor"
    MEDICAL_HOLD = "medical_hold"
    DEPARTURE_REPORTED = "departure_reported"


class CustodyStatus(StrEnum):
    """Where the person stands with respect to custody."""

    NONE = "none"
    DETAINED = "detained"
    RELEASED = "released"


class ReleaseMode(StrEnum):
    """How a detained person was released."""

    BOND = "bond"
    RECOGNIZANCE = "recognizance"
    ATD = "atd"
    """Alternatives to detention."""


@dataclass(frozen=True)
class Bar:
    """A legal bar in force, with the document it rests on."""

    kind: BarKind
    placed_on: dt.date
    document_ref: str
    detail: str = ""


@dataclass(frozen=True)
class Custody:
    """Custody of the person in this case."""

    status: CustodyStatus = CustodyStatus.NONE
    since_on: dt.date | None = None
    facility: str = ""
    release_mode: ReleaseMode | None = None
    review_due_on: dt.date | None = None
    """Post-order custody review (8 CFR 241.4): 90 days into the removal period."""


@dataclass(frozen=True)
class Name:
    """A person's name as written on one record."""

    given_name: str
    family_name: str

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class Address:
    """Address of record."""

    line: str = ""
    city: str = ""
    postcode: str = ""
    state: str = ""


@dataclass(frozen=True)
class IdentityDocument:
    """A passport or other identity document."""

    kind: str
    number: str
    country: str = ""


@dataclass(frozen=True)
class FamilyLink:
    """A documented family relationship to another person in the system."""

    relation: str
    person_id: PersonId


@dataclass(frozen=True)
class Person:
    """A person with a case before the agency."""

    person_id: PersonId
    name: Name
    a_number: str | None = None
    aliases: tuple[Name, ...] = ()
    date_of_birth: dt.date | None = None
    sex: str = ""
    citizenship: str = ""
    language: str = ""
    address: Address = field(default_factory=Address)
    documents: tuple[IdentityDocument, ...] = ()
    counsel: str = ""
    family_links: tuple[FamilyLink, ...] = ()
    version: int = 0


class FactKind(StrEnum):
    """Documented facts a prioritisation policy may use (``facts.FACTS`` describes each)."""

    CONVICTION = "conviction"
    NATIONAL_SECURITY_FINDING = "national_security_finding"
    ENTRY = "entry"
    APPREHENSION = "apprehension"
    FINAL_ORDER = "final_order"
    """Not recorded by hand: the case records it when its order becomes final."""
    CAREGIVER_OF_US_CITIZEN_CHILD = "caregiver_of_us_citizen_child"
    SERIOUS_HEALTH_CONDITION = "serious_health_condition"
    VICTIM_OR_WITNESS = "victim_or_witness"
    PENDING_RELIEF_APPLICATION = "pending_relief_application"
    MILITARY_OR_PUBLIC_SERVICE = "military_or_public_service"


@dataclass(frozen=True)
class Fact:
    """A documented fact on a case: what the event that recorded it said, as corrected since.

    ``fact_id`` is ``CASE_REF/F<version>``, the version being that of the event that recorded
    it, so it names the event too; ``corrections`` are the ids of the events that corrected it.
    """

    fact_id: str
    kind: FactKind
    on: dt.date
    """The fact's own date: of the conviction, the entry, the finding, ..."""
    values: tuple[tuple[str, str | int | bool | None], ...]
    document_ref: str
    event_id: str
    """``CASE_ID@VERSION`` of the recording event."""
    corrections: tuple[str, ...] = ()

    def value(self, name: str) -> str | int | bool | None:
        return dict(self.values).get(name)


@dataclass(frozen=True)
class Case:
    """The current state of one removal case: the projection of its events."""

    case_id: CaseId
    case_ref: str
    person_id: PersonId
    field_office: str
    state: CaseState
    opened_on: dt.date
    state_since: dt.date
    """The day the case entered its state: the date of the event that moved it there (its
    opening for a case still identified; for a case imported as it stood, the latest day its
    record shows it there, :func:`imported_state_since`). No move of that state is dated
    before it (``dating.check_dated_in_state``)."""
    version: int = 0
    decision: Decision | None = None
    decided_on: dt.date | None = None
    in_absentia: bool = False
    appeal_due_on: dt.date | None = None
    vd_deadline_on: dt.date | None = None
    hearing_on: dt.date | None = None
    final_on: dt.date | None = None
    removal_scheduled_for: dt.date | None = None
    removed_on: dt.date | None = None
    departed_on: dt.date | None = None
    closed_on: dt.date | None = None
    close_reason: CloseReason | None = None
    motion_pending: bool = False
    bars: tuple[Bar, ...] = ()
    custody: Custody = field(default_factory=Custody)
    facts: tuple[Fact, ...] = ()
    """Documented facts in force (withdrawn ones are only in the log)."""

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def bar(self, kind: BarKind) -> Bar | None:
        """The bar of this kind in force, if any."""
        return next((b for b in self.bars if b.kind is kind), None)

    def has_bar(self, kind: BarKind) -> bool:
        return self.bar(kind) is not None

    def left_after_vd_deadline(self, departed_on: dt.date) -> bool:
        """Whether a departure on ``departed_on`` came after this case's voluntary-departure
        deadline: then it is not voluntary departure (INA § 240B(d)), the alternate order
        applies and legal review decides the departure. False with no deadline."""
        return self.vd_deadline_on is not None and departed_on > self.vd_deadline_on

    def deadlines(self) -> dict[str, dt.date]:
        """Dates by which something must happen, by name, for open cases."""
        if not self.is_open:
            return {}
        candidates = {
            "hearing": self.hearing_on if self.state is CaseState.IN_PROCEEDINGS else None,
            "appeal_due": self.appeal_due_on,
            "voluntary_departure": (
                self.vd_deadline_on if self.state is CaseState.VOLUNTARY_DEPARTURE else None
            ),
            "removal": self.removal_scheduled_for,
            "custody_review": self.custody.review_due_on,
        }
        return {name: day for name, day in candidates.items() if day is not None}


def imported_state_since(
    state: CaseState,
    *,
    opened_on: dt.date,
    charged_on: dt.date | None = None,
    decided_on: dt.date | None = None,
    final_on: dt.date | None = None,
    removed_on: dt.date | None = None,
    closed_on: dt.date | None = None,
) -> dt.date:
    """The day a case imported as it stood entered ``state``, as far as its record tells: the
    date of the step that led there (the decision, the final order, the removal, the
    closing), or the last earlier one a record keeps (a hearing scheduled, a removal
    scheduled, leave no date of their own). Never later than the day it truly entered it, so
    no move the case could make there is refused for it."""
    if state is CaseState.CLOSED:
        step = closed_on
    elif state is CaseState.REMOVED:
        step = removed_on
    elif state in (CaseState.FINAL_ORDER, CaseState.REMOVAL_SCHEDULED):
        step = final_on
    elif state in DECIDED_STATES:
        step = decided_on
    elif state in (CaseState.CHARGED, CaseState.IN_PROCEEDINGS):
        step = charged_on
    else:
        step = None
    return step if step is not None and step > opened_on else opened_on
