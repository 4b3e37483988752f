"""Every user change, login attempt and logout is on the access log, which is hash-chained,
append-only and checked by ``audit verify``."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from docket.audit.verify import verify
from docket.errors import LoginRefused
from docket.identity import totp
from docket.identity.model import Role
from docket.identity.service import disable_user, set_role
from docket.identity.sessions import login, logout
from docket.storage.audit_store import SqlAuditStore
from tests.audit.tampering import tamper
from tests.identity.builders import PASSWORD, a_user


def _entries(docket) -> list[tuple[str, str, str, str]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, action, outcome, details FROM access_log ORDER BY seq")
        )
        return [tuple(row) for row in rows]


def _try(docket, username: str, password: str, code: str | None = None) -> str | None:
    try:
        return login(
            users=docket.users,
            clock=docket.clock,
            username=username,
            password=password,
            code=code,
            source="10.0.0.7",
        )
    except LoginRefused:
        return None


def test_user_changes_and_logins_are_logged_with_the_true_reason(docket):
    made = a_user(docket)
    assert _try(docket, "nobody", PASSWORD) is None
    assert _try(docket, "ana.officer", "wrong-password-1") is None
    assert _try(docket, "ana.officer", PASSWORD) is None  # no code
    token = _try(
        docket, "ana.officer", PASSWORD, totp.code_at(made.totp_secret, docket.clock.now())
    )
    assert token is not None
    logout(users=docket.users, clock=docket.clock, token=token)
    set_role(
        users=docket.users,
        clock=docket.clock,
        actor="root.admin",
        username="ana.officer",
        role=Role.SUPERVISOR,
    )
    disable_user(users=docket.users, clock=docket.clock, actor="root.admin", username="ana.officer")

    assert [(actor, action, outcome) for actor, action, outcome, _ in _entries(docket)] == [
        ("root.admin", "user_added", "allowed"),
        ("nobody", "login", "refused"),
        ("ana.officer", "login", "refused"),
        ("ana.officer", "login", "refused"),
        ("ana.officer", "login", "allowed"),
        ("ana.officer", "logout", "allowed"),
        ("root.admin", "user_role_set", "allowed"),
        ("root.admin", "user_disabled", "allowed"),
    ]
    reasons = [details for _, action, _, details in _entries(docket) if action == "login"]
    assert reasons == [
        '{"reason":"unknown_user"}',
        '{"reason":"wrong_password"}',
        '{"reason":"no_code"}',
        "{}",
    ]
    report = verify(SqlAuditStore(docket.engine))
    assert report.is_ok, report.problems
    assert report.access_entries == 8


def test_a_lockout_is_logged(docket):
    a_user(docket)
    for _ in range(5):
        _try(docket, "ana.officer", "wrong-password-1")
    assert _entries(docket)[-1][1] == "account_locked"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE access_log SET outcome = 'allowed' WHERE seq = 2",
        "DELETE FROM access_log WHERE seq = 2",
        "DELETE FROM access_log WHERE seq = 3",
    ],
    ids=["edited", "deleted in the middle", "deleted at the end"],
)
def test_a_tampered_access_log_is_detected(docket, statement):
    a_user(docket, role=Role.ANALYST)
    _try(docket, "ana.officer", "wrong-password-1")
    _try(docket, "ana.officer", "wrong-password-2")
    tamper(docket.engine, statement)
    report = verify(SqlAuditStore(docket.engine))
    assert not report.is_ok
    assert report.problems[0].startswith("access chain:")


def test_the_access_log_is_append_only_in_the_database(docket):
    a_user(docket, role=Role.ANALYST)
    for statement in ("UPDATE access_log SET actor = 'x'", "DELETE FROM access_log"):
        with pytest.raises(sa.exc.DatabaseError), docket.engine.begin() as connection:
            connection.execute(sa.text(statement))
