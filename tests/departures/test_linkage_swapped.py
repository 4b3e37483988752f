"""Given and family name written in each other's place, on each backend: the intake links
such a report to its person by the model, and relink finds her even where the report has no
birth date, since it blocks on the names swapped."""

from __future__ import annotations

from docket.bootstrap import Docket
from docket.departures.model import Status
from docket.departures.service import links, review_queue
from docket.linkage.service import relink
from tests.departures import test_linkage_intake as intake
from tests.departures.test_linkage_intake import OF_ZEYNEP, ZEYNEP, _open, _take

trained = intake.trained
"""A trained linkage model over a population with open cases (a fixture)."""

SWAPPED = {**OF_ZEYNEP, "given_name": "Arslan", "family_name": "Zeynep", "document_number": ""}
"""A report of Zeynep Arslan with her names in each other's place, and no passport number."""


def test_a_report_with_the_names_swapped_links_to_the_person(trained: Docket):
    _open(trained, 900, ZEYNEP)
    assert _take(trained, "S-1", **SWAPPED) is Status.LINKED
    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert rows["S-1"]["case_ref"] == "DKT-L-0900"


def test_relink_finds_the_person_where_the_names_are_swapped_and_no_birth_date(trained: Docket):
    """Intake's candidates share the report's birth date or its names as written: none here.
    Relink also blocks on the names swapped, finds her, and (without a birth date, not sure
    enough) sends the report to review with her as the candidate, field by field."""
    _open(trained, 900, ZEYNEP)
    assert _take(trained, "S-2", **{**SWAPPED, "date_of_birth": ""}) is Status.UNLINKED
    relink(store=trained.linkage, departures=trained.departures, clock=trained.clock, actor="t")
    queue = review_queue(store=trained.departures)
    (pending,) = [item for item in queue if item.report.source_record_id == "S-2"]
    (candidate,) = pending.candidates
    levels = {row["field"]: row["level"] for row in candidate["fields"]}
    assert levels["given_name"] == "swapped with family_name"
    assert levels["family_name"] == "swapped with given_name"
    rows = {row["source_record_id"]: row for row in links(store=trained.departures)}
    assert (rows["S-2"]["status"], rows["S-2"]["case_ref"]) == ("review", "")
