"""``If-Match`` on a command, read as RFC 9110 has it: one strong entity tag, the case version
the writer read; a weak tag never matches, and anything else is bad input naming the header."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.api.staff import log_in

SERVE = "/api/cases/DKT-NYC-1/events/charging_document_served"


def _events(docket) -> int:
    with docket.engine.connect() as connection:
        return connection.execute(sa.text("SELECT count(*) FROM events")).scalar_one()


def _send(client, headers, if_match: str):
    return client.post(
        SERVE,
        json={"document_ref": "NTA-1"},
        headers={**headers, "Idempotency-Key": "k-1", "If-Match": if_match},
    )


def test_the_etag_as_sent_is_taken(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    etag = client.get("/api/cases/DKT-NYC-1", headers=headers).headers["ETag"]
    assert etag == '"1"'
    assert _send(client, headers, etag).status_code == 201


@pytest.mark.parametrize("if_match", ['W/"1"', '"01"'])
def test_a_tag_that_is_not_the_etag_never_matches_and_is_412(client, docket, if_match):
    # If-Match compares strongly (RFC 9110, 13.1.1): a weak tag matches nothing, and "01" is
    # not the tag "1" the case's ETag is, though both name version 1.
    headers = log_in(client, docket, "nyc.officer")
    before = _events(docket)
    response = _send(client, headers, if_match)
    assert response.status_code == 412, response.text
    error = response.json()["error"]
    assert error["code"] == "version_conflict"
    assert error["details"] == {"case_ref": "DKT-NYC-1", "version": 1}
    assert _events(docket) == before
    [*_, last] = docket.access_log.entries(actor="nyc.officer")
    assert (last["outcome"], json.loads(last["details"])["failed"]) == (
        "allowed",
        "version_conflict",
    )


@pytest.mark.parametrize(
    ("if_match", "said"),
    [
        ('"1', "not an entity tag"),
        ('1"', "not an entity tag"),
        ("1", "not an entity tag"),
        ("W/1", "not an entity tag"),
        ('x"1"', "not an entity tag"),
        ('"1"x', "not an entity tag"),
        ('""', "not an entity tag"),
        ('"1", "4"', "one version, not a list"),
        ("*", "a version is required"),
    ],
)
def test_anything_but_one_entity_tag_is_a_422_naming_the_header(client, docket, if_match, said):
    # `*` would be "whatever the case is now": a command must carry the version its writer
    # saw, as a missing If-Match is refused for want of one.
    headers = log_in(client, docket, "nyc.officer")
    before = _events(docket)
    response = _send(client, headers, if_match)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    [field] = error["details"]["fields"]
    assert field["field"] == "header.If-Match"
    assert field["message"].startswith("If-Match: ")
    assert said in field["message"]
    assert _events(docket) == before


def test_the_spec_shows_the_tag_the_header_takes(client):
    paths = client.get("/openapi.json").json()["paths"]
    parameters = paths["/api/cases/{case_ref}/events/charging_document_served"]["post"][
        "parameters"
    ]
    [if_match] = [p for p in parameters if p["name"] == "If-Match"]
    assert if_match["schema"]["pattern"] == '^(W/)?"[0-9]+"$'
