"""Users for identity tests, added through the service as an administrator would."""

from __future__ import annotations

from typing import Any

from docket.identity.model import Role
from docket.identity.service import NewUser, add_user

PASSWORD = "plover-quartz-91-ledger"


def a_user(
    docket: Any, username: str = "ana.officer", role: Role = Role.OFFICER, **changes: Any
) -> NewUser:
    """Add ``username`` (staff in office HOU unless ``changes`` say otherwise)."""
    request: dict[str, Any] = {
        "field_office": "HOU",
        "password": PASSWORD,
        "actor": "root.admin",
        **changes,
    }
    return add_user(users=docket.users, clock=docket.clock, username=username, role=role, **request)
