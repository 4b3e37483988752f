"""Counsel over HTTP: an admin links counsel to a client on their notice of appearance; counsel
then reads that client's record and case and nothing else, until unlinked (next request)."""

from __future__ import annotations

import pytest

from docket.cases.service import show_case
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.builders import a_case


@pytest.fixture
def client_id(docket, client):
    return show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id


@pytest.fixture
def admin(client, docket):
    return log_in(client, docket, "root.admin", Role.ADMIN)


@pytest.fixture
def counsel(client, docket):
    return log_in(client, docket, "lee.counsel", Role.COUNSEL, field_office=None)


def _link(client, admin, person_id):
    return client.post(
        "/api/users/lee.counsel/clients",
        json={"person_id": person_id, "document_ref": "EOIR-28 2026-118"},
        headers=admin,
    )


def test_counsel_reads_their_clients_record_and_case_once_linked(
    client, docket, admin, counsel, client_id
):
    assert client.get(f"/api/persons/{client_id}", headers=counsel).status_code == 404
    linked = _link(client, admin, client_id)
    assert linked.status_code == 201, linked.text
    assert linked.json()["document_ref"] == "EOIR-28 2026-118"
    assert client.get(f"/api/persons/{client_id}", headers=counsel).status_code == 200
    assert client.get("/api/cases/DKT-NYC-1", headers=counsel).status_code == 200


def test_counsel_reads_no_one_else_and_changes_nothing(client, docket, admin, counsel, client_id):
    a_case(docket, "DKT-NYC-2")
    other = show_case(uow=docket.uow, case_ref="DKT-NYC-2").case.person_id
    _link(client, admin, client_id)
    # Someone else's record is answered as a missing one would be: no existence leak.
    refused = client.get(f"/api/persons/{other}", headers=counsel)
    assert refused.status_code == 404
    assert refused.json()["error"]["details"] == {"person_id": other}
    for path in ("/api/cases/{}", "/api/cases/{}/timeline"):
        refused = client.get(path.format("DKT-NYC-2"), headers=counsel)
        missing = client.get(path.format("DKT-NYC-404"), headers=counsel)
        assert (refused.status_code, missing.status_code) == (404, 404)
        assert refused.content == missing.content.replace(b"DKT-NYC-404", b"DKT-NYC-2")
    write = client.post(
        "/api/cases/DKT-NYC-2/events/charging_document_served",
        json={"document_ref": "NTA-2"},
        headers={**counsel, "Idempotency-Key": "k2", "If-Match": '"1"'},
    )
    assert write.status_code == 404
    assert write.json()["error"]["message"] == "no case DKT-NYC-2"
    write = client.post(
        "/api/cases/DKT-NYC-1/events/charging_document_served",
        json={"document_ref": "NTA-1"},
        headers={**counsel, "Idempotency-Key": "k1", "If-Match": '"1"'},
    )
    assert write.status_code == 403
    assert write.json()["error"]["details"] == {
        "action": "record_event",
        "relation": "client_record",
    }


def test_unlinking_takes_effect_on_the_next_request(client, docket, admin, counsel, client_id):
    _link(client, admin, client_id)
    assert client.get("/api/cases/DKT-NYC-1", headers=counsel).status_code == 200
    removed = client.delete(f"/api/users/lee.counsel/clients/{client_id}", headers=admin)
    assert removed.status_code == 204
    assert client.get("/api/cases/DKT-NYC-1", headers=counsel).status_code == 404
    again = client.delete(f"/api/users/lee.counsel/clients/{client_id}", headers=admin)
    assert again.status_code == 404


def test_only_an_admin_links_counsel_and_only_to_a_person_on_record(
    client, docket, admin, counsel, client_id
):
    officer = log_in(client, docket, "nyc.officer", Role.OFFICER)
    assert _link(client, officer, client_id).status_code == 403
    assert _link(client, counsel, client_id).status_code == 403
    unknown = _link(client, admin, "nobody")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    assert _link(client, admin, client_id).status_code == 201
    assert _link(client, admin, client_id).status_code == 409
