"""The intake with a trained model, on each backend: a report without an A-number links by
the model when one person is clearly it, goes to review when twins could be it, and stays
unlinked when nobody is; each names the model version and its candidates. Relinking resolves
every report again in batch, and never undoes a reviewer's decision."""

from __future__ import annotations

import datetime as dt
import json
import random
from typing import Any

import pytest
import sqlalchemy as sa

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.cases.model import Address, IdentityDocument, Name, Person
from docket.cases.persons import normal_a_number
from docket.cases.service import new_person_id, open_case
from docket.departures.comparisons import COLUMNS
from docket.departures.linkage import person_record
from docket.departures.metrics import recount
from docket.departures.model import ReviewDecision, Status, parse_report
from docket.departures.relink import links
from docket.departures.review import decide_review, review_queue
from docket.departures.service import accept_reports
from docket.errors import Conflict, InvalidInput, NotFound
from docket.linkage.service import relink, train_model
from docket.storage import person_lookup
from docket.storage.audit_store import SqlAuditStore
from tests.linkage.test_model import population

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
    _open(docket, 900, ZEYNEP)
    assert (
        _take(
            docket,
            "M-1",
            **{**OF_ZEYNEP, "document_number": ""},
        )
        is Status.LINKED
    )
    # Her passport number alone names her, however her name is spelt on the record.
    assert _take(docket, "D-1", given_name="Z.", document_number="u 1234567") is Status.LINKED
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
        assert connection.execute(
            sa.text(
                "SELECT link_method, person_id = (SELECT person_id FROM departure_reports "
                "WHERE source_record_id = 'M-1') FROM departure_reports "
                "WHERE source_record_id = 'D-1'"
            )
        ).one() == ("document", True)
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


def _exact_given_name(candidates: list[dict[str, Any]]) -> str:
    """The candidate whose given name is the report's exactly (of twins, the one reported)."""
    return next(
        str(c["person_id"])
        for c in candidates
        if {r["field"]: r for r in c["fields"]}["given_name"]["level"] == "exact"
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
    hana = _exact_given_name(queue[0].candidates)

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
    with docket.engine.connect() as connection:
        logged = connection.execute(
            sa.text(
                "SELECT stream_id, actor, data FROM events "
                "WHERE kind = 'departure_report_reviewed' ORDER BY seq"
            )
        ).all()
    # Each decision is an event on the hash-chained log, and the log still verifies.
    assert [(stream, actor) for stream, actor, _ in logged] == [
        ("departure:exit_record:E-1", "legal.test"),
        ("departure:self_report:S-1", "legal.test"),
    ]
    assert json.loads(logged[0][2]) == {
        "decision": "link",
        "person_id": hana,
        "reason": "passport photo page matches the A-file",
    }
    report = verify(SqlAuditStore(docket.engine))
    assert report.is_ok, report.problems


def _departures(docket: Docket) -> int:
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()
    return figures.departures_stored


def test_relink_links_what_intake_could_not_and_counts_the_traveller_once(trained: Docket):
    docket = trained
    # Two reports of one traveller, a spelling apart, taken before she had a case: intake
    # counts two unlinked travellers.
    _take(
        docket,
        "Z-1",
        **OF_ZEYNEP,
    )
    parsed = parse_report(
        "exit_record",
        {
            "source_record_id": "Z-2",
            "given_name": "Zeynap",
            "family_name": "Arslan",
            "date_of_birth": "1987-03-09",
            "sex": "F",
            "departed_on": "2026-11-03",
        },
    )
    accept_reports(store=docket.departures, clock=docket.clock, actor="t", reports=[parsed])
    # A report whose A-number is nobody's yet.
    _take(docket, "A-1", given_name="Omar", family_name="Haddad", a_number="A555000111")
    before = _departures(docket)
    _open(docket, 900, ZEYNEP)
    omar = Person(person_id=new_person_id(), name=Name("Omar", "Haddad"), a_number="A555000111")
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-L-0999",
        person=omar,
        field_office="NYC",
        opened_on=TODAY,
        actor="officer.test",
        document_ref="I-213",
    )

    relinked = relink(
        store=docket.linkage, departures=docket.departures, clock=docket.clock, actor="analyst.test"
    )

    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["Z-1"]["status"], rows["Z-1"]["case_ref"]) == ("linked", "DKT-L-0900")
    assert (rows["Z-2"]["status"], rows["Z-2"]["case_ref"]) == ("linked", "DKT-L-0900")
    assert rows["Z-1"]["departure_id"] == rows["Z-2"]["departure_id"]
    assert (rows["A-1"]["status"], rows["A-1"]["case_ref"]) == ("linked", "DKT-L-0999")
    assert "DKT-L-0900:departure_recorded" in relinked.case_events
    assert "DKT-L-0999:departure_recorded" in relinked.case_events
    assert relinked.moved >= 3
    assert relinked.kept >= 1  # the reports linked by A-number at intake
    assert _departures(docket) < before
    # Run again: nothing left to move, nothing recorded twice.
    again = relink(
        store=docket.linkage, departures=docket.departures, clock=docket.clock, actor="analyst.test"
    )
    assert (again.moved, again.case_events) == (0, ())
    assert again.statuses == relinked.statuses


