"""The intake with a trained model, on each backend: a report without an A-number links by
the model when one person is clearly it, goes to review when twins could be it, and stays
unlinked when nobody is; each names the model version and its candidates."""

from __future__ import annotations

import datetime as dt
import random

import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.cases.model import Address, IdentityDocument, Name, Person
from docket.cases.service import new_person_id, open_case
from docket.departures.model import Status, parse_report
from docket.departures.service import accept_reports, links, recount
from docket.linkage.service import train_model
from tests.linkage.test_model import population

TODAY = dt.date(2026, 11, 22)


def _open(docket: Docket, n: int, fields: dict[str, str | None]) -> None:
    born = fields["date_of_birth"]
    document = fields.get("document_number")
    person = Person(
        person_id=new_person_id(),
        name=Name(str(fields["given_name"]).title(), str(fields["family_name"]).title()),
        a_number=f"{100000000 + n}",
        date_of_birth=dt.date.fromisoformat(born) if born else None,
        sex=str(fields.get("sex") or ""),
        address=Address(postcode=str(fields.get("postcode") or "")),
        documents=(IdentityDocument("passport", document),) if document else (),
    )
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=f"DKT-L-{n:04d}",
        person=person,
        field_office="NYC",
        opened_on=TODAY - dt.timedelta(days=200),
        actor="officer.test",
        document_ref="I-213",
    )


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
    for n, (report, _) in enumerate(seen):  # reports linked by A-number or not at all
        fields = {k: v or "" for k, v in report.items() if k != "unique_id"}
        if rng.random() < 0.5 and n < len(people):
            fields["a_number"] = f"{100000000 + n}"
        _take(docket, f"T-{n}", **fields)
    result = train_model(store=docket.linkage, clock=docket.clock, actor="analyst.test")
    assert (result.version, result.persons, result.reports) == (1, 120, 80)
    return docket


def test_a_report_links_by_the_model_or_goes_to_review_or_stays_unlinked(trained: Docket):
    docket = trained
    _open(
        docket,
        900,
        {
            "given_name": "zeynep",
            "family_name": "arslan",
            "date_of_birth": "1987-03-09",
            "document_number": "U1234567",
            "sex": "F",
            "postcode": "30303",
        },
    )
    assert (
        _take(
            docket,
            "M-1",
            given_name="Zeynep",
            family_name="Arslan",
            date_of_birth="1987-03-09",
            document_number="U1234567",
            sex="F",
            postcode="30303",
        )
        is Status.LINKED
    )
    # twins: same family name and birth date, different given names
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
    assert (
        _take(
            docket,
            "M-2",
            given_name="Hana",
            family_name="Demir",
            date_of_birth="1995-07-01",
            sex="F",
        )
        is Status.REVIEW
    )
    assert (
        _take(docket, "M-3", given_name="Nobody", family_name="Known", date_of_birth="1931-01-01")
        is Status.UNLINKED
    )
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert rows["M-1"]["case_ref"] == "DKT-L-0900"
    assert rows["M-1"]["match_probability"] >= 0.999
    assert rows["M-2"]["case_ref"] == ""  # review never links by itself
    with docket.engine.connect() as connection:
        method, version, candidates = connection.execute(
            sa.text(
                "SELECT link_method, model_version, candidates FROM departure_reports "
                "WHERE source_record_id = 'M-1'"
            )
        ).one()
        assert (method, version) == ("model", 1)
        assert candidates.startswith("[[")
    figures = recount(store=docket.departures)
    assert figures.agrees
    assert figures.live[("review", "pending", "2026-11-01")] == 1
