"""Travellers for the tests of linkage by a trained model (at intake, in relink and in review,
here and under tests/api and tests/storage): persons opened with a case each, reports taken by
the intake, a model trained over a population with open cases (the ``trained`` fixture),
Zeynep Arslan whom the model should know at once, and the Demir twins with the way to tell
which of them a report names."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from docket.bootstrap import Docket
from docket.cases.model import Address, IdentityDocument, Name, Person
from docket.cases.persons import normal_a_number
from docket.cases.service import new_person_id
from docket.departures.model import Status, parse_report
from docket.departures.service import accept_reports
from docket.linkage.service import train_model
from tests.builders import a_case
from tests.linkage.populations import population

TODAY = dt.date(2026, 11, 22)
ZEYNEP = {
    "given_name": "zeynep",
    "family_name": "arslan",
    "date_of_birth": "1987-03-09",
    "document_number": "U1234567",
    "sex": "F",
    "postcode": "30303",
}
OF_ZEYNEP = {k: v.title() if k.endswith("name") else v for k, v in ZEYNEP.items()}
"""A person the model should know at once, and what a report of her says."""


def _open(docket: Docket, n: int, fields: dict[str, str | None]) -> None:
    born = fields["date_of_birth"]
    document = fields.get("document_number")
    person = Person(
        person_id=new_person_id(),
        name=Name(str(fields["given_name"]).title(), str(fields["family_name"]).title()),
        a_number=normal_a_number(f"{100000000 + n}"),
        date_of_birth=dt.date.fromisoformat(born) if born else None,
        sex=str(fields.get("sex") or ""),
        address=Address(postcode=str(fields.get("postcode") or "")),
        documents=(IdentityDocument("passport", document),) if document else (),
    )
    a_case(docket, f"DKT-L-{n:04d}", TODAY - dt.timedelta(days=200), person)


def _take(docket: Docket, record_id: str, **fields: str) -> Status:
    parsed = parse_report(
        "exit_record", {"source_record_id": record_id, "departed_on": "2026-11-01", **fields}
    )
    summary = accept_reports(
        store=docket.departures, clock=docket.clock, actor="intake.test", reports=[parsed]
    )
    status = summary.results[0].status
    assert status is not None
    return status


@pytest.fixture
def trained(docket: Docket) -> Docket:
    people, seen = population(seed=11, persons=120, reports=80)
    for n, person in enumerate(people):
        _open(docket, n, person)
    rng = random.Random(5)
    for n, (report, of) in enumerate(seen):  # reports linked by A-number or not at all
        fields = {k: v or "" for k, v in report.items() if k != "unique_id"}
        if rng.random() < 0.5 and of is not None:
            # the A-number of the person the report is of: one of another person's, beside
            # this person's document number, would send the report to review
            fields["a_number"] = f"{100000000 + int(str(of).removeprefix('p'))}"
        _take(docket, f"T-{n}", **fields)
    result = train_model(store=docket.linkage, clock=docket.clock, actor="analyst.test")
    assert (result.version, result.persons, result.reports) == (1, 120, 80)
    return docket


def _twins(docket: Docket) -> None:
    """Twins: same family name and birth date, different given names."""
    for n, given in ((901, "hana"), (902, "yusuf")):
        _open(
            docket,
            n,
            {
                "given_name": given,
                "family_name": "demir",
                "date_of_birth": "1995-07-01",
                "sex": "F" if n == 901 else "M",
                "postcode": "10001",
            },
        )


def _exact_given_name(candidates: list[dict[str, Any]]) -> str:
    """The candidate whose given name is the report's exactly (of twins, the one reported)."""
    return next(
        str(c["person_id"])
        for c in candidates
        if {r["field"]: r for r in c["fields"]}["given_name"]["level"] == "exact"
    )
