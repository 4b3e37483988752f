"""Logging in over HTTP as a user added for the test."""

from __future__ import annotations

from typing import Any

from docket.identity import totp
from docket.identity.model import Role
from tests.identity.builders import PASSWORD, a_user


def log_in(
    client: Any, docket: Any, username: str, role: Role = Role.OFFICER, **changes: Any
) -> dict[str, str]:
    """Add ``username`` (office NYC unless ``changes`` say otherwise), log in, and return the
    ``Authorization`` header of the session."""
    made = a_user(docket, username, role, **{"field_office": "NYC", **changes})
    code = totp.code_at(made.totp_secret, docket.clock.now()) if made.totp_secret else None
    response = client.post(
        "/api/session", json={"username": username, "password": PASSWORD, "code": code}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}
