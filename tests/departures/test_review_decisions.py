"""A reviewer's decision moves a report without changing what the departure it joins counts
under: a report linked into the departure that closed a voluntary-departure case leaves it
counted under that voluntary departure, compliance included. A decision names who made it: a
blank actor, or one longer than an event's, is refused and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.departures.metrics import metrics, recount
from docket.departures.model import ReviewDecision, Status, parse_report
from docket.departures.relink import links
from docket.departures.review import decide_review, review_queue
from docket.departures.service import accept_reports
from docket.errors import InvalidInput
from docket.linkage.service import relink
from tests.builders import record
from tests.departures import travellers
from tests.departures.intake_cases import IN_PROCEEDINGS
from tests.departures.travellers import _exact_given_name, _open, _twins

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""

HANA = {"given_name": "Hana", "family_name": "Demir", "date_of_birth": "1995-07-01"}
"""One of the Demir twins (``travellers._twins``): a report naming her goes to review."""
GRANTED_ON = dt.date(2026, 10, 23)
"""Her voluntary departure's grant: before the departures reported."""


def _take(docket: Docket, source: str, record_id: str, day: str, **fields: str) -> Status:
    parsed = parse_report(source, {"source_record_id": record_id, "departed_on": day, **fields})
    summary = accept_reports(
        store=docket.departures, clock=docket.clock, actor="intake.test", reports=[parsed]
    )
    status = summary.results[0].status
    assert status is not None
    return status


def _figures(docket: Docket) -> dict[str, Any]:
    return metrics(store=docket.departures, clock=docket.clock).to_dict()


def _hana_under_voluntary_departure(docket: Docket, *, twin: bool = True) -> None:
    if twin:
        _twins(docket)
    else:
        _open(docket, 901, {**HANA, "sex": "F", "postcode": "10001"})
    grant = {"deadline_on": "2026-12-20", "granted_by": "judge_at_conclusion"}
    for kind, fields in (*IN_PROCEEDINGS, (EventKind.VOLUNTARY_DEPARTURE_GRANTED, grant)):
        record(
            docket,
            "DKT-L-0901",
            kind,
            fields=fields,
            document_ref=f"DOC-{kind.value}",
            occurred_on=GRANTED_ON,
        )


def test_a_report_linked_into_the_departure_that_closed_a_vd_case_keeps_it_counted_there(
    trained: Docket,
) -> None:
    docket = trained
    _hana_under_voluntary_departure(docket)
    # Her self-report (the twins make it a review), then her exit record by A-number two days
    # later: the departure confirmed by the deadline closes her voluntary-departure case.
    assert _take(docket, "self_report", "S-H", "2026-11-01", **HANA) is Status.REVIEW
    exit_record = {**HANA, "a_number": "100000901"}
    assert _take(docket, "exit_record", "E-H", "2026-11-03", **exit_record) is Status.LINKED
    before = _figures(docket)
    assert before["by_programme"]["voluntary_departure_judge"] == 1
    assert before["voluntary_departure_compliance"]["confirmed_by_deadline"] == 1

    hana = _exact_given_name(review_queue(store=docket.departures)[0].candidates)
    decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="self_report",
        source_record_id="S-H",
        decision=ReviewDecision.LINK,
        person_id=hana,
        reason="the self-report is hers: same trip as her exit record",
    )

    after = _figures(docket)
    assert after["unique_departures"]["total"] == before["unique_departures"]["total"] - 1
    assert after["by_programme"]["voluntary_departure_judge"] == 1
    assert after["by_programme"].get("no_case", 0) == before["by_programme"]["no_case"] - 1
    assert after["voluntary_departure_compliance"]["confirmed_by_deadline"] == 1
    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert rows["S-H"]["departure_id"] == rows["E-H"]["departure_id"]
    assert rows["S-H"]["case_ref"] == rows["E-H"]["case_ref"] == "DKT-L-0901"
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()


