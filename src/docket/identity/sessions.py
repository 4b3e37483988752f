"""Use cases: log in, check a session on every request, log out, change one's password.

A login failure is always the same :class:`~docket.errors.LoginRefused`, and costs the same
password verification whether or not the user exists. Five failures within 15 minutes lock the
account for 30. Staff must also give a one-time code, and each code works once. A session ends
after 15 minutes idle or 12 hours in all, at logout, and as soon as its user is disabled or
changed (checked on the next request). Each login deletes the failed logins and sessions
that no longer count (:func:`_forget_stale`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import secrets

from docket.audit.access import AccessEntry, Outcome
from docket.cases.ports import Clock
from docket.errors import InvalidInput, LoginRefused, SessionInvalid
from docket.identity import passwords, totp
from docket.identity.model import (
    LOCKOUT_FAILURES,
    LOCKOUT_FOR,
    LOCKOUT_WINDOW,
    SESSION_IDLE,
    SESSION_MAX,
    SESSION_TOUCH,
    Session,
    User,
)
from docket.identity.ports import UserStore, UserTransaction
from docket.identity.service import USERNAME, user_entry

_MINUTE = dt.timedelta(minutes=1)


def login(
    *,
    users: UserStore,
    clock: Clock,
    username: str,
    password: str,
    code: str | None = None,
    source: str = "",
) -> str:
    """A new session token for ``username``, or :class:`LoginRefused` (always the same). The
    access log records each attempt with its true reason, for the auditors."""
    now = clock.now()
    username = username.strip().lower()
    # A name no user can have (lower-casing may even lengthen it past the column: "İ" becomes
    # two characters) is an unknown user, and its failures count towards no lockout.
    possible = USERNAME.fullmatch(username) is not None
    # The password is verified before the write transaction, in every case (so every refusal
    # costs the same): an Argon2 verification takes a while, and SQLite's write lock, or the
    # user's row, held meanwhile would hold up every other write behind each login attempt.
    with users.reading() as tx:
        seen = tx.user_by_username(username) if possible else None
    if seen is None:
        passwords.spend_a_verification(password)
        seen_hash, password_ok = None, False
    else:
        seen_hash = seen.password_hash
        password_ok = passwords.password_matches(seen_hash, password)
    with users.transaction() as tx:
        # Again, locked: logins of one user count their failures one after the other.
        user = tx.user_by_username(username) if seen_hash is not None else None
        _forget_stale(tx, now)
        if user is None:
            accepted, reason = None, "unknown_user"
        else:
            if user.password_hash != seen_hash:  # changed in between
                password_ok = passwords.password_matches(user.password_hash, password)
            accepted, reason = _check_credentials(user, password_ok, code, now)
        outcome = Outcome.REFUSED if accepted is None else Outcome.ALLOWED
        tx.record_access(
            AccessEntry(
                at=now,
                actor=username,
                action="login",
                record_type="user",
                record_id=user.user_id if user else "",
                outcome=outcome,
                source=source,
                details={"reason": reason} if reason else {},
            )
        )
        if accepted is None:
            if possible:
                _count_failure(tx, username, user, now)
        else:
            assert user is not None
            tx.clear_login_failures(username)
            tx.save_user(dataclasses.replace(user, locked_until=None, last_totp_step=accepted))
            token = secrets.token_urlsafe(32)
            tx.add_session(
                Session(
                    token_hash=_token_hash(token),
                    user_id=user.user_id,
                    user_version=user.version,
                    created_at=now,
                    last_seen_at=now,
                )
            )
            return token
    raise LoginRefused()  # after the block, so the failure is committed


def authenticate(*, users: UserStore, clock: Clock, token: str) -> User:
    """The user of the session ``token``, whose idle time starts again; :class:`SessionInvalid`
    if the session is unknown, ended, expired, or its user disabled or changed since."""
    now = clock.now()
    token_hash = _token_hash(token)
    with users.reading() as tx:  # most requests: a valid session, used a moment ago
        found = tx.session_and_user(token_hash)
    if found is not None:
        seen, known = found
        if now - seen.last_seen_at < SESSION_TOUCH and _still_valid(seen, known, now):
            return known
    with users.transaction() as tx:
        session = tx.session(token_hash)
        user = tx.user(session.user_id) if session else None
        if session is not None and user is not None and _still_valid(session, user, now):
            tx.save_session(dataclasses.replace(session, last_seen_at=now))
            return user
        if session is not None:
            tx.end_session(token_hash)
    raise SessionInvalid()  # after the block, so the ended session stays ended


def logout(*, users: UserStore, clock: Clock, token: str, source: str = "") -> None:
    """End the session ``token``; :class:`SessionInvalid` if it is no session (any more): one
    unknown, ended, expired, or whose user was disabled or changed since, as for any other
    request (such a session is ended, and no logout is logged in its user's name)."""
    token_hash = _token_hash(token)
    with users.transaction() as tx:
        session = tx.session(token_hash)
        user = tx.user(session.user_id) if session else None
        if session is not None:
            tx.end_session(token_hash)
        if session is not None and user is not None and _still_valid(session, user, clock.now()):
            tx.record_access(user_entry(clock, user.username, "logout", user, source))
            return
    raise SessionInvalid()  # after the block, so the ended session stays ended


def change_password(
    *,
    users: UserStore,
    clock: Clock,
    token: str,
    current_password: str,
    new_password: str,
    source: str = "",
) -> None:
    """Change the password of the user of session ``token``, who gives the current one. Every
    session of theirs ends, this one too: they log in again with the new password.

    :class:`InvalidInput` on ``new_password`` if it fails the password policy or is the
    current password as given (checked first, without the stored password, so that no answer
    tells whether a guess was right), once the session is known valid; :class:`SessionInvalid`
    as for any request, before anything else;
    :class:`InvalidInput` on ``current_password`` while the account is locked (nothing is
    verified then) or if it is not theirs, which counts as a failed login towards the lockout:
    an open session is no way round the lockout. The access log records the change, or the
    refusal with its reason."""
    # The session first: a caller without one learns nothing of what they sent (401, as for
    # a new password too short).
    user = authenticate(users=users, clock=clock, token=token)
    if new_password == current_password:
        raise InvalidInput(
            "new_password is the current password given", details={"field": "new_password"}
        )
    passwords.check_password_policy(new_password, username=user.username, field="new_password")
    now = clock.now()
    locked = _locked(user, now)
    # Argon2 outside the write transaction (as at login), and not at all while locked.
    current_ok = not locked and passwords.password_matches(user.password_hash, current_password)
    new_hash = passwords.hash_password(new_password) if current_ok else ""
    with users.transaction() as tx:  # again, locked: logged out, disabled or changed meanwhile?
        session = tx.session(_token_hash(token))
        found = tx.user(user.user_id)
        if session is None or found is None or not _still_valid(session, found, now):
            raise SessionInvalid()
        locked = _locked(found, now)
        entry = user_entry(clock, found.username, "password_changed", found, source)
        if current_ok and not locked:
            tx.save_user(
                dataclasses.replace(found, password_hash=new_hash, version=found.version + 1)
            )
            tx.clear_login_failures(found.username)
            tx.record_access(entry)
            return
        reason = "locked" if locked else "wrong_password"
        details = {**entry.details, "reason": reason}
        tx.record_access(dataclasses.replace(entry, outcome=Outcome.REFUSED, details=details))
        if not locked:
            _count_failure(tx, found.username, found, now)
    # After the block, so the refusal and the failure are committed.
    if locked:
        raise InvalidInput(
            "the account is locked after failed attempts: try again later",
            details={"field": "current_password", "rule": "account_locked"},
        )
    raise InvalidInput(
        "current_password is not your password", details={"field": "current_password"}
    )


def _locked(user: User, now: dt.datetime) -> bool:
    return user.locked_until is not None and now < user.locked_until


def _still_valid(session: Session, user: User, now: dt.datetime) -> bool:
    return not user.disabled and user.version == session.user_version and not session.expired(now)


def _check_credentials(
    user: User, password_ok: bool, code: str | None, now: dt.datetime
) -> tuple[int | None, str]:
    """The accepted code's time step (the last one, for non-staff) if the login may go ahead,
    else ``None``, with the reason of a refusal; ``password_ok``: whether the password given
    is the user's (verified beforehand in every case, so every refusal costs the same)."""
    if user.disabled:
        return None, "disabled"
    if _locked(user, now):
        return None, "locked"
    if not password_ok:
        return None, "wrong_password"
    if not user.is_staff:
        return user.last_totp_step, ""
    if user.totp_secret is None or not code:
        return None, "no_code"
    step = totp.accepted_step(
        user.totp_secret, code.strip(), at=now, after_step=user.last_totp_step
    )
    return step, "" if step is not None else "wrong_code"


def _count_failure(tx: UserTransaction, username: str, user: User | None, now: dt.datetime) -> None:
    tx.add_login_failure(username, now)
    if user is None or _locked(user, now):
        return
    if tx.login_failures_since(username, now - LOCKOUT_WINDOW) >= LOCKOUT_FAILURES:
        tx.save_user(dataclasses.replace(user, locked_until=now + LOCKOUT_FOR))
        tx.record_access(
            AccessEntry(
                at=now,
                actor=username,
                action="account_locked",
                record_type="user",
                record_id=user.user_id,
                outcome=Outcome.ALLOWED,
                details={"failures": LOCKOUT_FAILURES, "minutes": LOCKOUT_FOR // _MINUTE},
            )
        )


def _forget_stale(tx: UserTransaction, now: dt.datetime) -> None:
    """Every login deletes what no longer counts for anything: failed logins older than the
    lockout window (a name typed at a login may be a password typed in the wrong field) and
    sessions that have expired, ended by time or never to be used again since their user was
    disabled or changed (each idles out within :data:`SESSION_IDLE`). The attempts stay on the
    access log. Both tables so hold only what the last minutes left."""
    tx.forget_stale(
        failed_before=now - LOCKOUT_WINDOW,
        idle_before=now - SESSION_IDLE,
        begun_before=now - SESSION_MAX,
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
