"""Requests at the edges of HTTP: a path with a trailing slash, credentials given twice."""

from __future__ import annotations

import pytest

from docket.api.app import MAX_BODY_BYTES, SECURITY_HEADERS
from docket.identity.model import Role
from tests.api.bodies import login_in_chunks
from tests.api.staff import log_in


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/cases/"), ("GET", "/api/cases/DKT-NYC-1/"), ("POST", "/api/session/")],
)
def test_a_path_with_a_trailing_slash_is_an_unknown_path_not_a_redirect(client, method, path):
    # A redirect would send the client to the host its own Host header named (a login's
    # password along with it), in no error shape; the spec has no such path.
    response = client.request(
        method, path, headers={"Host": "elsewhere.example"}, follow_redirects=False
    )
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.json()["error"]["code"] == "not_found"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


@pytest.mark.parametrize("valid_first", [True, False])
def test_a_request_with_two_authorization_headers_is_refused(client, docket, valid_first):
    # Which of two credentials counts would be up to the server and any proxy in between,
    # each perhaps choosing another: neither is taken.
    [valid] = log_in(client, docket, "nyc.officer").values()
    other = "Bearer not-a-session"
    pair = [valid, other] if valid_first else [other, valid]
    before = docket.access_log.entries()
    response = client.get(
        "/api/cases/DKT-NYC-1", headers=[("Authorization", value) for value in pair]
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_invalid"
    assert docket.access_log.entries() == before  # nothing was read


@pytest.mark.parametrize(
    ("repeated", "values"),
    [("If-Match", ['"1"', '"7"']), ("Idempotency-Key", ["k-1", "k-2"])],
)
def test_a_command_header_given_twice_is_a_422_naming_it(client, docket, repeated, values):
    # Two field lines are one list (RFC 9110, 5.3): `If-Match: "1", "7"`, which is refused;
    # taking the first would write over a version the client also named, or remember the
    # command under one key of two.
    headers = log_in(client, docket, "nyc.officer")
    sent = {"Idempotency-Key": "k-1", "If-Match": '"1"'}
    del sent[repeated]
    lines = [*headers.items(), *sent.items(), *((repeated, value) for value in values)]
    response = client.post(
        "/api/cases/DKT-NYC-1/events/charging_document_served",
        json={"document_ref": "NTA-1"},
        headers=lines,
    )
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["details"]["fields"]
    assert fields == [{"field": f"header.{repeated}", "message": "given more than once"}]
    assert client.get("/api/cases/DKT-NYC-1", headers=headers).headers["ETag"] == '"1"'


def test_a_body_in_chunks_is_limited_whatever_content_length_it_claims(client):
    # Transfer-Encoding beats Content-Length (RFC 9112, 6.3), and uvicorn's h11 server reads
    # such a request's body chunk by chunk: the length claimed is no bound on it.
    response = client.post(
        "/api/session",
        content=login_in_chunks(MAX_BODY_BYTES + 1000),
        headers={
            "Content-Type": "application/json",
            "Content-Length": "5",
            "Transfer-Encoding": "chunked",
        },
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_purpose_given_on_two_lines_is_logged_whole(client, docket):
    # Two lines of a field are one value, joined by commas (RFC 9110, 5.3): the access log
    # keeps the purpose the client gave, not its first line alone.
    headers = log_in(client, docket, "nyc.officer")
    lines = [*headers.items(), ("X-Purpose", "custody review"), ("X-Purpose", "hearing 2026-12-01")]
    assert client.get("/api/cases/DKT-NYC-1", headers=lines).status_code == 200
    [*_, last] = docket.access_log.entries()
    assert last["purpose"] == "custody review, hearing 2026-12-01"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_json_body_sent_as_another_type_is_a_422_saying_so(client, content_type):
    # FastAPI reads no JSON from such a body, and its own words would be that the body is no
    # object ("a valid dictionary"), which the client can see it is.
    response = client.post(
        "/api/session",
        content=b'{"username": "nobody", "password": "x"}',
        headers={"Content-Type": content_type},
    )
    assert response.status_code == 422
    [field] = response.json()["error"]["details"]["fields"]
    assert field["field"] == "body"
    assert "Content-Type: application/json" in field["message"]
    assert content_type in field["message"]


@pytest.mark.parametrize("key", ["   ", "\t"])
@pytest.mark.parametrize(
    ("role", "path", "body"),
    [
        (
            Role.OFFICER,
            "/api/cases/DKT-NYC-1/events/charging_document_served",
            {"document_ref": "NTA-1"},
        ),
        (
            Role.SUPERVISOR,
            "/api/cases/DKT-NYC-1/priority-determination",
            {"determination": "accept"},
        ),
    ],
)
def test_an_idempotency_key_of_only_spaces_is_a_422_naming_the_header(
    client, docket, key, role, path, body
):
    # A server strips spaces and tabs around a value (so the key is missing), but not every
    # space: a no-break space (byte A0) is one to Python, and came here as a key "1 to 200
    # characters" long, refused so, on no field the request has.
    headers = log_in(client, docket, "nyc.someone", role)
    response = client.post(
        path, json=body, headers={**headers, "Idempotency-Key": key, "If-Match": '"1"'}
    )
    assert response.status_code == 422, response.text
    [field] = response.json()["error"]["details"]["fields"]
    assert field["field"] == "header.Idempotency-Key"
    assert field["message"].startswith("Idempotency-Key: ")
