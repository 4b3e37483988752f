"""The HTTP API end to end: login, the error shape, reads checked against the policy table and
put on the access log, limits and headers."""

from __future__ import annotations

import http.client
import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from docket.api.app import MAX_BODY_BYTES, SECURITY_HEADERS, create_app
from docket.api.deps import logged_on_failure
from docket.audit.access import AccessEntry, Outcome
from docket.cases.events import EventKind
from docket.cases.service import open_case
from docket.identity.model import Role
from tests.api.bodies import login_in_chunks
from tests.api.staff import log_in
from tests.audit.tampering import tamper
from tests.builders import a_case, a_person, in_proceedings, record
from tests.identity.builders import a_user


def _access_log(docket):
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, action, outcome, purpose FROM access_log ORDER BY seq")
        )
        return [tuple(row) for row in rows]


def test_an_officer_reads_a_case_of_their_office_and_the_read_is_logged(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    response = client.get("/api/cases/DKT-NYC-1", headers={**headers, "X-Purpose": "hearing"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["case"]["case_ref"] == "DKT-NYC-1"
    assert [event["kind"] for event in body["timeline"]] == ["case_opened"]
    assert _access_log(docket)[-1] == ("nyc.officer", "read_case", "allowed", "hearing")


def test_an_officer_of_another_office_is_refused_and_the_refusal_is_logged(client, docket):
    headers = log_in(client, docket, "hou.officer", field_office="HOU")
    response = client.get("/api/cases/DKT-NYC-1", headers=headers)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "access_refused"
    assert error["details"] == {"action": "read_case", "relation": "other_office"}
    assert _access_log(docket)[-1] == ("hou.officer", "read_case", "refused", "")


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Bearer not-a-session"}, {"Authorization": "Basic x"}]
)
def test_without_a_valid_session_nothing_is_read(client, headers):
    response = client.get("/api/cases/DKT-NYC-1", headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "session_invalid"
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_failed_login_looks_the_same_for_an_unknown_user(client, docket):
    a_user(docket, "ana.officer")
    wrong = client.post("/api/session", json={"username": "ana.officer", "password": "nope"})
    unknown = client.post("/api/session", json={"username": "nobody", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "login_refused"


def test_a_login_name_no_user_can_have_is_refused_like_any_other_and_logged(client, docket):
    # "İ" lower-cases to two characters: 64 of them make a name longer than any username.
    response = client.post(
        "/api/session", json={"username": "İ" * 64, "password": "wrong-password-1"}
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "login_refused"
    [entry] = docket.access_log.entries()
    assert (entry["action"], entry["outcome"]) == ("login", "refused")
    assert json.loads(entry["details"]) == {"reason": "unknown_user"}


def test_logout_ends_the_session_at_once(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    assert client.delete("/api/session", headers=headers).status_code == 204
    assert client.get("/api/cases/DKT-NYC-1", headers=headers).status_code == 401
    # Logging out again, or with a token that never was a session, is a 401 too.
    assert client.delete("/api/session", headers=headers).status_code == 401
    unknown = client.delete("/api/session", headers={"Authorization": "Bearer not-a-session"})
    assert unknown.status_code == 401
    assert unknown.json()["error"]["code"] == "session_invalid"


def test_a_body_that_is_not_json_is_a_422(client, docket):
    response = client.post(
        "/api/session", content=b"\xff{", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"
    assert response.json()["error"]["details"]["fields"][0]["field"] == "body"


def test_bad_input_is_a_422_naming_the_field(client):
    response = client.post("/api/session", json={"username": "ana"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert {"field": "body.password", "message": "Field required"} in error["details"]["fields"]


def test_an_unknown_case_is_a_404_in_the_error_shape(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    response = client.get("/api/cases/DKT-NONE", headers=headers)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_oversized_body_is_refused_before_it_is_read(client):
    response = client.post(
        "/api/session",
        content=b"{}",
        headers={"Content-Length": str(MAX_BODY_BYTES + 1), "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_a_body_sent_in_chunks_is_refused_once_it_passes_the_limit(client):
    response = client.post(
        "/api/session",
        content=login_in_chunks(MAX_BODY_BYTES + 1000),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.headers["X-Frame-Options"] == SECURITY_HEADERS["X-Frame-Options"]


def test_a_body_sent_in_chunks_within_the_limit_is_read(client):
    response = client.post(
        "/api/session",
        content=login_in_chunks(MAX_BODY_BYTES - 1000),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 401  # read and checked: no such user
    assert response.json()["error"]["code"] == "login_refused"


def test_an_unexpected_error_is_a_500_with_the_error_shape_and_security_headers(settings, clock):
    app = create_app(settings, clock=clock)

    def broken() -> None:
        raise RuntimeError("SELECT secret FROM somewhere")

    app.add_api_route("/broken", broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/broken")
    assert response.status_code == 500
    assert response.json() == {
        "error": {
            "code": "internal_error",
            "message": "an unexpected error occurred",
            "details": {},
        }
    }
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def test_every_response_carries_the_security_headers_and_no_cors(client):
    response = client.get("/openapi.json", headers={"Origin": "https://elsewhere.example"})
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert "access-control-allow-origin" not in response.headers


def test_the_spec_is_served_and_no_interactive_docs_page(client):
    assert client.get("/openapi.json").json()["info"]["title"] == "Docket"
    assert client.get("/docs").status_code == 404
    assert client.get("/redoc").status_code == 404


def test_an_officer_lists_their_office_a_page_at_a_time(client, docket):
    for number in (2, 3):
        a_case(docket, f"DKT-NYC-{number}")
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    first = client.get("/api/cases", params={"limit": 2}, headers=headers).json()
    assert [case["case_ref"] for case in first["items"]] == ["DKT-NYC-1", "DKT-NYC-2"]
    assert first["next_after"] == "DKT-NYC-2"
    rest = client.get(
        "/api/cases", params={"limit": 2, "after": first["next_after"]}, headers=headers
    ).json()
    assert [case["case_ref"] for case in rest["items"]] == ["DKT-NYC-3"]
    assert rest["next_after"] is None
    assert _access_log(docket)[-1] == ("nyc.officer", "list_cases", "allowed", "")


def test_a_listed_case_is_the_case_its_own_page_shows(client, docket):
    """The listing passes on each case's stored text; it must be the very case the detail
    page builds from the same record, whatever has happened to it."""
    in_proceedings(docket, "DKT-NYC-2")
    record(docket, "DKT-NYC-2", EventKind.STAY_GRANTED, fields={"authority": "court"})
    record(docket, "DKT-NYC-2", EventKind.HEARING_HELD)
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    listed = client.get("/api/cases", headers=headers).json()["items"]
    shown = [client.get(f"/api/cases/{c['case_ref']}", headers=headers).json() for c in listed]
    assert [c["case_ref"] for c in listed] == ["DKT-NYC-1", "DKT-NYC-2"]
    assert listed == [page["case"] for page in shown]
    assert listed[1]["bars"]
    assert listed[1]["version"] > listed[0]["version"]


def test_a_listing_with_a_stored_case_that_is_no_case_is_a_tamper_error(client, docket):
    """The listing passes stored texts on: one that is not even JSON is refused, never
    answered as a broken page."""
    tamper(docket.engine, "UPDATE cases SET data = 'not json' WHERE case_ref = 'DKT-NYC-1'")
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    answer = client.get("/api/cases", headers=headers)
    assert answer.status_code == 500
    error = answer.json()["error"]
    assert (error["code"], error["details"]["case_ref"]) == ("tamper_detected", "DKT-NYC-1")


def test_a_read_of_a_record_that_does_not_exist_is_on_the_access_log(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    for path in ("/api/cases/DKT-NYC-404", "/api/persons/P-NOBODY"):
        assert client.get(path, headers={**headers, "X-Purpose": "probe"}).status_code == 404
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT action, record_type, record_id, outcome, purpose, details "
                "FROM access_log WHERE actor = 'nyc.officer' ORDER BY seq"
            )
        ).all()
    assert [tuple(row) for row in rows[-2:]] == [
        ("read_case", "case", "DKT-NYC-404", "refused", "probe", '{"failed":"not_found"}'),
        ("read_person", "person", "P-NOBODY", "refused", "probe", '{"failed":"not_found"}'),
    ]


def test_listing_another_office_depends_on_the_role(client, docket):
    officer = log_in(client, docket, "hou.officer", field_office="HOU")
    assert client.get("/api/cases", params={"office": "NYC"}, headers=officer).status_code == 403
    assert client.get("/api/cases", headers=officer).json()["items"] == []
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER, field_office="HOU")
    listed = client.get("/api/cases", params={"office": "nyc"}, headers=reviewer)
    assert [case["case_ref"] for case in listed.json()["items"]] == ["DKT-NYC-1"]


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_office_lists_your_own_office_not_every_office(client, docket, blank):
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-HOU-1",
        person=a_person(),
        field_office="HOU",
        opened_on=docket.clock.now().date(),
        actor="officer.test",
        document_ref="I-213-8",
    )
    reviewer = log_in(client, docket, "legal.one", Role.LEGAL_REVIEWER, field_office="HOU")
    listed = client.get("/api/cases", params={"office": blank}, headers=reviewer)
    assert listed.status_code == 200, listed.text
    assert [case["case_ref"] for case in listed.json()["items"]] == ["DKT-HOU-1"]
    officer = log_in(client, docket, "nyc.officer", field_office="NYC")
    listed = client.get("/api/cases", params={"office": blank}, headers=officer)
    assert listed.status_code == 200, listed.text
    assert [case["case_ref"] for case in listed.json()["items"]] == ["DKT-NYC-1"]
    listings = [e for e in docket.access_log.entries() if e["action"] == "list_cases"]
    assert [(e["record_id"], e["outcome"]) for e in listings] == [
        ("HOU", "allowed"),
        ("NYC", "allowed"),
    ]


def test_a_bad_list_query_names_the_parameter(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    response = client.get("/api/cases", params={"limit": 0, "state": "nowhere"}, headers=headers)
    assert response.status_code == 422
    fields = {f["field"] for f in response.json()["error"]["details"]["fields"]}
    assert fields == {"query.limit", "query.state"}


def test_a_nul_character_in_any_text_is_a_422_not_a_server_error(client, docket):
    login = client.post("/api/session", json={"username": "ana\x00", "password": "x"})
    assert login.status_code == 422
    assert login.json()["error"]["details"]["fields"][0]["field"] == "body.username"
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    listing = client.get("/api/cases", params={"office": "NYC\x00"}, headers=headers)
    assert listing.status_code == 422
    assert listing.json()["error"]["details"]["fields"][0]["field"] == "query.office"


def test_an_unknown_query_parameter_is_a_422_naming_it(client, docket):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    response = client.get("/api/cases", params={"ofice": "LAX"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["fields"] == [
        {"field": "query.ofice", "message": "unknown"}
    ]


@pytest.mark.parametrize(
    ("path", "query", "repeated"),
    [
        ("/api/cases", "state=identified&state=charged", "state"),
        ("/api/cases", "office=HOU&office=NYC", "office"),
        ("/api/cases", "limit=1&after=A&limit=2", "limit"),
        ("/api/cases/DKT-NYC-1/timeline", "after=0&after=1", "after"),
        ("/api/audit", "actor=a&actor=nyc.officer", "actor"),
    ],
)
def test_a_query_parameter_given_twice_is_a_422_naming_it(client, docket, path, query, repeated):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    before = len(docket.access_log.entries())
    response = client.get(f"{path}?{query}", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["fields"] == [
        {"field": f"query.{repeated}", "message": "given more than once"}
    ]
    assert len(docket.access_log.entries()) == before  # refused before anything was read


def test_a_change_that_fails_unexpectedly_is_still_logged_with_why(docket):
    entry = AccessEntry(
        at=docket.clock.now(),
        actor="nyc.officer",
        action="record_event",
        record_type="case",
        record_id="DKT-NYC-1",
        outcome=Outcome.ALLOWED,
        details={"relation": "own_office"},
    )

    def change() -> None:
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        logged_on_failure(docket, entry, change)
    [logged] = docket.access_log.entries(actor="nyc.officer")
    assert (logged["action"], logged["record_id"]) == ("record_event", "DKT-NYC-1")
    assert '"failed":"internal_error"' in logged["details"].replace(" ", "")


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("revisión de custodia".encode(), "revisión de custodia"),
        ("проверка".encode(), "проверка"),
        ("caf\xe9".encode("latin-1"), "caf\xe9"),  # not UTF-8: read as HTTP's ISO-8859-1
        ("ü".encode() * 300, "ü" * 300),
        (b"hearing", "hearing"),
    ],
    ids=["spanish", "russian", "latin-1", "long", "ascii"],
)
def test_the_purpose_is_logged_as_the_client_wrote_it(client, served, docket, sent, kept):
    headers = log_in(client, docket, "nyc.officer", field_office="NYC")
    # Over a real connection: the test client would re-encode the header's bytes.
    connection = http.client.HTTPConnection(served.removeprefix("http://"), timeout=20)
    try:
        connection.request("GET", "/api/cases/DKT-NYC-1", headers={**headers, "X-Purpose": sent})
        assert connection.getresponse().status == 200
    finally:
        connection.close()
    assert _access_log(docket)[-1] == ("nyc.officer", "read_case", "allowed", kept)
