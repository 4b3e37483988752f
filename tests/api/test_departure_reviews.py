"""The departure review routes: the queue with its candidates field by field, a reviewer's
link, reject and no-case decisions, who may use them, and their place on the access log."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa

from docket.cases.service import show_case
from docket.departures.metrics import recount
from docket.departures.model import Status, parse_report
from docket.departures.relink import links
from docket.departures.service import accept_reports
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.conftest import NOW
from tests.departures import travellers

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""

QUEUE = "/api/departure-reviews"

REPORTS = (
    ("S-1", "self_report", "2026-11-01"),
    ("E-1", "exit_record", "2026-11-04"),
    ("E-2", "exit_record", "2026-11-10"),
)
"""Three reports of Hana Demir, a twin: each goes to review."""


@dataclass(frozen=True)
class Twins:
    hana: str
    yusuf: str


def decision_of(source: str, record_id: str) -> str:
    return f"{QUEUE}/{source}/{record_id}/decision"


def access_entries(docket, action: str) -> list[dict[str, Any]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT actor, outcome, record_type, record_id, purpose, details "
                "FROM access_log WHERE action = :action ORDER BY seq"
            ),
            {"action": action},
        ).mappings()
        return [{**row, "details": json.loads(row["details"])} for row in rows]


def decisions_kept(docket) -> list[tuple[str, str, str | None, str, str]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT source_record_id, decision, person_id, reason, decided_by "
                "FROM review_decisions ORDER BY decision_seq"
            )
        )
        return [tuple(row) for row in rows]


@pytest.fixture
def twins(trained, client, docket) -> Twins:
    """Twins with open cases, and three reports of one of them in review."""
    travellers._twins(docket)
    for record_id, source, day in REPORTS:
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
    return Twins(
        hana=show_case(uow=docket.uow, case_ref="DKT-L-0901").case.person_id,
        yusuf=show_case(uow=docket.uow, case_ref="DKT-L-0902").case.person_id,
    )


def _fields(candidate: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["field"]: row for row in candidate["fields"]}


def test_the_queue_shows_each_report_with_its_candidates_field_by_field(twins, client, docket):
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER)
    answer = client.get(QUEUE, headers={**reviewer, "X-Purpose": "weekly review"})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    assert [(i["source"], i["source_record_id"]) for i in items] == [
        ("self_report", "S-1"),
        ("exit_record", "E-1"),
        ("exit_record", "E-2"),
    ]
    first = items[0]
    assert dt.datetime.fromisoformat(first["received_at"]) == NOW
    assert first["report"]["given_name"] == "Hana"
    assert first["report"]["departed_on"] == "2026-11-01"
    candidates = {c["person_id"]: c for c in first["candidates"]}
    assert {twins.hana, twins.yusuf} <= set(candidates)
    assert all(0 < c["probability"] <= 1 for c in candidates.values())
    hana, yusuf = _fields(candidates[twins.hana]), _fields(candidates[twins.yusuf])
    for name in ("given_name", "family_name", "date_of_birth", "sex"):
        assert hana[name]["level"] == "exact", hana[name]
        assert hana[name]["report"] == hana[name]["person"]
    assert hana["given_name"]["weight"] > 0
    assert yusuf["family_name"]["level"] == "exact"
    assert yusuf["given_name"]["level"] != "exact"
    assert yusuf["given_name"]["weight"] < hana["given_name"]["weight"]

    limited = client.get(QUEUE, params={"limit": 1}, headers=reviewer).json()["items"]
    assert [i["source_record_id"] for i in limited] == ["S-1"]

    entries = access_entries(docket, "read_departure_review")
    assert [(e["actor"], e["outcome"], e["record_type"]) for e in entries] == [
        ("legal.one", "allowed", "departure_review")
    ] * 2
    assert entries[0]["purpose"] == "weekly review"
    assert [e["details"]["reports"] for e in entries] == ["3", "1"]
    shown = {c["person_id"] for i in items for c in i["candidates"]}
    assert set(entries[0]["details"]["persons"]) == shown
    assert {twins.hana, twins.yusuf} <= set(entries[1]["details"]["persons"])


def test_a_link_links_the_report_and_records_the_departure_on_the_persons_case(
    twins, client, docket
):
    supervisor = log_in(client, docket, "super.one", Role.SUPERVISOR)
    nobody = client.post(
        decision_of("exit_record", "E-1"),
        json={"decision": "link", "person_id": "nobody", "reason": "a guess"},
        headers=supervisor,
    )
    assert nobody.status_code == 404
    assert nobody.json()["error"]["details"] == {"person_id": "nobody"}

    reason = "passport photo page matches the A-file"
    answer = client.post(
        decision_of("exit_record", "E-1"),
        json={"decision": "link", "person_id": twins.hana, "reason": reason},
        headers=supervisor,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["departure_id"]
    assert {k: v for k, v in body.items() if k != "departure_id"} == {
        "source": "exit_record",
        "source_record_id": "E-1",
        "decision": "link",
        "status": "linked",
        "case_events": ["DKT-L-0901:departure_recorded"],
    }
    timeline = client.get("/api/cases/DKT-L-0901/timeline", headers=supervisor).json()
    assert timeline["events"][-1]["kind"] == "departure_recorded"
    assert timeline["events"][-1]["actor"] == "super.one"
    queue = client.get(QUEUE, headers=supervisor).json()["items"]
    assert [i["source_record_id"] for i in queue] == ["S-1", "E-2"]
    row = next(r for r in links(store=docket.departures) if r["source_record_id"] == "E-1")
    assert (row["status"], row["case_ref"]) == ("linked", "DKT-L-0901")

    again = client.post(
        decision_of("exit_record", "E-1"),
        json={"decision": "reject", "reason": "second thoughts"},
        headers=supervisor,
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert again.json()["error"]["details"] == {"status": "linked"}
    assert decisions_kept(docket) == [("E-1", "link", twins.hana, reason, "super.one")]
    entries = access_entries(docket, "decide_departure_review")
    assert [(e["outcome"], e["record_type"], e["record_id"]) for e in entries] == [
        ("allowed", "departure_report", "exit_record/E-1")
    ] * 3
    assert [e["details"] for e in entries] == [
        {
            "relation": "no_record",
            "review_decision": "link",
            "person_id": "nobody",
            "failed": "not_found",
        },
        {"relation": "no_record", "review_decision": "link", "person_id": twins.hana},
        {"relation": "no_record", "review_decision": "reject", "failed": "conflict"},
    ]


def test_reject_and_no_case_leave_the_reports_unlinked_and_out_of_the_queue(twins, client, docket):
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER)
    for record_id, source, decision in (
        ("S-1", "self_report", "reject"),
        ("E-2", "exit_record", "no_case"),
    ):
        answer = client.post(
            decision_of(source, record_id),
            json={"decision": decision, "reason": f"{decision}: not enough to tell"},
            headers=reviewer,
        )
        assert answer.status_code == 201, answer.text
        assert (answer.json()["status"], answer.json()["case_events"]) == ("unlinked", [])
    queue = client.get(QUEUE, headers=reviewer).json()["items"]
    assert [i["source_record_id"] for i in queue] == ["E-1"]
    assert decisions_kept(docket) == [
        ("S-1", "reject", None, "reject: not enough to tell", "legal.one"),
        ("E-2", "no_case", None, "no_case: not enough to tell", "legal.one"),
    ]
    statuses = {r["source_record_id"]: r["status"] for r in links(store=docket.departures)}
    assert (statuses["S-1"], statuses["E-2"], statuses["E-1"]) == ("unlinked", "unlinked", "review")
    figures = recount(store=docket.departures)
    assert figures.agrees, figures.differences()
    timeline = client.get("/api/cases/DKT-L-0901/timeline", headers=reviewer).json()
    assert "departure_recorded" not in [e["kind"] for e in timeline["events"]]


def test_an_unknown_report_is_404_and_one_not_in_review_is_409(client, docket):
    officer = log_in(client, docket, "officer.intake")
    taken = client.post(
        "/api/departure-reports",
        json={
            "reports": [
                {
                    "source": "exit_record",
                    "source_record_id": "E/9",
                    "given_name": "Ana",
                    "family_name": "Nadie",
                    "departed_on": "2026-11-20",
                }
            ]
        },
        headers=officer,
    )
    assert taken.json()["results"][0]["status"] == "unlinked"
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER)
    unknown = client.post(
        decision_of("exit_record", "E/8"),
        json={"decision": "reject", "reason": "no such report"},
        headers=reviewer,
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"] == {
        "code": "not_found",
        "message": "no departure report exit_record/E/8",
        "details": {"source": "exit_record", "source_record_id": "E/8"},
    }
    settled = client.post(
        decision_of("exit_record", "E/9"),
        json={"decision": "no_case", "reason": "no case here"},
        headers=reviewer,
    )
    assert settled.status_code == 409
    assert settled.json()["error"]["code"] == "conflict"
    assert settled.json()["error"]["details"] == {"status": "unlinked"}
    assert decisions_kept(docket) == []
    failed = [e["details"]["failed"] for e in access_entries(docket, "decide_departure_review")]
    assert failed == ["not_found", "conflict"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (decision_of("exit_record", "E-1"), {"decision": "reject"}, "body.reject.reason"),
        (
            decision_of("exit_record", "E-1"),
            {"decision": "reject", "reason": "   "},
            "body.reject.reason",
        ),
        (
            decision_of("exit_record", "E-1"),
            {"decision": "reject", "reason": "twins", "person_id": "p-1"},
            "body.reject.person_id",
        ),
        (
            decision_of("exit_record", "E-1"),
            {"decision": "link", "reason": "it is her"},
            "body.link.person_id",
        ),
        (decision_of("exit_record", "E-1"), {"decision": "maybe", "reason": "hm"}, "body"),
        (decision_of("fax", "E-1"), {"decision": "reject", "reason": "hm"}, "path.source"),
        (f"{QUEUE}?limit=0", None, "query.limit"),
        (f"{QUEUE}?limt=5", None, "query.limt"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, docket, path, body, field):
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER)
    if body is None:
        answer = client.get(path, headers=reviewer)
    else:
        answer = client.post(path, json=body, headers=reviewer)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert field in [f["field"] for f in error["details"]["fields"]]
    assert decisions_kept(docket) == []


@pytest.mark.parametrize("reason", ["\u200b", "\u200b\u200c\u200d\u2060\ufeff", " \u200b\u00ad "])
def test_a_reason_of_invisible_characters_only_is_refused_like_a_blank_one(
    twins, client, docket, reason
):
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER)
    answer = client.post(
        decision_of("exit_record", "E-1"),
        json={"decision": "reject", "reason": reason},
        headers=reviewer,
    )
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["details"] == {"field": "reason"}
    assert "invisible" in error["message"]
    assert decisions_kept(docket) == []
    queue = client.get(QUEUE, headers=reviewer).json()["items"]
    assert "E-1" in [i["source_record_id"] for i in queue]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ANALYST])
def test_only_legal_reviewers_and_supervisors_see_or_decide_reviews(client, docket, role):
    user = log_in(client, docket, f"{role.value}.one", role)
    listed = client.get(QUEUE, headers=user)
    decided = client.post(
        decision_of("exit_record", "E-1"),
        json={"decision": "reject", "reason": "not mine to say"},
        headers=user,
    )
    assert (listed.status_code, decided.status_code) == (403, 403)
    assert listed.json()["error"]["code"] == "access_refused"
    assert decided.json()["error"]["details"] == {
        "action": "decide_departure_review",
        "relation": "no_record",
    }
    assert client.get(QUEUE).status_code == 401
    refused = [
        (e["actor"], e["outcome"], e["record_id"])
        for action in ("read_departure_review", "decide_departure_review")
        for e in access_entries(docket, action)
    ]
    assert refused == [
        (f"{role.value}.one", "refused", ""),
        (f"{role.value}.one", "refused", "exit_record/E-1"),
    ]