def test_a_report_relinked_into_the_departure_that_closed_a_vd_case_keeps_it_counted_there(
    trained: Docket,
) -> None:
    """The same through a relink: her self-report came before she was on record, so intake
    left it of nobody; relinking links it to her, into the departure that closed her case."""
    docket = trained
    of_hana = {**HANA, "sex": "F", "postcode": "10001"}
    assert _take(docket, "self_report", "S-H", "2026-11-01", **of_hana) is Status.UNLINKED
    _hana_under_voluntary_departure(docket, twin=False)
    exit_record = {**HANA, "a_number": "100000901"}
    assert _take(docket, "exit_record", "E-H", "2026-11-03", **exit_record) is Status.LINKED
    before = _figures(docket)
    assert before["by_programme"]["voluntary_departure_judge"] == 1

    relink(store=docket.linkage, departures=docket.departures, clock=docket.clock, actor="analyst")

    rows = {row["source_record_id"]: row for row in links(store=docket.departures)}
    assert rows["S-H"]["status"] == "linked"
    assert rows["S-H"]["departure_id"] == rows["E-H"]["departure_id"]
    assert rows["S-H"]["case_ref"] == rows["E-H"]["case_ref"] == "DKT-L-0901"
    after = _figures(docket)
    assert after["by_programme"]["voluntary_departure_judge"] == 1
    assert after["voluntary_departure_compliance"]["confirmed_by_deadline"] == 1
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()


@pytest.mark.parametrize("actor", ["", "  ", "a" * 201])
def test_a_decision_without_an_actor_or_with_one_too_long_is_refused_and_changes_nothing(
    trained: Docket, actor: str
) -> None:
    docket = trained
    _twins(docket)
    assert _take(docket, "self_report", "S-H", "2026-11-01", **HANA) is Status.REVIEW
    before = _figures(docket)

    with pytest.raises(InvalidInput, match="actor"):
        decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor=actor,
            source="self_report",
            source_record_id="S-H",
            decision=ReviewDecision.REJECT,
            reason="not enough to tell",
        )

    assert [item.report.source_record_id for item in review_queue(store=docket.departures)] == [
        "S-H"
    ]
    assert _figures(docket) == before


@pytest.mark.parametrize("person_id", ["", "  "])
def test_a_link_naming_nobody_is_refused_as_such_and_changes_nothing(
    trained: Docket, person_id: str
) -> None:
    docket = trained
    _twins(docket)
    assert _take(docket, "self_report", "S-H", "2026-11-01", **HANA) is Status.REVIEW
    before = _figures(docket)

    with pytest.raises(InvalidInput, match="link names the person"):
        decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor="legal.test",
            source="self_report",
            source_record_id="S-H",
            decision=ReviewDecision.LINK,
            reason="hers",
            person_id=person_id,
        )

    assert len(review_queue(store=docket.departures)) == 1
    assert _figures(docket) == before


def test_a_link_to_a_candidate_other_than_the_best_records_that_candidates_probability(
    trained: Docket,
) -> None:
    """The reviewer links the report to the twin the model ranked second: the link's match
    probability is the one the model gave that person, not the best candidate's."""
    docket = trained
    _twins(docket)
    assert _take(docket, "self_report", "S-H", "2026-11-01", **HANA) is Status.REVIEW
    [pending] = review_queue(store=docket.departures)
    hana = _exact_given_name(pending.candidates)
    other, probability = next(
        (c["person_id"], c["probability"]) for c in pending.candidates if c["person_id"] != hana
    )
    best = max(c["probability"] for c in pending.candidates)
    assert probability < best

    decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="self_report",
        source_record_id="S-H",
        decision=ReviewDecision.LINK,
        person_id=other,
        reason="the passport photo page names her sister",
    )

    [row] = [r for r in links(store=docket.departures) if r["source_record_id"] == "S-H"]
    assert (row["status"], row["match_probability"]) == ("linked", probability)


def test_a_decision_finds_the_report_by_its_id_as_the_source_sent_it(trained: Docket) -> None:
    """Intake keys a report by its record id without the spaces around it and in composed
    Unicode (the same id sent in another form is a duplicate); a decision naming the id as the
    source sent it finds the report too, rather than answering that there is none."""
    docket = trained
    _twins(docket)
    sent = " Jose\u0301-1 "  # decomposed é, spaces around: stored as "José-1"
    assert _take(docket, "self_report", sent, "2026-11-01", **HANA) is Status.REVIEW

    decided = decide_review(
        store=docket.departures,
        clock=docket.clock,
        actor="legal.test",
        source="self_report",
        source_record_id=sent,
        decision=ReviewDecision.REJECT,
        reason="neither twin: the photo page shows a third person",
    )

    assert (decided.source_record_id, decided.status) == ("Jos\u00e9-1", Status.UNLINKED)
    assert review_queue(store=docket.departures) == []
