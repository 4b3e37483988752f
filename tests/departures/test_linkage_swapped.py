"""Given and family name written in each other's place, on each backend: the intake links
such a report to its person by the model, and both the intake and relink find her even where
the report has no birth date, since both block on the names swapped."""

from __future__ import annotations

from docket.bootstrap import Docket
from docket.departures.model import Status
from docket.departures.relink import links
from docket.departures.review import review_queue
from docket.linkage.service import relink
from tests.departures import travellers
from tests.departures.travellers import OF_ZEYNEP, ZEYNEP, _open, _take

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""

SWAPPED = {**OF_ZEYNEP, "given_name": "Arslan", "family_name": "Zeynep", "document_number": ""}
"""A report of Zeynep Arslan with her names in each other's place, and no passport number."""


def test_a_report_with_the_names_swapped_links_to_the_person(trained: Docket):
    _open(trained, 900, ZEYNEP)
    assert _take(trained, "S-1", **SWAPPED) is Status.LINKED
    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert rows["S-1"]["case_ref"] == "DKT-L-0900"


def test_the_person_is_found_where_the_names_are_swapped_and_no_birth_date(trained: Docket):
    """Nothing shares the report's birth date (it has none) or its names as written: the
    intake and relink find her by the names swapped and (without a birth date, not sure
    enough) send the report to review with her as the candidate, field by field."""
    _open(trained, 900, ZEYNEP)
    assert _take(trained, "S-2", **{**SWAPPED, "date_of_birth": ""}) is Status.REVIEW
    _in_review_with_her(trained)
    relink(store=trained.linkage, departures=trained.departures, clock=trained.clock, actor="t")
    _in_review_with_her(trained)


def _in_review_with_her(docket: Docket) -> None:
    (pending,) = [
        i for i in review_queue(store=docket.departures) if i.report.source_record_id == "S-2"
    ]
    (candidate,) = pending.candidates
    levels = {row["field"]: row["level"] for row in candidate["fields"]}
    assert levels["given_name"] == "swapped with family_name"
    assert levels["family_name"] == "swapped with given_name"
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert (rows["S-2"]["status"], rows["S-2"]["case_ref"]) == ("review", "")
