"""Relinking with a trained model, on each backend: it resolves every report again in batch,
links what the intake could not and counts the traveller once, never undoes a reviewer's
decision, and is refused without a model; and training and relinking read each person and
report as the intake's fast path compares them."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.bootstrap import Docket
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id, open_case
from docket.departures.comparisons import COLUMNS
from docket.departures.linkage import person_record
from docket.departures.metrics import recount
from docket.departures.model import ReviewDecision, Status, parse_report
from docket.departures.relink import links, relink_reports
from docket.departures.review import PendingReview, decide_review, review_queue
from docket.departures.service import accept_reports
from docket.errors import NotFound
from docket.linkage.service import relink
from tests.departures import travellers
from tests.departures.travellers import (
    OF_ZEYNEP,
    TODAY,
    ZEYNEP,
    _exact_given_name,
    _open,
    _take,
    _twins,
)

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""


def _relink(docket: Docket, progress=lambda _: None):
    return relink(
        store=docket.linkage,
        departures=docket.departures,
        clock=docket.clock,
        actor="analyst.test",
        progress=progress,
    )


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
        opened_on=TODAY - dt.timedelta(days=60),  # entered after the report, opened before it
        actor="officer.test",
        document_ref="I-213",
    )

    relinked = _relink(docket)

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
    again = _relink(docket)
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

    _relink(docket)

    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["H-1"]["status"], rows["H-1"]["case_ref"]) == ("linked", "DKT-L-0901")
    assert (rows["H-2"]["status"], rows["H-2"]["case_ref"]) == ("unlinked", "")
    pending = {item.report.source_record_id for item in review_queue(store=docket.departures)}
    assert not pending & {"H-1", "H-2"}
    assert _departures(docket) > 0


def test_a_report_taken_while_relink_predicts_keeps_what_intake_made_of_it(trained: Docket):
    """Splink predicts on the reports as relink read them, without the write lock, while
    intake goes on; a report taken meanwhile was never scored in batch, so relinking leaves it
    as intake resolved it instead of unlinking it for want of candidates."""
    docket = trained
    _open(docket, 900, ZEYNEP)
    # No document number: the model links this report, no exact identifier.
    report = {k: v for k, v in OF_ZEYNEP.items() if k != "document_number"}
    taken: list[Status] = []

    def intake_meanwhile(step: str) -> None:
        if step.startswith("deciding"):  # after the prediction, before relink writes
            taken.append(_take(docket, "Z-9", **report))

    relinked = _relink(docket, intake_meanwhile)

    assert taken == [Status.LINKED]
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["Z-9"]["status"], rows["Z-9"]["case_ref"]) == ("linked", "DKT-L-0900")
    assert relinked.arrived == 1
    _departures(docket)  # the live figures still agree with a recount


def test_a_report_moved_by_another_relink_while_this_one_decided_is_left_as_it_is(
    trained: Docket,
):
    """Relink decides without the write lock. If another relink (or a reviewer) moves a
    report in the meantime, the write leaves that report as it is now: nothing is moved or
    recorded on a case twice, and the figures still agree with a recount."""
    docket = trained
    _take(docket, "Z-1", **{k: v for k, v in OF_ZEYNEP.items() if k != "document_number"})
    _open(docket, 900, ZEYNEP)  # Z-1 was taken before her case: relink links it
    inner = []

    def another_relink_meanwhile(step: str) -> None:
        if step.startswith("regrouping") and not inner:
            inner.append(_relink(docket))

    outer = _relink(docket, another_relink_meanwhile)

    (first,) = inner
    assert "DKT-L-0900:departure_recorded" in first.case_events
    assert first.moved >= 1
    assert (outer.moved, outer.case_events) == (0, ())
    assert outer.changed == first.moved
    assert outer.statuses == first.statuses
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["Z-1"]["status"], rows["Z-1"]["case_ref"]) == ("linked", "DKT-L-0900")
    _departures(docket)  # the live figures agree with a recount


def test_a_report_taken_while_relink_writes_is_not_touched(trained: Docket):
    docket = trained
    _open(docket, 900, ZEYNEP)
    report = {k: v for k, v in OF_ZEYNEP.items() if k != "document_number"}
    taken: list[Status] = []

    def intake_meanwhile(step: str) -> None:
        if step.startswith("regrouping"):  # decided already; the write comes next
            taken.append(_take(docket, "Z-8", **report))

    relinked = _relink(docket, intake_meanwhile)

    assert taken == [Status.LINKED]
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["Z-8"]["status"], rows["Z-8"]["case_ref"]) == ("linked", "DKT-L-0900")
    assert relinked.reports == len(rows) - 1  # decided on what was there before it
    _departures(docket)


def test_relink_without_a_model_is_refused_and_changes_nothing(docket: Docket):
    _take(docket, "N-1", given_name="Ana", family_name="Reyes")
    before = links(store=docket.departures)
    with pytest.raises(NotFound, match="linkage train"):
        _relink(docket)
    assert links(store=docket.departures) == before


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


HANA = {
    "given_name": "hana",
    "family_name": "demir",
    "date_of_birth": "1995-07-01",
    "sex": "F",
    "postcode": "10001",
}
"""A person with a twin sister in the tests that give her one."""


def _in_review(docket: Docket, record_id: str) -> PendingReview:
    [pending] = [
        item
        for item in review_queue(store=docket.departures)
        if item.report.source_record_id == record_id
    ]
    return pending


def _given_names(pending: PendingReview) -> set[str | None]:
    """The given names of the candidates the reviewer is shown."""
    return {
        {row["field"]: row for row in c["fields"]}["given_name"]["person"]
        for c in pending.candidates
    }


def test_a_twin_the_model_makes_unlikely_sends_the_report_to_review_at_intake_and_in_relink(
    trained: Docket,
):
    hana = HANA
    of_hana = {k: v.title() if k.endswith("name") else v for k, v in hana.items()}
    _open(trained, 901, hana)
    assert _take(trained, "TW-1", **of_hana) is Status.LINKED  # no twin known yet
    # Her twin sister: another postcode, so the model puts her far below 0.01 for the report.
    _open(trained, 902, {**hana, "given_name": "elif", "postcode": "94110"})
    assert _take(trained, "TW-2", **of_hana) is Status.REVIEW
    [pending] = review_queue(store=trained.departures)
    assert len(pending.candidates) == 2  # the twin is shown to the reviewer
    assert min(c["probability"] for c in pending.candidates) < 0.01
    _relink(trained)
    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert (rows["TW-1"]["status"], rows["TW-2"]["status"]) == ("review", "review")
    assert _departures(trained) > 0


def test_a_report_whose_a_number_is_another_persons_is_never_linked_by_the_model(
    trained: Docket,
):
    """Names, birth date, sex and postcode all hers, but an A-number that is not hers (and
    nobody's): a reviewer decides, at intake and in relink alike."""
    another = {**OF_ZEYNEP, "document_number": "", "a_number": "A999999999"}
    assert _take(trained, "AN-1", **another) is not Status.LINKED  # she has no case yet
    _open(trained, 900, ZEYNEP)  # her A-number is 100000900
    assert _take(trained, "AN-2", **another) is Status.REVIEW
    assert _take(trained, "AN-3", **{**another, "a_number": ""}) is Status.LINKED
    _relink(trained)
    rows = {row["source_record_id"]: row["status"] for row in links(store=trained.departures)}
    assert (rows["AN-1"], rows["AN-2"], rows["AN-3"]) == ("review", "review", "linked")
    assert _departures(trained) > 0


def test_a_report_the_model_takes_for_either_twin_never_puts_the_twins_in_one_departure(
    docket: Docket,
):
    """Unlinked twins' reports (family name and birth date alike, given names not) and a third
    report with no given name, which the model takes for the same traveller as each twin:
    grouped pair by pair, the third report would make one traveller of the twins, and count
    their departure once."""
    twin = {"family_name": "Demir", "date_of_birth": "1995-07-01", "postcode": "10001"}
    for record_id, given in (("TW-H", "Hana"), ("TW-Y", "Yusuf"), ("TW-0", "")):
        assert _take(docket, record_id, given_name=given, **twin) is Status.UNLINKED
    assert _departures(docket) == 3  # no model: intake groups by name and birth date only
    keys = ["exit_record/TW-H", "exit_record/TW-Y", "exit_record/TW-0"]
    same = [("exit_record/TW-0", "exit_record/TW-H"), ("exit_record/TW-Y", "exit_record/TW-0")]

    def relink_with(pairs: list[tuple[str, str]]) -> int:
        return relink_reports(
            store=docket.departures,
            clock=docket.clock,
            actor="analyst.test",
            model_version=1,
            scored={},
            persons={},
            same_traveller=pairs,
            read=set(keys),
        ).moved

    assert relink_with(same) > 0
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert rows["TW-H"]["departure_id"] != rows["TW-Y"]["departure_id"]
    assert rows["TW-0"]["departure_id"] in {
        rows["TW-H"]["departure_id"],
        rows["TW-Y"]["departure_id"],
    }
    assert _departures(docket) == 2
    # the pairs in another order, either way round, group the reports as before
    assert relink_with([(b, a) for a, b in reversed(same)]) == 0


def test_a_report_left_in_review_by_relink_shows_the_reviewer_the_candidates_relink_weighed(
    trained: Docket,
):
    """Her report, too sparse to link by itself, went to review with her as the one
    candidate. Her twin sister is on record since: relinking keeps the report in review, and
    the queue must show the twin beside her (the reason to doubt), with the model relink
    weighed them with, not the candidates intake weighed before the twin was known."""
    hana = HANA
    _open(trained, 901, hana)
    sparse = {"given_name": "Hana", "family_name": "Demir", "date_of_birth": "1995-07-01"}
    assert _take(trained, "TW-1", **sparse) is Status.REVIEW
    _open(trained, 902, {**hana, "given_name": "elif"})

    _relink(trained)

    pending = _in_review(trained, "TW-1")
    assert _given_names(pending) == {"hana", "elif"}
    with trained.departures.read() as tx:
        stored = tx.reports_by_key([("exit_record", "TW-1")])[("exit_record", "TW-1")]
    assert stored.model_version == 1
    assert [p for p, _ in stored.candidates] == [c["person_id"] for c in pending.candidates]
    assert _departures(trained) > 0


def test_relink_never_links_a_report_with_a_misspelt_family_name_past_the_twin_intake_saw(
    trained: Docket,
):
    """Her twin sister lives elsewhere, so the model puts her far below the report; and the
    report's family name is misspelt, so batch prediction never pairs it with the twin. The
    intake weighs everyone born that day and sends the report to review; relinking must see
    the best candidate's twin too, and leave it there, the twin shown to the reviewer."""
    hana = HANA
    _open(trained, 901, hana)
    _open(trained, 902, {**hana, "given_name": "elif", "postcode": "94110"})
    misspelt = {"given_name": "Hana", "family_name": "Demirr"}
    of_hana = {**misspelt, "date_of_birth": "1995-07-01", "sex": "F", "postcode": "10001"}
    assert _take(trained, "TW-1", **of_hana) is Status.REVIEW

    _relink(trained)

    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert rows["TW-1"]["status"] == "review"
    assert _given_names(_in_review(trained, "TW-1")) == {"hana", "elif"}
    assert _departures(trained) > 0


def test_a_report_of_one_of_twins_named_in_cyrillic_goes_to_review_at_intake_and_in_relink(
    trained: Docket,
):
    """Anna and Alla Ivanova, twins: the report names Anna exactly, and Alla lives elsewhere
    (far below Anna for the model). Their given names are two names, so the report is a
    question for a reviewer, never a link by itself."""
    anna = {
        "given_name": "анна",
        "family_name": "иванова",
        "date_of_birth": "1995-07-01",
        "sex": "F",
        "postcode": "10001",
    }
    _open(trained, 901, anna)
    _open(trained, 902, {**anna, "given_name": "алла", "postcode": "94110"})
    of_anna = {**anna, "given_name": "Анна", "family_name": "Иванова"}
    assert _take(trained, "CY-1", **of_anna) is Status.REVIEW
    _relink(trained)
    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert rows["CY-1"]["status"] == "review"
    assert _departures(trained) > 0
