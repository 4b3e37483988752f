"""A person's record over HTTP: staff of an office where the person has a case, the subject
themself, and no one else; every read logged."""

from __future__ import annotations

import orjson
import pytest

from docket.cases.service import show_case
from docket.identity.model import Role
from tests.api.staff import log_in


@pytest.fixture
def person_id(docket, client):
    return show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id


def test_staff_of_the_cases_office_read_the_person_with_their_cases(client, docket, person_id):
    headers = log_in(client, docket, "nyc.officer", Role.OFFICER, field_office="NYC")
    response = client.get(f"/api/persons/{person_id}", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person"]["person_id"] == person_id
    assert body["cases"] == [{"case_ref": "DKT-NYC-1", "field_office": "NYC"}]


def test_staff_of_another_office_are_refused(client, docket, person_id):
    headers = log_in(client, docket, "hou.officer", Role.OFFICER, field_office="HOU")
    response = client.get(f"/api/persons/{person_id}", headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["details"] == {
        "action": "read_person",
        "relation": "other_office",
    }


def test_the_subject_reads_their_own_record_and_no_one_elses(client, docket, person_id):
    own = log_in(
        client, docket, "the.subject", Role.SUBJECT, field_office=None, person_id=person_id
    )
    assert client.get(f"/api/persons/{person_id}", headers=own).status_code == 200
    other = log_in(
        client, docket, "other.subject", Role.SUBJECT, field_office=None, person_id="p-else"
    )
    refused = client.get(f"/api/persons/{person_id}", headers=other)
    missing = client.get("/api/persons/p-nobody", headers=other)
    # Someone else's record is answered as a missing one, word for word: no existence leak.
    assert (refused.status_code, missing.status_code) == (404, 404)
    assert refused.json() == {
        "error": {
            "code": "not_found",
            "message": f"no person {person_id}",
            "details": {"person_id": person_id},
        }
    }
    assert refused.json() == orjson.loads(missing.content.replace(b"p-nobody", person_id.encode()))
    logged = [
        e for e in docket.access_log.entries(actor="other.subject") if e["action"] == "read_person"
    ]
    assert [(e["record_id"], e["outcome"], orjson.loads(e["details"])) for e in logged] == [
        (person_id, "refused", {"relation": "unrelated"}),
        ("p-nobody", "refused", {"failed": "not_found"}),  # a probe leaves a trace too
    ]


def test_an_unknown_person_is_404(client, docket):
    headers = log_in(client, docket, "nyc.officer", Role.OFFICER, field_office="NYC")
    assert client.get("/api/persons/nobody", headers=headers).status_code == 404
