"""Cases in the database, made through the services (never by writing rows directly)."""

from __future__ import annotations

import datetime as dt

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.model import Name, Person
from docket.cases.service import RecordResult, new_person_id, open_case, record_event


def a_person(given: str = "Ana", family: str = "Reyes", a_number: str | None = None) -> Person:
    return Person(
        person_id=new_person_id(),
        name=Name(given, family),
        a_number=a_number,
        date_of_birth=dt.date(1990, 5, 17),
        sex="F",
        citizenship="GT",
    )


def a_case(
    docket: Docket,
    case_ref: str = "DKT-S-1",
    opened_on: dt.date | None = None,
    person: Person | None = None,
) -> RecordResult:
    """A case opened through the service, for ``person`` (else :func:`a_person`)."""
    return open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=case_ref,
        person=person or a_person(),
        field_office="NYC",
        opened_on=opened_on or docket.clock.now().date() - dt.timedelta(days=400),
        actor="officer.test",
        document_ref="I-213-7",
    )


def record(docket: Docket, case_ref: str, kind: EventKind, **kwargs: object) -> RecordResult:
    fields = kwargs.pop("fields", {})
    return record_event(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=case_ref,
        kind=kind,
        fields=fields,  # type: ignore[arg-type]
        actor=str(kwargs.pop("actor", "officer.test")),
        document_ref=str(kwargs.pop("document_ref", "DOC-1")),
        **kwargs,  # type: ignore[arg-type]
    )


def in_proceedings(docket: Docket, case_ref: str = "DKT-S-1") -> RecordResult:
    """A case in proceedings, with a hearing in two weeks."""
    a_case(docket, case_ref)
    record(docket, case_ref, EventKind.CHARGING_DOCUMENT_SERVED, document_ref="NTA-1")
    hearing_on = docket.clock.now().date() + dt.timedelta(days=14)
    return record(
        docket,
        case_ref,
        EventKind.HEARING_SCHEDULED,
        fields={"hearing_on": hearing_on.isoformat()},
        document_ref="EOIR-NOTICE-1",
    )
