"""The documented facts a prioritisation policy may use, as one table, and how they are kept.

Each kind of fact is recorded by its own event on the case (``conviction_recorded``, ...), with
its source document and its own date; ``fact_corrected`` changes one field of a recorded fact
(a conviction later vacated or expunged, an application decided) and ``fact_withdrawn`` takes
out a fact recorded in error, each with a reason. The final order is recorded by the case itself
when its order becomes final. Age, length of presence and time since the last offence are worked
out from these (and the person's date of birth) when a policy asks, never stored.

No fact here is, or stands for, nationality or citizenship, race, ethnicity, national origin,
religion, language, sex, gender identity, sexual orientation, or political opinion or
association; the policy loader refuses any reference to them (``docket.priority.packs``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from docket.cases.events import EventKind
from docket.cases.fields import FieldSpec, FieldType
from docket.cases.fields import spec as _f
from docket.cases.model import Fact, FactKind

CONVICTION_CATEGORIES = (
    "aggravated_felony",
    "violent_felony",
    "drug_trafficking",
    "firearms_offence",
    "sexual_offence",
    "human_trafficking",
    "other_felony",
    "misdemeanor",
    "immigration_offence",
    "traffic_offence",
)
DISPOSITIONS = ("standing", "vacated", "expunged")
"""A conviction later vacated or expunged stays on the record as such and counts for nothing."""
ENTRY_MANNERS = ("admitted", "paroled", "without_inspection", "unknown")
APPREHENSION_CONTEXTS = ("border", "port_of_entry", "interior")
WITNESS_ROLES = ("victim", "witness")
RELIEF_APPLICATIONS = (
    "asylum",
    "withholding_of_removal",
    "convention_against_torture",
    "u_visa",
    "t_visa",
    "vawa",
    "special_immigrant_juvenile",
    "cancellation_of_removal",
    "adjustment_of_status",
    "temporary_protected_status",
    "other",
)


@dataclass(frozen=True)
class FactSpec:
    """One kind of fact: the event that records it, its fields, the field holding its date."""

    kind: FactKind
    event: EventKind | None
    """``None``: the case records it itself (the final order)."""
    summary: str
    legal_basis: str
    fields: tuple[FieldSpec, ...]
    date_field: str


_SPECS = (
    FactSpec(
        FactKind.CONVICTION,
        EventKind.CONVICTION_RECORDED,
        "A criminal conviction, from the record of conviction.",
        "INA § 237(a)(2), § 212(a)(2) (criminal grounds); 8 CFR 1003.41 (record of conviction)",
        (
            _f("offence", FieldType.TEXT, "the offence as the judgment names it"),
            _f("statute", FieldType.TEXT, "the statute of conviction"),
            _f("category", FieldType.CHOICE, "kind of offence", choices=CONVICTION_CATEGORIES),
            _f("sentence_months", FieldType.NUMBER, "sentence imposed, in months (0: none)"),
            _f("convicted_on", FieldType.DATE, "date of the judgment"),
            _f(
                "disposition",
                FieldType.CHOICE,
                "standing unless later vacated or expunged (default: standing)",
                required=False,
                choices=DISPOSITIONS,
            ),
        ),
        "convicted_on",
    ),
    FactSpec(
        FactKind.NATIONAL_SECURITY_FINDING,
        EventKind.NATIONAL_SECURITY_FINDING_RECORDED,
        "A documented national-security finding by a competent authority.",
        "INA § 237(a)(4), § 212(a)(3) (security grounds)",
        (
            _f("finding", FieldType.TEXT, "what was found, as the finding states it"),
            _f("authority", FieldType.TEXT, "the authority that made the finding"),
            _f("found_on", FieldType.DATE, "date of the finding"),
        ),
        "found_on",
    ),
    FactSpec(
        FactKind.ENTRY,
        EventKind.ENTRY_RECORDED,
        "The person's (last) entry to the United States and its manner.",
        "INA § 101(a)(13) (admission); INA § 212(a)(6)(A) (present without admission)",
        (
            _f("entered_on", FieldType.DATE, "date of entry"),
            _f("manner", FieldType.CHOICE, "manner of entry", choices=ENTRY_MANNERS),
        ),
        "entered_on",
    ),
    FactSpec(
        FactKind.APPREHENSION,
        EventKind.APPREHENSION_RECORDED,
        "Where the person was apprehended: at the border, at a port of entry or in the interior.",
        "INA § 287(a); 8 CFR 287.3 (disposition of cases of aliens arrested without warrant)",
        (
            _f("apprehended_on", FieldType.DATE, "date of apprehension"),
            _f("context", FieldType.CHOICE, "where", choices=APPREHENSION_CONTEXTS),
        ),
        "apprehended_on",
    ),
    FactSpec(
        FactKind.FINAL_ORDER,
        None,
        "The order of removal became final (recorded by the case when it does).",
        "8 CFR 1241.1 (final order of removal)",
        (),
        "final_on",
    ),
    FactSpec(
        FactKind.CAREGIVER_OF_US_CITIZEN_CHILD,
        EventKind.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED,
        "The person is the caregiver of a child who is a U.S. citizen.",
        "DHS Guidelines for the Enforcement of Civil Immigration Law (2021), mitigating factors",
        (
            _f("since_on", FieldType.DATE, "since when, as documented"),
            _f("detail", FieldType.TEXT, "the document's description", required=False),
        ),
        "since_on",
    ),
    FactSpec(
        FactKind.SERIOUS_HEALTH_CONDITION,
        EventKind.SERIOUS_HEALTH_CONDITION_RECORDED,
        "A serious physical or mental health condition, as a clinician documented it.",
        "DHS Guidelines for the Enforcement of Civil Immigration Law (2021), mitigating factors",
        (
            _f("condition", FieldType.TEXT, "the condition, as documented"),
            _f("diagnosed_on", FieldType.DATE, "date of the clinical document"),
        ),
        "diagnosed_on",
    ),
    FactSpec(
        FactKind.VICTIM_OR_WITNESS,
        EventKind.VICTIM_OR_WITNESS_RECORDED,
        "The person is a victim of, or a witness in, a crime or a labour or civil-rights matter.",
        "INA § 101(a)(15)(T), (U); DHS Guidelines (2021), mitigating factors",
        (
            _f("role", FieldType.CHOICE, "victim or witness", choices=WITNESS_ROLES),
            _f("matter", FieldType.TEXT, "the matter, as the certifying document names it"),
            _f("since_on", FieldType.DATE, "date of the certifying document"),
        ),
        "since_on",
    ),
    FactSpec(
        FactKind.PENDING_RELIEF_APPLICATION,
        EventKind.RELIEF_APPLICATION_RECORDED,
        "An application for relief or humanitarian protection, pending until decided.",
        "INA § 208, § 240A, § 245; 8 CFR 1240.11 (applications for relief)",
        (
            _f(
                "application", FieldType.CHOICE, "what was applied for", choices=RELIEF_APPLICATIONS
            ),
            _f("filed_on", FieldType.DATE, "date of filing"),
            _f(
                "decided_on",
                FieldType.DATE,
                "date it was decided (then no longer pending)",
                required=False,
            ),
        ),
        "filed_on",
    ),
    FactSpec(
        FactKind.MILITARY_OR_PUBLIC_SERVICE,
        EventKind.PUBLIC_SERVICE_RECORDED,
        "Service in the U.S. military or other public service (the person's or a close "
        "relative's, as the document says).",
        "DHS Guidelines for the Enforcement of Civil Immigration Law (2021), mitigating factors",
        (
            _f("service", FieldType.TEXT, "the service, as documented"),
            _f("from_on", FieldType.DATE, "start of the service"),
            _f("to_on", FieldType.DATE, "end of the service", required=False),
        ),
        "from_on",
    ),
)

FACTS: Mapping[FactKind, FactSpec] = {spec.kind: spec for spec in _SPECS}
"""Every kind of fact, by kind."""
BY_EVENT: Mapping[EventKind, FactSpec] = {
    spec.event: spec for spec in _SPECS if spec.event is not None
}
"""The kinds recorded by hand, by the event that records them."""

CORRECTION_LEGAL_BASIS = (
    "5 U.S.C. 552a(e)(5) (records kept accurate, relevant, timely and complete)"
)


def fact_id(case_ref: str, version: int) -> str:
    """The id of the fact recorded by version ``version`` of case ``case_ref``."""
    return f"{case_ref}/F{version}"


def source_event(case_id: str, version: int) -> str:
    """How a fact's source names the event on the case's stream: ``CASE_ID@VERSION``."""
    return f"{case_id}@{version}"


def final_order_fact(
    *, case_ref: str, case_id: str, version: int, on: dt.date, document_ref: str
) -> Fact:
    """The final order as a fact, recorded by the case itself at version ``version`` (the
    event that made the order final, or the import of a case already past it)."""
    return Fact(
        fact_id=fact_id(case_ref, version),
        kind=FactKind.FINAL_ORDER,
        on=on,
        values=(),
        document_ref=document_ref,
        event_id=source_event(case_id, version),
    )


def counts(fact: Fact) -> bool:
    """Whether a fact may count at all: a vacated or expunged conviction and a decided
    application never do."""
    return counts_values(fact.kind, fact.value)


def counts_values(kind: FactKind, value: Callable[[str], object]) -> bool:
    """:func:`counts` for a fact read as plain data (scoring a whole docket reads facts so):
    its kind, and how to read one of its fields."""
    if kind is _CONVICTION:
        return (value("disposition") or "standing") == "standing"
    if kind is _APPLICATION:
        return value("decided_on") is None
    return True


# Bound once: reading an enum member off its class costs more than the rest of the test, and
# scoring a million cases makes it millions of times.
_CONVICTION = FactKind.CONVICTION
_APPLICATION = FactKind.PENDING_RELIEF_APPLICATION
