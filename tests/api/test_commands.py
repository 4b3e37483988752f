"""Lifecycle commands over HTTP: one route per event kind, idempotency keys, If-Match versions,
the policy table, and the access logged with the change."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from docket.cases.events import EventKind
from docket.cases.service import show_case
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.builders import record

SERVE = "/api/cases/DKT-NYC-1/events/charging_document_served"


def _events(docket) -> int:
    with docket.engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


def _send(client, headers, *, key="k-1", version='"1"', body=None, path=SERVE):
    return client.post(
        path,
        json=body if body is not None else {"document_ref": "NTA-1"},
        headers={**headers, "Idempotency-Key": key, "If-Match": version},
    )


def test_a_command_records_the_event_and_returns_the_new_version(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    etag = client.get("/api/cases/DKT-NYC-1", headers=headers).headers["ETag"]
    response = _send(client, headers, version=etag)
    assert response.status_code == 201, response.text
    assert response.json() == {
        "case_ref": "DKT-NYC-1",
        "version": 2,
        "state": "charged",
        "event_seqs": [3],
        "replayed": False,
    }
    assert response.headers["ETag"] == '"2"'
    with docket.engine.connect() as connection:
        last = connection.execute(
            sa.text("SELECT actor, action, outcome, details FROM access_log ORDER BY seq DESC")
        ).first()
    assert tuple(last) == (
        "nyc.officer",
        "record_event",
        "allowed",
        '{"event":"charging_document_served","relation":"own_office"}',
    )


def test_a_retry_with_the_same_key_records_nothing_more(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    first = _send(client, headers)
    before = _events(docket)
    again = _send(client, headers)
    assert again.status_code == 201
    assert again.json() == {**first.json(), "replayed": True}
    assert _events(docket) == before
    with docket.engine.connect() as connection:
        logged = connection.execute(
            sa.text(
                "SELECT details FROM access_log WHERE action = 'record_event' ORDER BY seq DESC"
            )
        ).all()
    # the retry is on the access log as one, not as a second write
    assert [json.loads(d)["replayed"] if "replayed" in d else None for (d,) in logged] == [
        True,
        None,
    ]


def test_the_same_key_with_another_body_is_refused(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    _send(client, headers)
    response = _send(client, headers, body={"document_ref": "NTA-2"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_a_stale_version_is_412_and_records_nothing(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    before = _events(docket)
    response = _send(client, headers, version='"7"')
    assert response.status_code == 412
    assert response.json()["error"]["code"] == "version_conflict"
    assert _events(docket) == before


@pytest.mark.parametrize("missing", ["Idempotency-Key", "If-Match"])
def test_both_headers_are_required(client, docket, missing):
    headers = log_in(client, docket, "nyc.officer")
    sent = {**headers, "Idempotency-Key": "k", "If-Match": '"1"'}
    del sent[missing]
    response = client.post(SERVE, json={"document_ref": "NTA-1"}, headers=sent)
    assert response.status_code == 422
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert fields == [f"header.{missing}"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body.document_ref"),
        ({"document_ref": "X", "surprise": 1}, "body.surprise"),
        ({"document_ref": "X", "occurred_on": "22/11/2026"}, "body.occurred_on"),
    ],
)
def test_a_bad_body_names_the_field(client, docket, body, field):
    headers = log_in(client, docket, "nyc.officer")
    response = _send(client, headers, body=body)
    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["error"]["details"]["fields"]]


CONVICTION = {
    "document_ref": "J-1",
    "offence": "illegal reentry",
    "statute": "8 USC 1326",
    "category": "immigration_offence",
    "convicted_on": "2020-01-01",
}


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("conviction_recorded", {**CONVICTION, "sentence_months": True}, "sentence_months"),
        ("conviction_recorded", {**CONVICTION, "sentence_months": "12"}, "sentence_months"),
        ("conviction_recorded", {**CONVICTION, "sentence_months": 12.5}, "sentence_months"),
        ("removal_ordered", {"document_ref": "IJ-1", "in_absentia": "yes"}, "in_absentia"),
        ("removal_ordered", {"document_ref": "IJ-1", "in_absentia": 1}, "in_absentia"),
    ],
)
def test_a_number_or_a_yes_no_is_taken_only_as_its_json_type(client, docket, kind, body, field):
    headers = log_in(client, docket, "nyc.officer")
    before = _events(docket)
    response = _send(client, headers, body=body, path=f"/api/cases/DKT-NYC-1/events/{kind}")
    assert response.status_code == 422, response.text
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert fields == [f"body.{field}"]
    assert _events(docket) == before


@pytest.mark.parametrize("months", [12, 12.0])  # 12.0 is an integer to JSON Schema too
def test_a_sentence_in_whole_months_is_taken(client, docket, months):
    headers = log_in(client, docket, "nyc.officer")
    body = {**CONVICTION, "sentence_months": months}
    response = _send(
        client, headers, body=body, path="/api/cases/DKT-NYC-1/events/conviction_recorded"
    )
    assert response.status_code == 201, response.text


def test_an_illegal_move_is_409_naming_the_rule(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    response = _send(
        client,
        headers,
        path="/api/cases/DKT-NYC-1/events/hearing_held",
        body={"document_ref": "EOIR-1"},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "illegal_transition"


def test_another_office_cannot_record_and_the_refusal_is_logged(client, docket):
    headers = log_in(client, docket, "hou.officer", field_office="HOU")
    before = _events(docket)
    response = _send(client, headers)
    assert response.status_code == 403
    assert _events(docket) == before
    with docket.engine.connect() as connection:
        last = connection.execute(
            sa.text("SELECT actor, outcome FROM access_log ORDER BY seq DESC")
        ).first()
    assert tuple(last) == ("hou.officer", "refused")


def test_a_role_without_the_action_cannot_record(client, docket):
    headers = log_in(client, docket, "nyc.analyst", Role.ANALYST)
    assert _send(client, headers).status_code == 403


def test_every_event_kind_has_its_route_in_the_spec(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert "/api/cases/{case_ref}/events/voluntary_departure_granted" in paths
    body = paths["/api/cases/{case_ref}/events/voluntary_departure_granted"]["post"]
    assert body["operationId"] == "record_voluntary_departure_granted"


def test_a_motion_on_an_in_absentia_order_is_422_until_it_says_whether_it_rescinds(client, docket):
    hearing_on = (docket.clock.now().date() + dt.timedelta(days=14)).isoformat()
    for kind, fields in (
        (EventKind.CHARGING_DOCUMENT_SERVED, {}),
        (EventKind.HEARING_SCHEDULED, {"hearing_on": hearing_on}),
        (EventKind.REMOVAL_ORDERED, {"in_absentia": True}),
        (EventKind.ORDER_BECAME_FINAL, {}),
    ):
        record(docket, "DKT-NYC-1", kind, fields=fields)
    headers = log_in(client, docket, "nyc.officer")
    path = "/api/cases/DKT-NYC-1/events/motion_to_reopen_filed"
    unsaid = _send(client, headers, version='"5"', path=path, body={"document_ref": "MTR-1"})
    assert unsaid.status_code == 422, unsaid.text
    assert unsaid.json()["error"]["details"] == {"field": "automatic_stay"}
    said = _send(
        client,
        headers,
        key="k-2",
        version='"5"',
        path=path,
        body={"document_ref": "MTR-1", "automatic_stay": True},
    )
    assert said.status_code == 201, said.text
    case = client.get("/api/cases/DKT-NYC-1", headers=headers).json()["case"]
    assert [bar["kind"] for bar in case["bars"]] == ["motion_to_reopen_stay"]


def test_a_command_on_a_case_that_does_not_exist_leaves_a_trace_as_a_refused_one_does(
    client, docket
):
    other = log_in(
        client, docket, "other.subject", Role.SUBJECT, field_office=None, person_id="p-else"
    )
    refused = _send(client, other)
    missing = _send(client, other, path="/api/cases/DKT-NYC-404/events/charging_document_served")
    # Someone else's case is answered as a missing one, and both attempts are logged, so
    # that neither the words nor the time of the answer tell a subject which cases exist.
    assert (refused.status_code, missing.status_code) == (404, 404)
    assert refused.json()["error"]["message"] == "no case DKT-NYC-1"
    assert missing.json()["error"]["message"] == "no case DKT-NYC-404"
    logged = [
        (e["record_id"], e["action"], e["outcome"], json.loads(e["details"]))
        for e in docket.access_log.entries(actor="other.subject")
        if e["action"] != "login"
    ]
    case_id = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.case_id
    assert logged == [
        (case_id, "record_event", "refused", {"relation": "unrelated"}),
        ("DKT-NYC-404", "record_event", "refused", {"failed": "not_found"}),
    ]
