"""A user changes their own password (``PUT /api/session/password``); an admin resets a
user's password and one-time-code secret (``POST /api/users/{name}/credentials``)."""

from __future__ import annotations

import json

import sqlalchemy as sa

from docket.identity import totp
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.identity.builders import PASSWORD, a_user

PATH = "/api/session/password"
NEW = "harbour-violet-37-quill"


def test_a_user_changes_their_password_and_logs_in_again_with_it(client, docket):
    headers = log_in(
        client, docket, "sam.subject", Role.SUBJECT, field_office=None, person_id="P-1"
    )
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert client.put(PATH, json=body, headers=headers).status_code == 204
    assert client.get("/api/persons/P-1", headers=headers).status_code == 401  # session ended
    old = client.post("/api/session", json={"username": "sam.subject", "password": PASSWORD})
    assert old.status_code == 401
    new = client.post("/api/session", json={"username": "sam.subject", "password": NEW})
    assert new.status_code == 201


def test_a_refused_change_names_its_field(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    wrong = client.put(
        PATH, json={"current_password": "not-mine-at-all", "new_password": NEW}, headers=headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"]["field"] == "current_password"
    weak = client.put(
        PATH, json={"current_password": PASSWORD, "new_password": "short"}, headers=headers
    )
    assert weak.status_code == 422
    assert weak.json()["error"]["details"]["field"] == "new_password"
    assert client.get("/api/cases/DKT-NYC-1", headers=headers).status_code == 200  # still in


def test_no_session_no_change(client, docket):
    body = {"current_password": PASSWORD, "new_password": NEW}
    assert client.put(PATH, json=body).status_code == 401
    bogus = {"Authorization": "Bearer not-a-session"}
    assert client.put(PATH, json=body, headers=bogus).status_code == 401


def test_an_admin_resets_a_users_credentials_shown_once(client, docket):
    officer = log_in(client, docket, "nyc.officer")
    admin = log_in(client, docket, "root.admin", Role.ADMIN)
    answer = client.post("/api/users/nyc.officer/credentials", headers=admin)
    assert answer.status_code == 200, answer.text
    made = answer.json()
    assert made["username"] == "nyc.officer"
    assert made["password"] != PASSWORD
    assert made["totp_uri"].startswith("otpauth://totp/")
    assert client.get("/api/cases/DKT-NYC-1", headers=officer).status_code == 401


def test_only_an_admin_resets_credentials(client, docket):
    officer = log_in(client, docket, "nyc.officer")
    refused = client.post("/api/users/nyc.officer/credentials", headers=officer)
    assert refused.status_code == 403
    assert client.get("/api/cases/DKT-NYC-1", headers=officer).status_code == 200
    admin = log_in(client, docket, "root.admin", Role.ADMIN)
    assert client.post("/api/users/nobody.here/credentials", headers=admin).status_code == 404


def test_a_misspelt_login_field_is_a_422_naming_it_not_a_failed_login(client, docket):
    """``otp`` for ``code`` was ignored: the login failed for want of a code and counted
    towards the lockout."""
    made = a_user(docket, "nyc.typist", Role.OFFICER, field_office="NYC")
    assert made.totp_secret is not None
    code = totp.code_at(made.totp_secret, docket.clock.now())
    body = {"username": "nyc.typist", "password": PASSWORD, "otp": code}
    response = client.post("/api/session", json=body)
    assert response.status_code == 422, response.text
    fields = response.json()["error"]["details"]["fields"]
    assert [f["field"] for f in fields] == ["body.otp"]
    with docket.engine.connect() as connection:
        failures = connection.execute(
            sa.text("SELECT count(*) FROM login_failures WHERE username = 'nyc.typist'")
        ).scalar_one()
    assert failures == 0
    changed = client.put(
        "/api/session/password",
        json={"current_password": PASSWORD, "new": "a new long passphrase 7"},
        headers=log_in(client, docket, "nyc.other"),
    )
    assert changed.status_code == 422, changed.text
    assert "body.new" in json.dumps(changed.json())


def test_no_session_is_told_401_even_for_a_new_password_equal_to_the_current_one(client, docket):
    same = {"current_password": NEW, "new_password": NEW}
    bogus = {"Authorization": "Bearer not-a-session"}
    answer = client.put(PATH, json=same, headers=bogus)
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "session_invalid"
