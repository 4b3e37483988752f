"""Prioritisation over HTTP, the determinations: a person's determination on a ranking is an
event on the case and on the access log, a retried one is recorded once, an override needs a
reason, and a case no run ranked cannot be determined."""

from __future__ import annotations

import json

import pytest

from docket.cases.service import show_case
from docket.priority import packs, service
from tests.api import priority_requests
from tests.api.priority_requests import POLICY, REASON, access_entries, count, determine, rank

staff = priority_requests.staff
"""An NYC officer and supervisor, and a priority case (a fixture)."""


def test_a_determination_is_an_event_on_the_case(client, docket, staff):
    run_id = rank(client, staff.supervisor).json()["run_id"]
    version = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.version
    accepted = determine(client, staff.supervisor, determination="accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["determination"] == "accept"
    overridden = determine(
        client, staff.supervisor, determination="override", reason=REASON, run_id=run_id
    )
    assert overridden.status_code == 201, overridden.text
    view = show_case(uow=docket.uow, case_ref="DKT-NYC-1")
    assert view.case.version == version + 2
    assert view.case.state.value == "identified"  # a recommendation changes nothing else
    timeline = client.get("/api/cases/DKT-NYC-1/timeline", headers=staff.supervisor).json()
    last = timeline["events"][-2:]
    assert [e["kind"] for e in last] == ["priority_determined", "priority_determined"]
    assert last[-1]["seq"] == overridden.json()["event_seq"]
    assert last[-1]["actor"] == "nyc.super"
    assert last[-1]["document_ref"] == f"priority-run:{run_id}"
    logged = access_entries(docket, "decide_priority")
    assert [(e["outcome"], e["details"]["determination"]) for e in logged] == [
        ("allowed", "accept"),
        ("allowed", "override"),
    ]


def test_a_retried_determination_is_recorded_once(client, docket, staff):
    run_id = rank(client, staff.supervisor).json()["run_id"]
    body = {"determination": "override", "reason": REASON}
    first = determine(client, staff.supervisor, key="decide-1", **body)
    assert first.status_code == 201, first.text
    events = count(docket, "events")
    retry = determine(client, staff.supervisor, key="decide-1", **body)
    assert retry.status_code == 201, retry.text
    assert {**first.json(), "replayed": True} == retry.json()
    assert (retry.json()["run_id"], first.json()["replayed"]) == (run_id, False)
    assert count(docket, "events") == events
    logged = access_entries(docket, "decide_priority")
    assert [e["details"].get("replayed") for e in logged] == [None, True]
    other = determine(client, staff.supervisor, key="decide-1", determination="accept")
    assert other.status_code == 422, other.text
    assert count(docket, "events") == events
    no_key = client.post(
        "/api/cases/DKT-NYC-1/priority-determination",
        json={"determination": "accept"},
        headers=staff.supervisor,
    )
    assert no_key.status_code == 422, no_key.text
    assert count(docket, "events") == events


@pytest.mark.parametrize(
    "reason",
    # twelve characters and none of them shows: zero-width spaces, word joiners, BOMs
    [None, "", "too short", "\u200b" * 12, "\u200b\u2060\ufeff" * 4, "\u200b" * 9 + "why"],
)
def test_an_override_without_a_reason_is_refused_and_records_nothing(client, docket, staff, reason):
    rank(client, staff.supervisor)
    before = count(docket, "events")
    body = (
        {"determination": "override"}
        if reason is None
        else {
            "determination": "override",
            "reason": reason,
        }
    )
    response = determine(client, staff.supervisor, **body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert count(docket, "events") == before


def test_a_case_no_run_ranked_cannot_be_determined(client, docket, staff):
    response = determine(client, staff.supervisor, determination="accept")
    assert response.status_code == 404
    rank(client, staff.supervisor)
    unknown = determine(client, staff.supervisor, determination="accept", run_id="nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"] == {"run_id": "nope"}
    failed = access_entries(docket, "decide_priority")
    assert [e["details"].get("failed") for e in failed] == ["not_found", "not_found"]


def test_a_probe_for_a_case_that_does_not_exist_is_on_the_access_log(client, docket, staff):
    explained = client.get(
        "/api/cases/DKT-NYC-404/priority", params={"policy": POLICY}, headers=staff.officer
    )
    decided = determine(client, staff.supervisor, "DKT-NYC-404", determination="accept")
    assert (explained.status_code, decided.status_code) == (404, 404)
    for action, actor in (("explain_priority", "nyc.officer"), ("decide_priority", "nyc.super")):
        (entry,) = access_entries(docket, action)
        assert (entry["actor"], entry["outcome"], entry["record_id"]) == (
            actor,
            "refused",
            "DKT-NYC-404",
        )
        assert entry["details"] == {"failed": "not_found"}


def test_a_determination_is_made_only_on_a_run_the_decider_may_read(client, docket, staff):
    own = rank(client, staff.supervisor).json()["run_id"]
    # a later run over every office, as `docket priority rank` without --office keeps one: no
    # supervisor reads its recommendations on the oversight log
    every = service.rank(
        store=docket.priority,
        clock=docket.clock,
        actor="operator.cli",
        pack=packs.load(POLICY),
        emit=lambda _: None,
    ).run_id
    assert client.get(f"/api/priority/runs/{every}", headers=staff.supervisor).status_code == 403
    events = count(docket, "events", "WHERE kind = 'priority_determined'")
    refused = determine(client, staff.supervisor, determination="accept", run_id=every)
    assert refused.status_code == 403, refused.text
    assert count(docket, "events", "WHERE kind = 'priority_determined'") == events
    accepted = determine(client, staff.supervisor, determination="accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["run_id"] == own  # the latest run they could see, not the last


def test_an_unknown_determination_names_the_ones_there_are(client, docket, staff):
    rank(client, staff.supervisor)
    response = determine(client, staff.supervisor, determination="approve")
    assert response.status_code == 422, response.text
    message = json.dumps(response.json()["error"])
    assert "'accept', 'override'" in message, message
    assert "Determination." not in message, message
