"""Auditors read the access log over HTTP, and their reading is on it too; no one else reads it."""

from __future__ import annotations

import json

import pytest

from docket.identity.model import Role
from tests.api.staff import log_in


def test_an_auditor_reads_the_log_and_finds_their_own_reading(client, docket):
    officer = log_in(client, docket, "nyc.officer")
    client.get("/api/cases/DKT-NYC-1", headers={**officer, "X-Purpose": "hearing prep"})
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    response = client.get("/api/audit", params={"limit": 500}, headers=auditor)
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    read = [e for e in entries if e["action"] == "read_case"]
    assert [(e["actor"], e["outcome"], e["purpose"]) for e in read] == [
        ("nyc.officer", "allowed", "hearing prep")
    ]
    assert read[0]["details"] == {"relation": "own_office"}
    assert (entries[-1]["actor"], entries[-1]["action"]) == ("the.auditor", "read_audit")


def test_the_log_can_be_read_for_one_actor_a_page_at_a_time(client, docket):
    log_in(client, docket, "nyc.officer")
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    first = client.get(
        "/api/audit", params={"actor": "nyc.officer", "limit": 1}, headers=auditor
    ).json()
    assert [e["action"] for e in first["entries"]] == ["login"]
    assert first["next_after"] is None


@pytest.mark.parametrize("role", [Role.OFFICER, Role.ADMIN, Role.ANALYST])
def test_no_one_else_reads_the_log(client, docket, role):
    headers = log_in(client, docket, f"someone.{role.value}", role)
    response = client.get("/api/audit", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["details"]["action"] == "read_audit"


def test_an_auditor_s_filtered_reading_is_logged_with_the_whole_filter(client, docket):
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    searched = {"actor": "nyc.officer", "record_id": "0662a5b7c4d14e9b8f3a2c1d0e9f8a7b"}
    response = client.get("/api/audit", params=searched, headers=auditor)
    assert response.status_code == 200, response.text
    [reading] = [
        e for e in docket.access_log.entries(actor="the.auditor") if e["action"] == "read_audit"
    ]
    # Both values whole: together they are longer than the entry's record_id column holds.
    assert json.loads(reading["details"]) == {"relation": "no_record", "filter": searched}


@pytest.mark.parametrize("blank", ["record_id", "actor"])
def test_an_empty_filter_reads_the_whole_log_as_its_entry_says(client, docket, blank):
    log_in(client, docket, "nyc.officer")
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    whole = client.get("/api/audit", headers=auditor).json()["entries"]
    response = client.get("/api/audit", params={blank: ""}, headers=auditor)
    assert response.status_code == 200, response.text
    entries = response.json()["entries"]
    assert [e["seq"] for e in entries] == [e["seq"] for e in whole] + [whole[-1]["seq"] + 1]
    assert (entries[-1]["action"], entries[-1]["details"]) == (
        "read_audit",
        {"relation": "no_record"},  # logged as a reading of the whole log: and it was one
    )
