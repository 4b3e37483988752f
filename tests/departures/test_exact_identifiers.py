"""Exact identifiers that disagree: a report whose A-number is one person's and document number
another's, or whose document number is held by a person with another A-number, links to
nobody by itself; it goes to review with the persons named as its candidates."""

from __future__ import annotations

from docket.bootstrap import Docket
from docket.departures.model import ReviewDecision, Status
from docket.departures.relink import relink_reports
from docket.departures.review import decide_review, review_queue
from docket.departures.service import accept_reports
from tests.departures.intake_cases import person_with_ids, report


def _stored(docket: Docket, record_id: str):
    key = ("exit_record", record_id)
    with docket.departures.read() as tx:
        return tx.reports_by_key([key])[key]


def _take(docket: Docket, *reports):
    return accept_reports(
        store=docket.departures, clock=docket.clock, actor="intake.test", reports=list(reports)
    )


def test_an_a_number_of_one_person_and_a_document_of_another_go_to_review(docket: Docket):
    by_a_number = person_with_ids(docket, 1, a_number="111111111")
    by_document = person_with_ids(docket, 2, a_number="222222222", document="P999")
    summary = _take(docket, report(record_id="R-1", a_number="111111111", document_number="P999"))
    assert summary.results[0].status is Status.REVIEW
    stored = _stored(docket, "R-1")
    assert stored.person_id is None
    assert {person for person, _ in stored.candidates} == {by_a_number, by_document}


def test_the_reviewer_sees_both_persons_field_by_field_and_their_a_numbers_without_a_model(
    docket: Docket,
):
    """No model trained yet: the candidates are still compared field by field (no weights),
    and the A-numbers, which the model does not weigh yet are why the report is in review,
    are shown beside the fields."""
    by_a_number = person_with_ids(docket, 1, a_number="111111111")
    by_document = person_with_ids(docket, 2, a_number="222222222", document="P999")
    _take(docket, report(record_id="R-1", a_number="111111111", document_number="P999"))

    [pending] = review_queue(store=docket.departures)

    fields = {
        c["person_id"]: {row["field"]: row for row in c["fields"]} for c in pending.candidates
    }
    assert set(fields) == {by_a_number, by_document}
    for person in (by_a_number, by_document):
        assert fields[person]["given_name"]["level"] == "exact"
        assert fields[person]["date_of_birth"]["person"] == "1990-05-17"
        assert {row["weight"] for row in fields[person].values()} == {None}
    assert fields[by_a_number]["a_number"]["level"] == "exact"
    assert fields[by_document]["a_number"]["person"] == "A222222222"
    assert fields[by_document]["a_number"]["level"] == "different"
    assert fields[by_document]["document_number"]["level"] == "exact"
    assert fields[by_a_number]["document_number"]["level"] == "missing"


def test_a_document_of_a_person_with_another_a_number_goes_to_review(docket: Docket):
    holder = person_with_ids(docket, 3, a_number="222222222", document="P999")
    summary = _take(docket, report(record_id="R-2", a_number="333333333", document_number="P999"))
    assert summary.results[0].status is Status.REVIEW
    stored = _stored(docket, "R-2")
    assert stored.person_id is None
    assert [person for person, _ in stored.candidates] == [holder]


def test_identifiers_that_agree_still_link(docket: Docket):
    person = person_with_ids(docket, 4, a_number="444444444", document="P444")
    summary = _take(docket, report(record_id="R-3", a_number="444444444", document_number="P444"))
    assert summary.results[0].status is Status.LINKED
    assert _stored(docket, "R-3").person_id == person
    bare = _take(docket, report(record_id="R-4", document_number="P444"))
    assert bare.results[0].status is Status.LINKED


def _relink(docket: Docket, *keys: str) -> None:
    relink_reports(
        store=docket.departures,
        clock=docket.clock,
        actor="analyst.test",
        model_version=1,
        scored={},
        persons={},
        same_traveller=[],
        read={f"exit_record/{key}" for key in keys},
    )


def test_relink_sends_identifiers_that_disagree_to_review_as_intake_does(docket: Docket):
    """The persons the identifiers name came on record after the reports: relinking, which
    links a report by an identifier that has since become someone's, asks the same question
    intake now does."""
    _take(
        docket,
        report(record_id="R-5", a_number="555555555", document_number="P555"),
        report(record_id="R-6", a_number="666666666", document_number="P666"),
    )
    by_a_number = person_with_ids(docket, 5, a_number="555555555")
    by_document = person_with_ids(docket, 6, a_number="777777777", document="P555")
    holder = person_with_ids(docket, 7, a_number="888888888", document="P666")
    _relink(docket, "R-5", "R-6")
    both = _stored(docket, "R-5")
    assert (both.status, both.person_id) == (Status.REVIEW, None)
    assert {person for person, _ in both.candidates} == {by_a_number, by_document}
    other = _stored(docket, "R-6")
    assert (other.status, other.person_id) == (Status.REVIEW, None)
    assert [person for person, _ in other.candidates] == [holder]


def test_a_decision_on_a_report_with_the_longest_record_id_is_kept_on_each_backend(
    docket: Docket,
):
    """A source's record id may be 200 characters long, and the decision's event goes on the
    report's own stream ``departure:SOURCE:ID``: PostgreSQL refused a stream id longer than 64
    characters, so deciding on such a report failed with an unexpected error."""
    by_a_number = person_with_ids(docket, 1, a_number="111111111")
    person_with_ids(docket, 2, a_number="222222222", document="P999")
    record_id = "R-" + "7" * 198
    summary = _take(
        docket,
        report(
            "consular_verification",
            record_id=record_id,
            a_number="111111111",
            document_number="P999",
        ),
    )
    assert summary.results[0].status is Status.REVIEW

    decided = decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="consular_verification",
        source_record_id=record_id,
        decision=ReviewDecision.LINK,
        reason="the A-number is on the passport",
        person_id=by_a_number,
    )

    assert decided.status is Status.LINKED
    with docket.uow.read() as tx:
        [event] = tx.stream_events(f"departure:consular_verification:{record_id}")
    assert event.data["reason"] == "the A-number is on the passport"
