"""A user changes their own password, giving the current one; every session of theirs ends.
A wrong current password counts towards the lockout; a refused change changes nothing. An
admin resets a user's password and one-time-code secret."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from docket.errors import InvalidInput, LoginRefused, NotFound, SessionInvalid
from docket.identity import totp
from docket.identity.model import Role
from docket.identity.service import disable_user, reset_credentials
from docket.identity.sessions import authenticate, change_password, login, logout
from tests.identity.builders import PASSWORD, a_user

NEW = "harbour-violet-37-quill"


@pytest.fixture
def officer(docket):
    return a_user(docket, field_office="hou")


def _login(docket, made, password=PASSWORD):
    docket.clock.advance(seconds=31)  # each one-time code works once
    code = totp.code_at(made.totp_secret, docket.clock.now())
    return login(
        users=docket.users,
        clock=docket.clock,
        username=made.user.username,
        password=password,
        code=code,
    )


def _change(docket, token, current=PASSWORD, new=NEW):
    change_password(
        users=docket.users,
        clock=docket.clock,
        token=token,
        current_password=current,
        new_password=new,
        source="10.0.0.7",
    )


def _log(docket):
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT actor, action, outcome, source FROM access_log ORDER BY seq")
        )
        return [tuple(row) for row in rows]


def _still_in(docket, token) -> bool:
    try:
        authenticate(users=docket.users, clock=docket.clock, token=token)
    except SessionInvalid:
        return False
    return True


def test_a_changed_password_is_the_one_that_logs_in_and_every_session_ends(docket, officer):
    token, other = _login(docket, officer), _login(docket, officer)
    _change(docket, token)
    assert not _still_in(docket, token)
    assert not _still_in(docket, other)
    with pytest.raises(LoginRefused):
        _login(docket, officer, password=PASSWORD)
    assert _still_in(docket, _login(docket, officer, password=NEW))
    assert ("ana.officer", "password_changed", "allowed", "10.0.0.7") in _log(docket)


def test_a_subject_changes_their_password_too(docket):
    made = a_user(docket, "sam.subject", Role.SUBJECT, field_office=None, person_id="P-1")
    token = login(users=docket.users, clock=docket.clock, username="sam.subject", password=PASSWORD)
    _change(docket, token)
    assert login(users=docket.users, clock=docket.clock, username="sam.subject", password=NEW)
    with pytest.raises(LoginRefused):
        login(users=docket.users, clock=docket.clock, username="sam.subject", password=PASSWORD)
    assert made.totp_secret is None


def test_a_wrong_current_password_changes_nothing_and_is_logged(docket, officer):
    token = _login(docket, officer)
    before = len(_log(docket))
    with pytest.raises(InvalidInput) as refused:
        _change(docket, token, current="not-my-password-9")
    assert refused.value.details == {"field": "current_password"}
    assert _still_in(docket, token)
    assert _log(docket)[before:] == [("ana.officer", "password_changed", "refused", "10.0.0.7")]
    assert _still_in(docket, _login(docket, officer, password=PASSWORD))


def test_wrong_current_passwords_lock_the_account_as_failed_logins_do(docket, officer):
    token = _login(docket, officer)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            _change(docket, token, current="not-my-password-9")
    with pytest.raises(LoginRefused):  # locked: the right password is refused too
        _login(docket, officer, password=PASSWORD)
    assert ("ana.officer", "account_locked", "allowed", "") in _log(docket)


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("short-1", "must be at least 12 characters"),
        ("password1234", "is too common; choose another"),
        ("ana.officer", "must be at least 12 characters"),
        (PASSWORD, None),
    ],
)
def test_a_new_password_that_breaks_the_policy_is_refused_and_nothing_changes(
    docket, officer, new, reason
):
    token = _login(docket, officer)
    before = _log(docket)
    with pytest.raises(InvalidInput) as refused:
        _change(docket, token, new=new)
    assert refused.value.details["field"] == "new_password"
    if reason is not None:
        assert refused.value.details["reason"] == reason
    else:
        assert "is the current password given" in str(refused.value)
    assert _log(docket) == before
    assert _still_in(docket, token)


@pytest.mark.parametrize("current", [PASSWORD, "not-my-password-9"])
def test_a_refused_new_password_tells_nothing_of_the_current_one(docket, officer, current):
    """The same answer whether the current password given is right or not, and nothing is
    counted or logged: the new one is judged first, without the stored password."""
    token = _login(docket, officer)
    before = _log(docket)
    for new in ("short-1", current):
        with pytest.raises(InvalidInput) as refused:
            _change(docket, token, current=current, new=new)
        assert refused.value.details["field"] == "new_password"
    assert _log(docket) == before


def test_while_locked_not_even_the_right_password_is_taken(docket, officer):
    token = _login(docket, officer)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            _change(docket, token, current="not-my-password-9")
    before = len(_log(docket))
    with pytest.raises(InvalidInput) as refused:
        _change(docket, token)  # the right current password, while locked
    assert refused.value.details == {"field": "current_password", "rule": "account_locked"}
    assert _log(docket)[before:] == [("ana.officer", "password_changed", "refused", "10.0.0.7")]
    docket.clock.advance(minutes=31)  # the lock is over (and this session too, idle)
    _change(docket, _login(docket, officer))
    assert _still_in(docket, _login(docket, officer, password=NEW))


def test_a_change_clears_the_failures_that_came_before_it(docket, officer):
    token = _login(docket, officer)
    for _ in range(4):
        with pytest.raises(InvalidInput):
            _change(docket, token, current="not-my-password-9")
    _change(docket, token)
    with pytest.raises(LoginRefused):  # a fifth failure, but the count started again
        _login(docket, officer, password="wrong-password-1")
    assert _still_in(docket, _login(docket, officer, password=NEW))


def test_an_ended_session_changes_no_password(docket, officer):
    token = _login(docket, officer)
    logout(users=docket.users, clock=docket.clock, token=token)
    with pytest.raises(SessionInvalid):
        _change(docket, token)
    assert _still_in(docket, _login(docket, officer, password=PASSWORD))


def _reset(docket, username):
    return reset_credentials(
        users=docket.users, clock=docket.clock, actor="root.admin", username=username
    )


def test_a_reset_gives_a_new_password_and_one_time_code_secret_and_ends_every_session(
    docket, officer
):
    token = _login(docket, officer)
    made = _reset(docket, "Ana.Officer")
    assert made.password != PASSWORD
    assert made.totp_secret not in (None, officer.totp_secret)
    assert made.totp_uri is not None
    assert not _still_in(docket, token)
    with pytest.raises(LoginRefused):
        _login(docket, officer, password=PASSWORD)
    with pytest.raises(LoginRefused):  # the old authenticator's code no longer works
        _login(docket, officer, password=made.password)
    assert _still_in(docket, _login(docket, made, password=made.password))
    assert ("root.admin", "credentials_reset", "allowed", "") in _log(docket)


def test_a_reset_ends_a_lockout_and_leaves_a_disabled_user_disabled(docket, officer):
    for _ in range(5):
        with pytest.raises(LoginRefused):
            _login(docket, officer, password="wrong-password-1")
    made = _reset(docket, "ana.officer")
    assert _still_in(docket, _login(docket, made, password=made.password))
    subject = a_user(docket, "sam.subject", Role.SUBJECT, field_office=None, person_id="P-1")
    disabled = disable_user(
        users=docket.users, clock=docket.clock, actor="root.admin", username="sam.subject"
    )
    again = _reset(docket, "sam.subject")
    assert (again.user.disabled, again.totp_secret) == (True, None)
    assert disabled.version < again.user.version
    with pytest.raises(LoginRefused):
        login(
            users=docket.users, clock=docket.clock, username="sam.subject", password=again.password
        )
    assert subject.user.user_id == again.user.user_id


def test_resetting_nobody_changes_nothing(docket, officer):
    before = _log(docket)
    with pytest.raises(NotFound):
        _reset(docket, "nobody.here")
    assert _log(docket) == before
