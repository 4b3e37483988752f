"""Admins manage users over HTTP; nobody else can; changes end sessions and are logged, each
request once."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from docket.api.app import create_app
from docket.cases.service import show_case
from docket.identity import totp
from docket.identity.model import Role
from tests.builders import a_case
from tests.identity.builders import PASSWORD, a_user


@pytest.fixture
def client(settings, clock):
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def _login(client, docket, username, role, password=PASSWORD, secret=None):
    if secret is None:
        made = a_user(docket, username, role, field_office="NYC")
        secret = made.totp_secret
    code = totp.code_at(secret, docket.clock.now())
    response = client.post(
        "/api/session", json={"username": username, "password": password, "code": code}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_an_admin_adds_a_user_who_can_then_log_in(client, docket):
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    response = client.post(
        "/api/users",
        json={"username": "new.officer", "role": "officer", "field_office": "atl"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    made = response.json()
    assert (made["role"], made["field_office"], made["disabled"]) == ("officer", "ATL", False)
    secret = made["totp_uri"].split("secret=")[1].split("&")[0]
    docket.clock.advance(seconds=31)  # a fresh code step
    assert _login(client, docket, "new.officer", Role.OFFICER, made["password"], secret)


def test_a_role_change_and_disabling_end_the_users_sessions(client, docket):
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    officer = _login(client, docket, "nyc.officer", Role.OFFICER)
    changed = client.put("/api/users/nyc.officer/role", json={"role": "logistics"}, headers=admin)
    assert changed.json()["role"] == "logistics"
    assert client.get("/api/cases", headers=officer).status_code == 401
    assert client.post("/api/users/nyc.officer/disable", headers=admin).json()["disabled"]
    with docket.engine.connect() as connection:
        actions = (
            connection.execute(
                sa.text("SELECT action FROM access_log WHERE actor = 'the.admin' ORDER BY seq")
            )
            .scalars()
            .all()
        )
    assert actions[-2:] == ["user_role_set", "user_disabled"]


def test_only_admins_manage_users(client, docket):
    officer = _login(client, docket, "nyc.officer", Role.OFFICER)
    response = client.post(
        "/api/users",
        json={"username": "sneaky", "role": "admin", "field_office": "NYC"},
        headers=officer,
    )
    assert response.status_code == 403
    assert client.post("/api/users/nyc.officer/disable", headers=officer).status_code == 403


def test_a_bad_user_is_refused_naming_the_field(client, docket):
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    response = client.post(
        "/api/users", json={"username": "no.office", "role": "officer"}, headers=admin
    )
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "field_office"
    unknown = client.post("/api/users/nobody/disable", headers=admin)
    assert unknown.status_code == 404
    nobody = client.post(
        "/api/users",
        json={"username": "maria", "role": "subject", "person_id": "p-404"},
        headers=admin,
    )
    assert nobody.status_code == 422
    assert nobody.json()["error"]["details"]["field"] == "person_id"


def test_an_office_wider_than_its_column_once_upper_cased_is_a_422(client, docket):
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    a_user(docket, "ana.officer", Role.OFFICER, field_office="NYC")
    wide = "ß" * 9  # 9 characters, 18 once upper-cased ("SS" each)
    added = client.post(
        "/api/users",
        json={"username": "new.officer", "role": "officer", "field_office": wide},
        headers=admin,
    )
    moved = client.put(
        "/api/users/ana.officer/role", json={"role": "officer", "field_office": wide}, headers=admin
    )
    for response in (added, moved):
        assert response.status_code == 422, response.text
        assert response.json()["error"]["details"]["field"] == "field_office"
    assert client.post("/api/users/new.officer/disable", headers=admin).status_code == 404


def test_each_user_management_request_is_logged_once_with_its_outcome(client, docket):
    a_case(docket, "DKT-NYC-1")
    person_id = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    officer = _login(client, docket, "nyc.officer", Role.OFFICER)
    counsel = {"username": "the.counsel", "role": "counsel"}
    link = {"person_id": person_id, "document_ref": "G-28"}
    clients = "/api/users/the.counsel/clients"
    requests = [  # who, method, path, body; then what is logged: action, outcome, failure
        (admin, "POST", "/api/users", counsel, 201, "user_added", "allowed", None),
        (admin, "POST", "/api/users", counsel, 409, "manage_users", "allowed", "conflict"),
        (admin, "POST", "/api/users", {"username": "no.office", "role": "officer"},
         422, "manage_users", "allowed", "invalid_input"),
        (admin, "POST", "/api/users/ghost/disable", None,
         404, "manage_users", "allowed", "not_found"),
        (admin, "PUT", "/api/users/ghost/role", {"role": "counsel"},
         404, "manage_users", "allowed", "not_found"),
        (admin, "PUT", "/api/users/the.counsel/role", {"role": "officer", "field_office": "NYC"},
         422, "manage_users", "allowed", "invalid_input"),
        (admin, "POST", clients, {**link, "person_id": "nobody"},
         404, "manage_users", "allowed", "not_found"),
        (admin, "POST", clients, link, 201, "client_linked", "allowed", None),
        (admin, "DELETE", f"{clients}/{person_id}", None, 204, "client_unlinked", "allowed", None),
        (admin, "DELETE", f"{clients}/{person_id}", None,
         404, "manage_users", "allowed", "not_found"),
        (admin, "PUT", "/api/users/the.counsel/role", {"role": "counsel"},
         200, "user_role_set", "allowed", None),
        (officer, "POST", "/api/users/the.counsel/disable", None,
         403, "manage_users", "refused", None),
        (admin, "POST", "/api/users/the.counsel/disable", None,
         200, "user_disabled", "allowed", None),
    ]  # fmt: skip
    for number, (who, method, path, body, status, *_) in enumerate(requests):
        headers = {**who, "X-Purpose": f"request-{number}"}
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code == status, (number, response.text)
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT purpose, action, outcome, details FROM access_log "
                "WHERE purpose LIKE 'request-%' ORDER BY seq"
            )
        ).all()
    logged = [(p, a, o, json.loads(d).get("failed")) for p, a, o, d in rows]
    assert logged == [
        (f"request-{number}", action, outcome, failed)
        for number, (*_, action, outcome, failed) in enumerate(requests)
    ]


def test_the_last_admin_keeps_their_role_and_stays_enabled(client, docket):
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    for method, path, body in (
        ("PUT", "/api/users/the.admin/role", {"role": "officer"}),
        ("POST", "/api/users/the.admin/disable", None),
    ):
        response = client.request(method, path, json=body, headers=admin)
        assert response.status_code == 409, response.text
        assert response.json()["error"]["code"] == "conflict"
        assert response.json()["error"]["details"] == {
            "username": "the.admin",
            "rule": "last_admin",
        }
    assert (
        client.post(
            "/api/users",
            json={"username": "new.admin", "role": "admin", "field_office": "NYC"},
            headers=admin,
        ).status_code
        == 201
    )  # still an admin, with a session that still works
    assert client.post("/api/users/the.admin/disable", headers=admin).json()["disabled"]


@pytest.mark.parametrize(
    ("method", "path", "body", "unknown"),
    [
        ("PUT", "/api/users/ana.officer/role", {"role": "officer", "office": "ATL"}, "office"),
        (
            "POST",
            "/api/users",
            {"username": "new.counsel", "role": "counsel", "field_ofice": "ATL"},
            "field_ofice",
        ),
        (
            "POST",
            "/api/users/ana.officer/clients",
            {"person_id": "p-1", "document_ref": "G-28", "since": "2026-01-01"},
            "since",
        ),
    ],
)
def test_a_misspelt_field_in_a_user_request_is_a_422_not_ignored(
    client, docket, method, path, body, unknown
):
    # Ignored, `office` would leave the user in their old office and answer 200.
    admin = _login(client, docket, "the.admin", Role.ADMIN)
    a_user(docket, "ana.officer", Role.OFFICER, field_office="NYC")
    response = client.request(method, path, json=body, headers=admin)
    assert response.status_code == 422, response.text
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert fields == [f"body.{unknown}"]
    assert client.post("/api/users/new.counsel/disable", headers=admin).status_code == 404
