"""What no longer counts is not kept: each login deletes failed logins older than the lockout
window and sessions that have expired, of every user. The attempts stay on the access log."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from docket.errors import LoginRefused, SessionInvalid
from docket.identity import totp
from docket.identity.service import disable_user
from docket.identity.sessions import authenticate, login
from tests.identity.builders import PASSWORD, a_user


def _login(docket, made, password=PASSWORD):
    return login(
        users=docket.users,
        clock=docket.clock,
        username=made.user.username,
        password=password,
        code=totp.code_at(made.totp_secret, docket.clock.now()),
    )


def _fail(docket, username):
    with pytest.raises(LoginRefused):
        login(users=docket.users, clock=docket.clock, username=username, password="wrong-1")


def _rows(docket, table):
    with docket.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT * FROM {table}")).all()


def _failed_names(docket):
    return sorted(row.username for row in _rows(docket, "login_failures"))


def test_failed_logins_older_than_the_lockout_window_are_deleted_at_the_next_login(docket):
    ana = a_user(docket)
    _fail(docket, "ana.officer")
    _fail(docket, "my-password-typed-here")  # no one's name: kept only as long as any other
    docket.clock.advance(minutes=10)
    _fail(docket, "ana.officer")
    assert _failed_names(docket) == ["ana.officer", "ana.officer", "my-password-typed-here"]
    docket.clock.advance(minutes=6)  # the first two are 16 minutes old: they count no more
    _login(docket, ana)
    assert _failed_names(docket) == []  # ana's own are cleared by her login, as before
    attempts = [r for r in _rows(docket, "access_log") if r.action == "login"]
    assert [r.outcome for r in attempts] == ["refused", "refused", "refused", "allowed"]


def test_the_failures_within_the_window_are_kept_and_still_lock(docket):
    ana = a_user(docket)
    bo = a_user(docket, "bo.officer")
    for _ in range(4):
        _fail(docket, "ana.officer")
        docket.clock.advance(minutes=3)
    _login(docket, bo)  # someone else's login deletes nothing that still counts
    assert _failed_names(docket) == ["ana.officer"] * 4
    _fail(docket, "ana.officer")  # the fifth within fifteen minutes
    with pytest.raises(LoginRefused):
        _login(docket, ana)  # locked: the right password and code are refused


def _session_users(docket):
    names = {u.user_id: u.username for u in _rows(docket, "users")}
    return sorted(names[row.user_id] for row in _rows(docket, "sessions"))


def test_idle_sessions_of_every_user_are_deleted_at_the_next_login(docket):
    ana, bo, cy = a_user(docket), a_user(docket, "bo.officer"), a_user(docket, "cy.officer")
    in_use = _login(docket, bo)
    idle = _login(docket, ana)
    disabled = _login(docket, cy)
    disable_user(users=docket.users, clock=docket.clock, username="cy.officer", actor="root")
    docket.clock.advance(minutes=10)
    authenticate(users=docket.users, clock=docket.clock, token=in_use)
    docket.clock.advance(minutes=6)  # ana's and cy's have been idle for 16 minutes
    assert _session_users(docket) == ["ana.officer", "bo.officer", "cy.officer"]
    _login(docket, bo)  # any login will do
    assert _session_users(docket) == ["bo.officer", "bo.officer"]
    assert authenticate(users=docket.users, clock=docket.clock, token=in_use).username == (
        "bo.officer"
    )
    for token in (idle, disabled):
        with pytest.raises(SessionInvalid):
            authenticate(users=docket.users, clock=docket.clock, token=token)


def test_a_session_twelve_hours_old_is_deleted_at_the_next_login_however_active(docket):
    ana, dee = a_user(docket), a_user(docket, "dee.officer")
    long_lived = _login(docket, dee)
    for _ in range(71):  # in use every ten minutes until 11 h 50
        docket.clock.advance(minutes=10)
        authenticate(users=docket.users, clock=docket.clock, token=long_lived)
    docket.clock.advance(minutes=9, seconds=59)
    _login(docket, ana)
    assert _session_users(docket) == ["ana.officer", "dee.officer"]  # a second short of 12 h
    docket.clock.advance(seconds=30)  # past 12 h, and a new one-time code for ana
    _login(docket, ana)
    assert _session_users(docket) == ["ana.officer", "ana.officer"]
    with pytest.raises(SessionInvalid):
        authenticate(users=docket.users, clock=docket.clock, token=long_lived)
