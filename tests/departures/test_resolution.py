"""Reports resolved before the write lock is taken, on each backend: the write transaction
takes the resolution as it is while no person and no model has changed since, and resolves
the report again when one has, so a report is always resolved against the persons as they
stand when it is written; the idempotency key is checked under the lock all the same."""

from __future__ import annotations

import dataclasses

import pytest

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.service import record_event
from docket.departures.metrics import recount
from docket.departures.model import Parsed, Status
from docket.departures.relink import links
from docket.departures.resolution import Resolutions, Resolved, resolve_reports
from docket.departures.service import accept_reports
from docket.errors import IdempotencyConflict
from docket.linkage.service import train_model
from tests.departures.intake_cases import person_with_ids, report
from tests.departures.travellers import trained  # noqa: F401 (a fixture)


def _resolved(docket: Docket, *reports: Parsed) -> Resolutions:
    return resolve_reports(store=docket.departures, reports=list(reports))


def _take(docket: Docket, resolved: Resolutions, *reports: Parsed, refuse: bool = True):
    return accept_reports(
        store=docket.departures,
        clock=docket.clock,
        actor="intake.test",
        reports=list(reports),
        refuse_conflicts=refuse,
        resolved=resolved,
    )


def _stored(docket: Docket, record_id: str) -> dict[str, object]:
    [row] = [r for r in links(store=docket.departures) if r["source_record_id"] == record_id]
    return dict(row)


def test_a_resolution_made_before_the_lock_is_taken_while_nothing_changed(docket: Docket):
    """A hand-made resolution (review, nobody) stands in for one made outside the lock: it
    is what the write takes when nothing moved, though the A-number on record would link
    the report."""
    person_id = person_with_ids(docket, 1, a_number="111111111")
    one = report(record_id="R-1", a_number="111111111")
    resolved = _resolved(docket, one)
    assert resolved.of(one.report) == Resolved(person_id, "a_number", 1.0, Status.LINKED)
    stand_in = dataclasses.replace(
        resolved, found={one.report.key: (one.report, Resolved(None, "", 0.7, Status.REVIEW))}
    )
    # A case event in between is no change to the persons.
    record_event(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-R-0001",
        kind=EventKind.CHARGING_DOCUMENT_SERVED,
        fields={},
        actor="officer.test",
        document_ref="NTA-1",
    )
    summary = _take(docket, stand_in, one)
    assert summary.results[0].status is Status.REVIEW
    assert _stored(docket, "R-1")["status"] == "review"
    assert recount(store=docket.departures).agrees


def test_a_person_registered_after_the_resolution_is_found_under_the_lock(docket: Docket):
    one = report(record_id="R-2", a_number="222222222")
    resolved = _resolved(docket, one)
    assert resolved.of(one.report) == Resolved(None, "", None, Status.UNLINKED)
    person_id = person_with_ids(docket, 2, a_number="222222222")  # arrives in between
    summary = _take(docket, resolved, one)
    assert summary.results[0].status is Status.LINKED
    assert summary.results[0].case_events == ("DKT-R-0002:departure_recorded",)
    with docket.departures.read() as tx:
        stored = tx.reports_by_key([one.report.key])[one.report.key]
    assert (stored.person_id, stored.link_method) == (person_id, "a_number")
    assert recount(store=docket.departures).agrees


def test_a_document_number_a_second_person_took_in_between_links_nobody(docket: Docket):
    """Resolved outside the lock, the passport number was one person's; by the time the
    report is written a second person holds it too, and it identifies neither."""
    person_with_ids(docket, 3, document="P7654321")
    one = report(record_id="R-3", given_name="Someone", document_number="P7654321")
    resolved = _resolved(docket, one)
    found = resolved.of(one.report)
    assert found is not None
    assert found.method == "document"
    person_with_ids(docket, 4, document="P7654321")
    _take(docket, resolved, one)
    assert _stored(docket, "R-3")["status"] == "unlinked"


def test_a_newer_model_weighs_the_report_again(trained: Docket):  # noqa: F811
    docket = trained
    one = report(record_id="R-4", given_name="Nobody", family_name="Known")
    resolved = _resolved(docket, one)
    found = resolved.of(one.report)
    assert found is not None
    assert found.version == 1
    assert train_model(store=docket.linkage, clock=docket.clock, actor="analyst.test").version == 2
    _take(docket, resolved, one)
    with docket.departures.read() as tx:
        assert tx.reports_by_key([one.report.key])[one.report.key].model_version == 2


def test_the_key_is_checked_under_the_lock_a_report_taken_in_between_is_a_duplicate(
    docket: Docket,
):
    one = report(record_id="R-5")
    resolved = _resolved(docket, one)
    first = _take(docket, _resolved(docket, one), one)  # another listener, first
    again = _take(docket, resolved, one)
    assert (first.accepted, again.accepted, again.duplicates) == (1, 0, 1)
    other = report(record_id="R-5", port="LAX")
    with pytest.raises(IdempotencyConflict):
        _take(docket, resolved, other)
    assert len(links(store=docket.departures)) == 1
    assert recount(store=docket.departures).agrees


def test_a_resolution_of_other_content_under_the_same_key_is_not_taken(docket: Docket):
    """The resolution names the report it was made of: a report of the same key with other
    content is resolved on its own."""
    person_with_ids(docket, 6, a_number="666666666")
    made_of = report(record_id="R-6")
    resolved = _resolved(docket, made_of)
    assert resolved.of(made_of.report) == Resolved(None, "", None, Status.UNLINKED)
    written = report(record_id="R-6", a_number="666666666")
    assert resolved.of(written.report) is None
    _take(docket, resolved, written)
    assert _stored(docket, "R-6")["status"] == "linked"


def test_the_persons_mark_moves_with_a_person_and_a_model_not_with_a_case(trained: Docket):  # noqa: F811
    docket = trained
    with docket.departures.read() as tx:
        mark = tx.persons_mark()
    assert mark.model_version == 1
    record_event(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-L-0000",
        kind=EventKind.CHARGING_DOCUMENT_SERVED,
        fields={},
        actor="officer.test",
        document_ref="NTA-1",
    )
    with docket.departures.write() as tx:
        assert not tx.persons_changed_since(mark)
    person_with_ids(docket, 7)
    with docket.departures.write() as tx:
        assert tx.persons_changed_since(mark)
    with docket.departures.read() as tx:
        later = tx.persons_mark()
    train_model(store=docket.linkage, clock=docket.clock, actor="analyst.test")
    with docket.departures.write() as tx:
        assert tx.persons_changed_since(later)
