"""The intake with a trained model, on each backend: a report without an A-number links by
the model when one person is clearly it, goes to review when twins could be it, and stays
unlinked when nobody is; each names the model version and its candidates. A reviewer links or
rejects with a reason and the counts follow; linking the report that bridged two departures
splits them apart; and a common birth date does not crowd out the person bearing the names."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.departures.metrics import recount
from docket.departures.model import ReviewDecision, Status, parse_report
from docket.departures.relink import links
from docket.departures.review import decide_review, review_queue
from docket.departures.service import accept_reports
from docket.errors import Conflict, InvalidInput
from docket.storage import person_lookup
from docket.storage.audit_store import SqlAuditStore
from tests.departures import travellers
from tests.departures.travellers import OF_ZEYNEP, ZEYNEP, _exact_given_name, _open, _take, _twins

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""


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

    # A blank reason, and (as the API refuses them, so the command line is no way round)
    # one longer than 2,000 characters or holding a NUL, which no database text holds.
    for reason, refusal in (
        (" ", "needs a reason"),
        ("x" * 2001, "at most 2000 characters"),
        ("photo\x00page", "not valid text"),
    ):
        with pytest.raises(InvalidInput, match=refusal):
            decide_review(
                store=docket.departures,
                clock=docket.clock,
                actor="legal",
                source="exit_record",
                source_record_id="E-1",
                decision=ReviewDecision.LINK,
                reason=reason,
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
