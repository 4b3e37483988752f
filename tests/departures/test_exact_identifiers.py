"""Exact identifiers that disagree: a report whose A-number is one person's and document number
another's, or whose document number is held by a person with another A-number, links to
nobody by itself; it goes to review with the persons named as its candidates."""

from __future__ import annotations

from docket.bootstrap import Docket
from docket.departures.model import Status
from docket.departures.service import accept_reports
from tests.departures.intake_cases import report
from tests.departures.test_resolution import _person


def _stored(docket: Docket, record_id: str):
    key = ("exit_record", record_id)
    with docket.departures.read() as tx:
        return tx.reports_by_key([key])[key]


def _take(docket: Docket, *reports):
    return accept_reports(
        store=docket.departures, clock=docket.clock, actor="intake.test", reports=list(reports)
    )


def test_an_a_number_of_one_person_and_a_document_of_another_go_to_review(docket: Docket):
    by_a_number = _person(docket, 1, a_number="111111111")
    by_document = _person(docket, 2, a_number="222222222", document="P999")
    summary = _take(docket, report(record_id="R-1", a_number="111111111", document_number="P999"))
    assert summary.results[0].status is Status.REVIEW
    stored = _stored(docket, "R-1")
    assert stored.person_id is None
    assert {person for person, _ in stored.candidates} == {by_a_number, by_document}


def test_a_document_of_a_person_with_another_a_number_goes_to_review(docket: Docket):
    holder = _person(docket, 3, a_number="222222222", document="P999")
    summary = _take(docket, report(record_id="R-2", a_number="333333333", document_number="P999"))
    assert summary.results[0].status is Status.REVIEW
    stored = _stored(docket, "R-2")
    assert stored.person_id is None
    assert [person for person, _ in stored.candidates] == [holder]


def test_identifiers_that_agree_still_link(docket: Docket):
    person = _person(docket, 4, a_number="444444444", document="P444")
    summary = _take(docket, report(record_id="R-3", a_number="444444444", document_number="P444"))
    assert summary.results[0].status is Status.LINKED
    assert _stored(docket, "R-3").person_id == person
    bare = _take(docket, report(record_id="R-4", document_number="P444"))
    assert bare.results[0].status is Status.LINKED
