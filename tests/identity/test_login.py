"""Logins and sessions through real storage: the same refusal for every failure, lockout,
one-time codes for staff, idle and absolute expiry, and revocation on the next request."""

from __future__ import annotations

import contextlib
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from docket.errors import Conflict, InvalidInput, LoginRefused, NotFound, SessionInvalid
from docket.identity import passwords, totp
from docket.identity.model import Role
from docket.identity.service import add_user, disable_user, set_role
from docket.identity.sessions import authenticate, login, logout
from docket.storage.users import SqlUserTransaction
from tests.identity.builders import PASSWORD, a_user


@pytest.fixture
def officer(docket):
    return a_user(docket, field_office="hou")


def _code(docket, made):
    return totp.code_at(made.totp_secret, docket.clock.now())


def _login(docket, made, password=PASSWORD, code=None):
    return login(
        users=docket.users,
        clock=docket.clock,
        username=made.user.username,
        password=password,
        code=code if code is not None else _code(docket, made),
    )


def _refusal(docket, **credentials):
    with pytest.raises(LoginRefused) as refused:
        login(users=docket.users, clock=docket.clock, **credentials)
    return refused.value.code, refused.value.message, refused.value.details


def test_a_staff_user_logs_in_with_password_and_code_and_the_session_names_them(docket, officer):
    token = _login(docket, officer)
    user = authenticate(users=docket.users, clock=docket.clock, token=token)
    assert (user.username, user.role, user.field_office) == ("ana.officer", Role.OFFICER, "HOU")


def test_staff_cannot_log_in_without_a_one_time_code(docket, officer):
    _refusal(docket, username="ana.officer", password=PASSWORD, code=None)
    _refusal(docket, username="ana.officer", password=PASSWORD, code="000000")


def test_a_one_time_code_works_once(docket, officer):
    code = _code(docket, officer)
    _login(docket, officer, code=code)
    _refusal(docket, username="ana.officer", password=PASSWORD, code=code)


def test_an_unknown_user_and_a_wrong_password_get_the_same_refusal(docket, officer):
    unknown = _refusal(docket, username="nobody.here", password=PASSWORD, code="123456")
    wrong = _refusal(
        docket, username="ana.officer", password="wrong-password-1", code=_code(docket, officer)
    )
    assert unknown == wrong


