"""A caller who has not logged in is told so (401) before anything about a route's inputs: no
answer about a header given twice or a query parameter the route does not take."""

from __future__ import annotations

import pytest

from tests.api.staff import log_in

SERVE = "/api/cases/DKT-NYC-1/events/charging_document_served"
NO_SESSION = [[], [("Authorization", "Bearer not-a-session")]]


@pytest.mark.parametrize("credentials", NO_SESSION)
@pytest.mark.parametrize(
    "lines",
    [
        [("If-Match", '"1"'), ("If-Match", '"7"'), ("Idempotency-Key", "k-1")],
        [("If-Match", '"1"'), ("Idempotency-Key", "k-1"), ("Idempotency-Key", "k-2")],
    ],
)
def test_a_command_header_given_twice_without_a_session_is_401(client, credentials, lines):
    response = client.post(SERVE, json={"document_ref": "NTA-1"}, headers=[*credentials, *lines])
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "session_invalid"


@pytest.mark.parametrize("credentials", NO_SESSION)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/cases/DKT-NYC-1?surprise=1"),
        ("GET", "/api/cases?limit=5&limit=6"),
        ("POST", f"{SERVE}?surprise=1"),
    ],
)
def test_an_unknown_or_repeated_query_parameter_without_a_session_is_401(
    client, credentials, method, path
):
    headers = [*credentials, ("If-Match", '"1"'), ("Idempotency-Key", "k-1")]
    response = client.request(method, path, json={"document_ref": "NTA-1"}, headers=headers)
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "session_invalid"


def test_with_a_session_the_same_requests_are_still_422_naming_what_is_wrong(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    twice = client.post(
        SERVE,
        json={"document_ref": "NTA-1"},
        headers=[
            *headers.items(),
            ("If-Match", '"1"'),
            ("If-Match", '"7"'),
            ("Idempotency-Key", "k"),
        ],
    )
    assert twice.status_code == 422
    assert twice.json()["error"]["details"]["fields"] == [
        {"field": "header.If-Match", "message": "given more than once"}
    ]
    unknown = client.get("/api/cases/DKT-NYC-1?surprise=1", headers=headers)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"]["fields"] == [
        {"field": "query.surprise", "message": "unknown"}
    ]


def test_logging_in_still_refuses_an_unknown_query_parameter(client):
    response = client.post("/api/session?surprise=1", json={"username": "x", "password": "y"})
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == [
        {"field": "query.surprise", "message": "unknown"}
    ]


@pytest.mark.parametrize("credentials", NO_SESSION)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        (SERVE, b'{"document_ref": '),  # not JSON
        (SERVE, b'{"document_ref": "\xff"}'),  # not UTF-8
        ("/api/session/password", b"{"),  # a route that reads its session itself
    ],
)
def test_a_body_that_cannot_be_read_without_a_session_is_401(client, credentials, path, body):
    # FastAPI reads the body before any dependency runs, the session's too.
    headers = [*credentials, ("Content-Type", "application/json"), ("If-Match", '"1"')]
    method = "PUT" if path.endswith("password") else "POST"
    response = client.request(
        method, path, content=body, headers=[*headers, ("Idempotency-Key", "k-1")]
    )
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "session_invalid"
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("body", [b'{"document_ref": ', b'{"document_ref": "\xff"}'])
def test_with_a_session_a_body_that_cannot_be_read_is_still_422(client, docket, body):
    headers = log_in(client, docket, "nyc.officer")
    response = client.post(
        SERVE,
        content=body,
        headers={
            **headers,
            "Content-Type": "application/json",
            "If-Match": '"1"',
            "Idempotency-Key": "k-1",
        },
    )
    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["details"]["fields"]
    assert field["field"].startswith("body")


def test_logging_in_with_a_body_that_cannot_be_read_is_422(client):
    response = client.post(
        "/api/session", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