def test_relink_respects_a_reviewers_decision(trained: Docket):
    docket = trained
    _twins(docket)
    for record_id in ("H-1", "H-2"):
        assert (
            _take(
                docket,
                record_id,
                given_name="Hana",
                family_name="Demir",
                date_of_birth="1995-07-01",
                sex="F",
            )
            is Status.REVIEW
        )
    hana = _exact_given_name(review_queue(store=docket.departures)[0].candidates)
    decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="exit_record",
        source_record_id="H-1",
        decision=ReviewDecision.LINK,
        person_id=hana,
        reason="seen at the port",
    )
    decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="exit_record",
        source_record_id="H-2",
        decision=ReviewDecision.NO_CASE,
        reason="another Hana Demir",
    )

    relink(
        store=docket.linkage, departures=docket.departures, clock=docket.clock, actor="analyst.test"
    )

    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["H-1"]["status"], rows["H-1"]["case_ref"]) == ("linked", "DKT-L-0901")
    assert (rows["H-2"]["status"], rows["H-2"]["case_ref"]) == ("unlinked", "")
    pending = {item.report.source_record_id for item in review_queue(store=docket.departures)}
    assert not pending & {"H-1", "H-2"}
    assert _departures(docket) > 0


def test_relink_without_a_model_is_refused_and_changes_nothing(docket: Docket):
    _take(docket, "N-1", given_name="Ana", family_name="Reyes")
    before = links(store=docket.departures)
    with pytest.raises(NotFound, match="linkage train"):
        relink(
            store=docket.linkage,
            departures=docket.departures,
            clock=docket.clock,
            actor="analyst.test",
        )
    assert links(store=docket.departures) == before


def test_linking_the_report_that_bridged_two_departures_splits_them_apart(trained: Docket):
    docket = trained
    _twins(docket)
    # 11-01 and 11-18 are more than 14 days apart; 11-04 bridges them into one departure.
    for record_id, day in (("B-1", "2026-11-01"), ("B-2", "2026-11-04"), ("B-3", "2026-11-18")):
        parsed = parse_report(
            "self_report",
            {
                "source_record_id": record_id,
                "given_name": "Hana",
                "family_name": "Demir",
                "date_of_birth": "1995-07-01",
                "departed_on": day,
            },
        )
        accept_reports(store=docket.departures, clock=docket.clock, actor="t", reports=[parsed])
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert len({rows[r]["departure_id"] for r in ("B-1", "B-2", "B-3")}) == 1
    hana = _exact_given_name(review_queue(store=docket.departures)[0].candidates)

    decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="self_report",
        source_record_id="B-2",
        decision=ReviewDecision.LINK,
        person_id=hana,
        reason="the bridging report is hers",
    )

    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    ids = [rows[r]["departure_id"] for r in ("B-1", "B-2", "B-3")]
    assert len(set(ids)) == 3
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()


def test_training_reads_each_person_as_the_fast_path_compares_them(docket: Docket):
    _open(docket, 1, ZEYNEP)
    _open(docket, 2, {"given_name": "ana", "family_name": "reyes", "date_of_birth": None})
    _open(docket, 3, {**ZEYNEP, "document_number": "x 99 01", "sex": None, "postcode": None})
    persons, _ = docket.linkage.training_records()
    with docket.uow.read() as tx:
        expected = [
            {"unique_id": p["unique_id"], **person_record(tx.get_person(str(p["unique_id"])))}
            for p in persons
        ]
    assert persons == expected
    assert {p["document_number"] for p in persons} == {"U1234567", None, "X9901"}


def test_relinking_reads_persons_and_reports_column_by_column_as_training_does(trained: Docket):
    _open(trained, 900, {**ZEYNEP, "document_number": "x 99 01", "sex": None})
    _take(trained, "C-1", **{**OF_ZEYNEP, "postcode": " 303 03 "})
    persons, reports = trained.linkage.training_records()
    person_columns, report_columns = trained.linkage.linkage_columns()
    for rows, columns in ((persons, person_columns), (reports, report_columns)):
        assert list(columns) == ["unique_id", *COLUMNS]
        as_rows = zip(*columns.values(), strict=True)
        assert [dict(zip(columns, values, strict=True)) for values in as_rows] == [
            {name: row[name] for name in columns} for row in rows
        ]
    assert "exit_record/C-1" in report_columns["unique_id"]


def test_a_common_birth_date_does_not_crowd_out_the_person_who_bears_the_names(
    docket: Docket, monkeypatch: pytest.MonkeyPatch
):
    """The fast path scores at most MAX_CANDIDATES persons born on a report's date of birth;
    those bearing more of its names come first, whatever order they were saved in, and the
    namesakes come by a rule of their own."""
    born = "1980-01-01"
    for n, given in enumerate(["ada", "bea", "cleo", "dina"]):
        _open(docket, n, {"given_name": given, "family_name": "other", "date_of_birth": born})
    _open(docket, 10, {"given_name": "zeynep", "family_name": "arslan", "date_of_birth": None})
    _open(docket, 11, {"given_name": "zeynep", "family_name": "arslan", "date_of_birth": born})
    monkeypatch.setattr(person_lookup, "MAX_CANDIDATES", 1)
    report = {"given_name": "zeynep", "family_name": "arslan", "date_of_birth": born}
    with docket.departures.write() as tx:
        found = tx.candidates(report)
    births = sorted(str(fields["date_of_birth"]) for fields in found.values())
    assert births == [born, "None"]
    assert {fields["given_name"] for fields in found.values()} == {"zeynep"}
