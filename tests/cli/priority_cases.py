"""What the ``docket priority`` tests share: twelve open cases, four of them with facts, on a
fresh database (the ``docket_with_facts`` fixture), the neutral example pack, dates counted
back from today, and reading JSON lines."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from docket.bootstrap import SystemClock, bootstrap
from docket.cases.events import EventKind
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id, open_case
from docket.config import Settings
from docket.priority import packs
from tests.builders import record

TODAY = SystemClock().now().date()
NEUTRAL = packs.load("neutral-example")


def _years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)).isoformat()


FACTS: dict[str, list[tuple[EventKind, dict[str, str]]]] = {
    # a national-security finding: the first category, 100
    "DKT-P-01": [
        (
            EventKind.NATIONAL_SECURITY_FINDING_RECORDED,
            {"finding": "documented finding", "authority": "FBI", "found_on": _years_ago(1)},
        )
    ],
    # a violent felony 6 years ago with a 6-year sentence, a caregiver: 60 + 10 - 10 - 15 = 45
    "DKT-P-02": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "assault",
                "statute": "PC 245",
                "category": "violent_felony",
                "sentence_months": "72",
                "convicted_on": _years_ago(6),
            },
        ),
        (EventKind.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED, {"since_on": _years_ago(3)}),
    ],
    # drug trafficking 2 years ago, asylum pending: 60 - 20 = 40
    "DKT-P-03": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "trafficking",
                "statute": "21 USC 841",
                "category": "drug_trafficking",
                "sentence_months": "24",
                "convicted_on": _years_ago(2),
            },
        ),
        (
            EventKind.RELIEF_APPLICATION_RECORDED,
            {"application": "asylum", "filed_on": _years_ago(1)},
        ),
    ],
    # a traffic offence: no category, 0
    "DKT-P-04": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "speeding",
                "statute": "VC 22350",
                "category": "traffic_offence",
                "sentence_months": "0",
                "convicted_on": _years_ago(1),
            },
        )
    ],
}
OFFICES = {"DKT-P-03": "ATL", "DKT-P-04": "ATL"}
CASES = [f"DKT-P-{n:02d}" for n in range(1, 13)]
"""Twelve open cases: four with facts, eight without; one person of another citizenship and
sex (DKT-P-12), so those groups are too small to show."""


@pytest.fixture
def docket_with_facts(run, database_url: str):
    docket = bootstrap(Settings(database_url=database_url))
    try:
        for case_ref in CASES:
            odd = case_ref == "DKT-P-12"
            open_case(
                uow=docket.uow,
                clock=docket.clock,
                case_ref=case_ref,
                person=Person(
                    person_id=new_person_id(),
                    name=Name("Ana", "Reyes"),
                    date_of_birth=dt.date(1990, 5, 17),
                    sex="M" if odd else "F",
                    citizenship="MX" if odd else "GT",
                ),
                field_office=OFFICES.get(case_ref, "NYC"),
                opened_on=TODAY - dt.timedelta(days=400),
                actor="officer.test",
                document_ref=f"I-213-{case_ref}",
            )
            for number, (kind, fields) in enumerate(FACTS.get(case_ref, []), start=1):
                record(
                    docket, case_ref, kind, fields=fields, document_ref=f"DOC-{case_ref}-{number}"
                )
    finally:
        docket.close()
    return run


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]
