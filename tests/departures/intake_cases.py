"""What the departure tests take and record: a report as intake parses it, and persons with an
open case (in proceedings, or granted voluntary departure) for reports to confirm."""

from __future__ import annotations

import datetime as dt

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.model import IdentityDocument, Name, Person
from docket.cases.persons import normal_a_number
from docket.cases.service import new_person_id, open_case
from docket.departures.model import Parsed, parse_report
from tests.builders import a_case, record

TODAY = dt.date(2026, 11, 22)


def report(source: str = "exit_record", record_id: str = "X-1", **fields: str) -> Parsed:
    base = {
        "source_record_id": record_id,
        "given_name": "Ana",
        "family_name": "Reyes",
        "date_of_birth": "1990-05-17",
        "departed_on": "2026-11-20",
        "port": "jfk",
        "destination_country": "gt",
    }
    return parse_report(source, {**base, **fields})


def case_of(
    docket: Docket,
    a_number: str,
    case_ref: str,
    *moves: tuple[EventKind, dict[str, object]],
    on: dt.date = TODAY - dt.timedelta(days=30),
) -> str:
    """Ana Reyes's case, opened 300 days before today, with ``moves`` recorded ``on`` (a
    month ago: a departure counts on a case only from its grant or opening)."""
    person = Person(
        person_id=new_person_id(),
        name=Name("Ana", "Reyes"),
        a_number=normal_a_number(a_number),  # stored as the case import stores it
        date_of_birth=dt.date(1990, 5, 17),
    )
    a_case(docket, case_ref, TODAY - dt.timedelta(days=300), person)
    for kind, fields in moves:
        record(
            docket, case_ref, kind, fields=fields, document_ref=f"DOC-{kind.value}", occurred_on=on
        )
    return case_ref


IN_PROCEEDINGS = (
    (EventKind.CHARGING_DOCUMENT_SERVED, {}),
    (EventKind.HEARING_SCHEDULED, {"hearing_on": "2026-12-10"}),
)


def vd_case(docket: Docket, a_number: str = "012345678", ref: str = "DKT-VD-1") -> str:
    grant = {"deadline_on": "2026-12-20", "granted_by": "judge_at_conclusion"}
    return case_of(
        docket, a_number, ref, *IN_PROCEEDINGS, (EventKind.VOLUNTARY_DEPARTURE_GRANTED, grant)
    )


def person_with_ids(docket: Docket, n: int, *, document: str = "", a_number: str = "") -> str:
    """Ana Reyes number ``n``, with an A-number (``a_number``, else one of her own) and a
    passport ``document`` if given, and a case opened 300 days ago in NYC."""
    person = Person(
        person_id=new_person_id(),
        name=Name("Ana", "Reyes"),
        a_number=normal_a_number(a_number or f"{200000000 + n}"),
        date_of_birth=dt.date(1990, 5, 17),
        documents=(IdentityDocument("passport", document),) if document else (),
    )
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=f"DKT-R-{n:04d}",
        person=person,
        field_office="NYC",
        opened_on=TODAY - dt.timedelta(days=300),
        actor="officer.test",
        document_ref="I-213",
    )
    return person.person_id
