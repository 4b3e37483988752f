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
from docket.cases.persons import normal_a_number
from docket.cases.service import new_person_id, open_case
from docket.departures.model import ReviewDecision, Status, parse_report
from docket.departures.service import (
    accept_reports,
    decide_review,
    links,
    recount,
    review_queue,
)
from docket.errors import Conflict, InvalidInput
from docket.linkage.service import train_model
from tests.linkage.test_model import population

TODAY = dt.date(2026, 11, 22)


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
    _twins(docket)
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


def test_a_reviewer_links_or_rejects_with_a_reason_and_the_counts_follow(trained: Docket):
    docket = trained
    _twins(docket)
    # Two reports of Hana: a self-report, then an exit record 3 days later.
    for record_id, source, day in (
        ("S-1", "self_report", "2026-11-01"),
        ("E-1", "exit_record", "2026-11-04"),
    ):
        parsed = parse_report(
            source,
            {
                "source_record_id": record_id,
                "given_name": "Hana",
                "family_name": "Demir",
                "date_of_birth": "1995-07-01",
                "sex": "F",
                "departed_on": day,
            },
        )
        summary = accept_reports(
            store=docket.departures, clock=docket.clock, actor="intake", reports=[parsed]
        )
        assert summary.results[0].status is Status.REVIEW
    queue = review_queue(store=docket.departures)
    assert [item.report.source_record_id for item in queue] == ["S-1", "E-1"]
    first = queue[0].candidates[0]
    fields = {row["field"]: row for row in first["fields"]}
    assert fields["family_name"]["level"] == "exact"
    assert fields["date_of_birth"]["level"] == "exact"
    hana = next(
        c["person_id"]
        for c in queue[0].candidates
        if {r["field"]: r for r in c["fields"]}["given_name"]["level"] == "exact"
    )

    with pytest.raises(InvalidInput, match="needs a reason"):
        decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor="legal",
            source="exit_record",
            source_record_id="E-1",
            decision=ReviewDecision.LINK,
            reason=" ",
            person_id=hana,
        )
    decided = decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="exit_record",
        source_record_id="E-1",
        decision=ReviewDecision.LINK,
        person_id=hana,
        reason="passport photo page matches the A-file",
    )
    assert decided.status is Status.LINKED
    assert decided.case_events == ("DKT-L-0901:departure_recorded",)
    with pytest.raises(Conflict, match="not in review"):
        decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor="legal.test",
            source="exit_record",
            source_record_id="E-1",
            decision=ReviewDecision.REJECT,
            reason="again",
        )
    rejected = decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="self_report",
        source_record_id="S-1",
        decision=ReviewDecision.REJECT,
        reason="not enough to tell",
    )
    assert rejected.status is Status.UNLINKED
    assert review_queue(store=docket.departures) == []
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()
    assert not [key for key in figures.live if key[0] == "review"]
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert rows["E-1"]["status"] == "linked"
    assert rows["E-1"]["case_ref"] == "DKT-L-0901"
    assert rows["S-1"]["departure_id"] != rows["E-1"]["departure_id"]
    with docket.engine.connect() as connection:
        kept = connection.execute(
            sa.text(
                "SELECT decision, person_id, reason, decided_by FROM review_decisions "
                "ORDER BY decision_seq"
            )
        ).all()
    assert [tuple(row) for row in kept] == [
        ("link", hana, "passport photo page matches the A-file", "legal.test"),
        ("reject", None, "not enough to tell", "legal.test"),
    ]