def _nothing_locked(docket, username):
    """Whether another connection could start writing now, without waiting: on SQLite take
    the database's write lock, on PostgreSQL the user's row."""
    if docket.engine.dialect.name == "sqlite":
        other = sqlite3.connect(docket.engine.url.database, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()
    with docket.engine.connect() as other:
        try:
            other.execute(
                sa.text("SELECT 1 FROM users WHERE username = :name FOR UPDATE NOWAIT"),
                {"name": username},
            )
            return True
        except sa.exc.OperationalError:
            return False


@pytest.mark.parametrize("password", [PASSWORD, "wrong-password-1"], ids=["right", "wrong"])
def test_the_password_is_verified_while_no_write_lock_is_held(
    docket, officer, monkeypatch, password
):
    # An Argon2 verification takes a while: holding SQLite's write lock (or the user's row)
    # meanwhile would make every login, even for no user, hold up every other write.
    verify = passwords.password_matches
    free_while_verifying = []

    def verify_and_look(password_hash, given):
        free_while_verifying.append(_nothing_locked(docket, "ana.officer"))
        return verify(password_hash, given)

    monkeypatch.setattr(passwords, "password_matches", verify_and_look)
    with contextlib.suppress(LoginRefused):
        _login(docket, officer, password=password)
    assert free_while_verifying == [True]


def test_five_failures_in_fifteen_minutes_lock_the_account_for_thirty(docket, officer):
    for _ in range(5):
        _refusal(docket, username="ana.officer", password="wrong-password-1", code="1")
        docket.clock.advance(minutes=2)
    # Locked now: even the right password and code are refused, with the same refusal.
    locked = _refusal(
        docket, username="ana.officer", password=PASSWORD, code=_code(docket, officer)
    )
    assert locked == _refusal(docket, username="nobody.here", password=PASSWORD, code="1")
    docket.clock.advance(minutes=31)
    assert _login(docket, officer)


def test_failures_spread_beyond_fifteen_minutes_do_not_lock(docket, officer):
    for _ in range(5):
        _refusal(docket, username="ana.officer", password="wrong-password-1", code="1")
        docket.clock.advance(minutes=4)
    assert _login(docket, officer)


def test_a_session_expires_after_fifteen_idle_minutes(docket, officer):
    token = _login(docket, officer)
    docket.clock.advance(minutes=14)
    authenticate(users=docket.users, clock=docket.clock, token=token)  # starts the idle time again
    docket.clock.advance(minutes=14)
    authenticate(users=docket.users, clock=docket.clock, token=token)
    docket.clock.advance(minutes=15)
    with pytest.raises(SessionInvalid):
        authenticate(users=docket.users, clock=docket.clock, token=token)


def _last_seen(docket):
    with docket.engine.connect() as connection:
        return connection.execute(sa.text("SELECT last_seen_at FROM sessions")).scalar_one()


def test_a_session_in_use_is_written_down_at_most_once_a_minute(docket, officer):
    token = _login(docket, officer)
    first = _last_seen(docket)
    docket.clock.advance(seconds=59)
    authenticate(users=docket.users, clock=docket.clock, token=token)
    assert _last_seen(docket) == first  # a read-only request wrote nothing
    docket.clock.advance(seconds=1)
    authenticate(users=docket.users, clock=docket.clock, token=token)
    assert _last_seen(docket) > first
    # The idle time counts from the last use written down.
    docket.clock.advance(minutes=14, seconds=59)
    authenticate(users=docket.users, clock=docket.clock, token=token)
    docket.clock.advance(minutes=15)
    with pytest.raises(SessionInvalid):
        authenticate(users=docket.users, clock=docket.clock, token=token)


def test_no_session_outlives_twelve_hours_however_active(docket, officer):
    token = _login(docket, officer)
    for _ in range(71):  # 11 h 50 min of activity every 10 minutes
        docket.clock.advance(minutes=10)
        authenticate(users=docket.users, clock=docket.clock, token=token)
    docket.clock.advance(minutes=10)
    with pytest.raises(SessionInvalid):
        authenticate(users=docket.users, clock=docket.clock, token=token)


@pytest.mark.parametrize(
    "revoke",
    [
        lambda docket, token: logout(users=docket.users, clock=docket.clock, token=token),
        lambda docket, token: disable_user(
            users=docket.users, clock=docket.clock, actor="admin.test", username="ana.officer"
        ),
        lambda docket, token: set_role(
            users=docket.users,
            clock=docket.clock,
            actor="admin.test",
            username="ana.officer",
            role=Role.SUPERVISOR,
        ),
    ],
    ids=["logout", "disabled", "role changed"],
)
def test_revocation_takes_effect_on_the_next_request(docket, officer, revoke):
    token = _login(docket, officer)
    revoke(docket, token)
    with pytest.raises(SessionInvalid):
        authenticate(users=docket.users, clock=docket.clock, token=token)


@pytest.mark.parametrize(
    "end",
    [
        lambda docket: disable_user(
            users=docket.users, clock=docket.clock, actor="admin.test", username="ana.officer"
        ),
        lambda docket: set_role(
            users=docket.users,
            clock=docket.clock,
            actor="admin.test",
            username="ana.officer",
            role=Role.SUPERVISOR,
        ),
        lambda docket: docket.clock.advance(minutes=15),
    ],
    ids=["disabled", "role changed", "idle"],
)
def test_logging_out_of_a_session_that_has_ended_is_refused_and_logs_no_logout(
    docket, officer, end
):
    token = _login(docket, officer)
    end(docket)
    with pytest.raises(SessionInvalid):
        logout(users=docket.users, clock=docket.clock, token=token)
    with docket.engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM sessions")).scalar_one() == 0
        actions = connection.execute(sa.text("SELECT action FROM access_log")).scalars().all()
    assert "logout" not in actions


def test_a_disabled_user_cannot_log_in(docket, officer):
    disable_user(users=docket.users, clock=docket.clock, actor="admin.test", username="ana.officer")
    _refusal(docket, username="ana.officer", password=PASSWORD, code=_code(docket, officer))


def test_a_subject_logs_in_with_a_password_alone(docket):
    subject = a_user(docket, "maria.subject", Role.SUBJECT, field_office=None, person_id="p-1")
    assert subject.totp_secret is None
    assert subject.user.field_office is None
    token = login(
        users=docket.users, clock=docket.clock, username="maria.subject", password=PASSWORD
    )
    assert authenticate(users=docket.users, clock=docket.clock, token=token).person_id == "p-1"


def test_a_made_password_is_long_and_works(docket):
    made = a_user(docket, "lee.counsel", Role.COUNSEL, field_office=None, password=None)
    assert len(made.password) >= 20
    assert login(
        users=docket.users, clock=docket.clock, username="lee.counsel", password=made.password
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "Bad Name!"}, "username"),
        ({"field_office": None}, "field_office"),
        # 16 characters that upper-case to 32: wider than an office is (and than its column)
        ({"field_office": "ß" * 16}, "field_office"),
        ({"field_office": "N" * 17}, "field_office"),
        ({"role": Role.SUBJECT, "field_office": None}, "person_id"),
        ({"password": "password1234"}, "password"),
        # "*" scopes a record of every office: an office so named would be every office
        ({"field_office": " * "}, "field_office"),
        # what a command-line argument that is not UTF-8 becomes: no database takes it
        ({"field_office": "N\udcff"}, "field_office"),
        ({"field_office": "N\x00"}, "field_office"),
        ({"role": Role.SUBJECT, "field_office": None, "person_id": "p-\udcff"}, "person_id"),
        ({"role": Role.SUBJECT, "field_office": None, "person_id": "p" * 65}, "person_id"),
        # said, kept nowhere, and no scope of theirs: refused, not silently dropped
        ({"role": Role.SUBJECT, "person_id": "p-1"}, "field_office"),
        ({"role": Role.COUNSEL}, "field_office"),
        ({"person_id": "p-1"}, "person_id"),
    ],
)
def test_a_user_that_breaks_a_rule_is_refused_and_not_added(docket, changes, field):
    request = {
        "username": "new.user",
        "role": Role.OFFICER,
        "field_office": "NYC",
        "password": PASSWORD,
        **changes,
    }
    with pytest.raises(InvalidInput) as refused:
        add_user(users=docket.users, clock=docket.clock, actor="admin.test", **request)
    assert refused.value.details["field"] == field
    with pytest.raises(NotFound):
        disable_user(
            users=docket.users, clock=docket.clock, actor="admin.test", username=request["username"]
        )


