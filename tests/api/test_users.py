"""Admins manage users over HTTP; nobody else can; changes end sessions and are logged."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from docket.api.app import create_app
from docket.identity import totp
from docket.identity.model import Role
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
    assert actions[-4:] == ["manage_users", "user_role_set", "manage_users", "user_disabled"]


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