def test_a_username_is_taken_once(docket, officer):
    with pytest.raises(Conflict):
        a_user(docket, "ANA.OFFICER", Role.ANALYST, field_office="NYC")


def test_a_username_taken_at_the_same_moment_elsewhere_is_a_conflict(docket, officer, monkeypatch):
    # A user another transaction is adding is invisible to the check before the insert (it
    # has not committed yet): the unique username still refuses the second, as a Conflict.
    monkeypatch.setattr(SqlUserTransaction, "user_by_username", lambda self, username: None)
    with pytest.raises(Conflict):
        a_user(docket, "ana.officer", Role.ANALYST, field_office="NYC")


@pytest.mark.parametrize("office", ["*", "N\udcff"])
def test_a_role_change_to_an_office_no_one_can_have_is_refused(docket, officer, office):
    with pytest.raises(InvalidInput) as refused:
        set_role(
            users=docket.users,
            clock=docket.clock,
            actor="admin.test",
            username="ana.officer",
            role=Role.SUPERVISOR,
            field_office=office,
        )
    assert refused.value.details["field"] == "field_office"
    assert _login(docket, officer)  # unchanged: the session it had would go on


def test_a_role_without_an_office_is_given_none_and_keeps_none(docket, officer):
    change = {"users": docket.users, "clock": docket.clock, "actor": "admin.test"}
    with pytest.raises(InvalidInput) as refused:
        set_role(**change, username="ana.officer", role=Role.COUNSEL, field_office="HOU")
    assert refused.value.details["field"] == "field_office"
    assert set_role(**change, username="ana.officer", role=Role.COUNSEL).field_office is None


def test_failures_under_a_name_before_it_was_anyones_do_not_lock_its_new_user(docket):
    for _ in range(5):  # guesses at a name about to be given
        _refusal(docket, username="ana.officer", password="wrong-password-1")
    officer = a_user(docket, field_office="hou")
    _refusal(docket, username="ana.officer", password="typo-password-1", code="1")
    assert _login(docket, officer)


def test_the_lockout_counts_a_failure_fifteen_minutes_old_and_ends_at_thirty(docket, officer):
    _refusal(docket, username="ana.officer", password="wrong-password-1")
    docket.clock.advance(minutes=15)  # the first failure is 15 minutes old: still counted
    for _ in range(4):
        _refusal(docket, username="ana.officer", password="wrong-password-1")
    docket.clock.advance(minutes=29, seconds=59)
    _refusal(docket, username="ana.officer", password=PASSWORD, code=_code(docket, officer))
    docket.clock.advance(seconds=1)  # 30 minutes after the lock
    assert _login(docket, officer)


def _at_once(count, attempt):
    start = threading.Barrier(count)
    outcomes = []

    def run():
        start.wait()
        try:
            outcomes.append(attempt())
        except LoginRefused as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_one_code_given_in_logins_at_the_same_moment_lets_one_in(docket, officer):
    code = _code(docket, officer)
    outcomes = _at_once(4, lambda: _login(docket, officer, code=code))
    assert sorted(o == "login_refused" for o in outcomes) == [False, True, True, True]


def test_failed_logins_at_the_same_moment_are_all_counted_and_lock_once(docket, officer):
    outcomes = _at_once(
        8, lambda: _login(docket, officer, password="wrong-password-1", code="000000")
    )
    assert outcomes == ["login_refused"] * 8
    with docket.engine.connect() as connection:
        failures = connection.execute(sa.text("SELECT count(*) FROM login_failures")).scalar()
        locks = connection.execute(
            sa.text("SELECT count(*) FROM access_log WHERE action = 'account_locked'")
        ).scalar()
    assert (failures, locks) == (8, 1)
    _refusal(docket, username="ana.officer", password=PASSWORD, code=_code(docket, officer))
