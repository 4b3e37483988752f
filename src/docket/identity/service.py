"""Use cases: add, disable and re-role users; log in, check a session on every request, log out.

A login failure is always the same :class:`~docket.errors.LoginRefused`, and costs the same
password verification whether or not the user exists. Five failures within 15 minutes lock the
account for 30. Staff must also give a one-time code, and each code works once. A session ends
after 15 minutes idle or 12 hours in all, at logout, and as soon as its user is disabled or
changed (checked on the next request).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
import uuid

from docket.audit.access import AccessEntry, Outcome
from docket.cases.fields import LIMITS
from docket.cases.ports import Clock, UnitOfWork
from docket.cases.service import show_person
from docket.errors import InvalidInput, LoginRefused, NotFound, SessionInvalid
from docket.identity import passwords, totp
from docket.identity.model import (
    LOCKOUT_FAILURES,
    LOCKOUT_FOR,
    LOCKOUT_WINDOW,
    SESSION_TOUCH,
    STAFF_ROLES,
    Client,
    Role,
    Session,
    User,
    UserId,
)
from docket.identity.ports import UserStore, UserTransaction

_MINUTE = dt.timedelta(minutes=1)
_USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")


@dataclasses.dataclass(frozen=True)
class NewUser:
    """A user just added, with what they need to log in the first time (shown once)."""

    user: User
    password: str
    totp_secret: str | None
    totp_uri: str | None


def add_user(
    *,
    users: UserStore,
    clock: Clock,
    actor: str,
    username: str,
    role: Role,
    field_office: str | None = None,
    person_id: str | None = None,
    password: str | None = None,
    source: str = "",
    purpose: str = "",
) -> NewUser:
    """Add a user. Staff need a field office and get a one-time-code secret; a subject needs
    their person record. Without ``password`` a random one is made. ``source`` and ``purpose``
    (the request's, if any) go on the change's access-log entry, as in the functions below."""
    username = username.strip().lower()
    if not _USERNAME.fullmatch(username):
        raise InvalidInput(
            "username: 2 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            details={"field": "username"},
        )
    field_office = _check_scope(role, field_office, person_id)
    password = password if password is not None else secrets.token_urlsafe(18)
    passwords.check_password_policy(password, username=username)
    secret = totp.new_secret() if role in STAFF_ROLES else None
    user = User(
        user_id=UserId(uuid.uuid4().hex),
        username=username,
        role=role,
        field_office=field_office,
        person_id=person_id if role is Role.SUBJECT else None,
        password_hash=passwords.hash_password(password),
        totp_secret=secret,
        disabled=False,
        version=1,
    )
    with users.transaction() as tx:
        tx.add_user(user)
        details = {"role": role.value, "office": field_office}
        tx.record_access(
            _entry(clock, actor, "user_added", user, source, purpose=purpose, **details)
        )
    uri = totp.provisioning_uri(secret, username=username) if secret else None
    return NewUser(user=user, password=password, totp_secret=secret, totp_uri=uri)


def disable_user(
    *,
    users: UserStore,
    clock: Clock,
    actor: str,
    username: str,
    source: str = "",
    purpose: str = "",
) -> User:
    """Disable ``username``; their sessions end on their next request."""
    with users.transaction() as tx:
        user = _existing(tx, username)
        changed = dataclasses.replace(user, disabled=True, version=user.version + 1)
        tx.save_user(changed)
        tx.record_access(_entry(clock, actor, "user_disabled", user, source, purpose=purpose))
    return changed


def link_client(
    *,
    users: UserStore,
    cases: UnitOfWork,
    clock: Clock,
    actor: str,
    username: str,
    person_id: str,
    document_ref: str,
    source: str = "",
    purpose: str = "",
) -> Client:
    """Record that counsel ``username`` represents ``person_id`` (their notice of appearance is
    ``document_ref``): from their next request they may read that person's record and cases."""
    document_ref = document_ref.strip()
    if not document_ref:
        raise InvalidInput(
            "the notice of appearance (G-28 or EOIR-28) is required",
            details={"field": "document_ref"},
        )
    show_person(uow=cases, person_id=person_id)  # NotFound for no such person
    with users.transaction() as tx:
        user = _existing(tx, username)
        if user.role is not Role.COUNSEL:
            raise InvalidInput(
                f"{user.username} is {user.role.value}, not counsel", details={"field": "username"}
            )
        client = Client(
            person_id=person_id, document_ref=document_ref, since=clock.now(), recorded_by=actor
        )
        tx.add_client(user.user_id, client)
        details = {"person_id": person_id, "document_ref": document_ref}
        tx.record_access(
            _entry(clock, actor, "client_linked", user, source, purpose=purpose, **details)
        )
    return client


def unlink_client(
    *,
    users: UserStore,
    clock: Clock,
    actor: str,
    username: str,
    person_id: str,
    source: str = "",
    purpose: str = "",
) -> None:
    """Counsel ``username`` no longer represents ``person_id``; from their next request they
    may not read that person's record."""
    with users.transaction() as tx:
        user = _existing(tx, username)
        if not tx.remove_client(user.user_id, person_id):
            raise NotFound(
                f"{user.username} does not represent {person_id}",
                details={"username": user.username, "person_id": person_id},
            )
        details = {"person_id": person_id}
        tx.record_access(
            _entry(clock, actor, "client_unlinked", user, source, purpose=purpose, **details)
        )


def clients_of(*, users: UserStore, user: User) -> frozenset[str]:
    """The person ids whose records ``user`` reads as their counsel (none for other roles)."""
    if user.role is not Role.COUNSEL:
        return frozenset()
    with users.reading() as tx:
        return tx.clients(user.user_id)


def set_role(
    *,
    users: UserStore,
    clock: Clock,
    actor: str,
    username: str,
    role: Role,
    field_office: str | None = None,
    source: str = "",
    purpose: str = "",
) -> User:
    """Give ``username`` a new role (and office); their sessions end on their next request."""
    with users.transaction() as tx:
        user = _existing(tx, username)
        if role in STAFF_ROLES and user.totp_secret is None:
            raise InvalidInput(
                f"{username} has no one-time-code secret: add a new staff user instead",
                details={"field": "role"},
            )
        field_office = _check_scope(role, field_office or user.field_office, user.person_id)
        changed = dataclasses.replace(
            user, role=role, field_office=field_office, version=user.version + 1
        )
        tx.save_user(changed)
        details = {"role": role.value, "office": field_office}
        tx.record_access(
            _entry(clock, actor, "user_role_set", user, source, purpose=purpose, **details)
        )
    return changed


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
    possible = _USERNAME.fullmatch(username) is not None
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
            tx.record_access(_entry(clock, user.username, "logout", user, source))
            return
    raise SessionInvalid()  # after the block, so the ended session stays ended


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
    if user.locked_until is not None and now < user.locked_until:
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
    if user is None or (user.locked_until is not None and now < user.locked_until):
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


def _check_scope(role: Role, field_office: str | None, person_id: str | None) -> str | None:
    if role in STAFF_ROLES:
        if not field_office or not field_office.strip():
            raise InvalidInput(
                f"the role {role.value} belongs to a field office",
                details={"field": "field_office"},
            )
        office = field_office.strip().upper()  # upper-casing may lengthen it: "ß" is "SS"
        if len(office) > LIMITS["field_office"]:
            raise InvalidInput(
                f"a field office is at most {LIMITS['field_office']} characters",
                details={"field": "field_office"},
            )
        return office
    if role is Role.SUBJECT and not person_id:
        raise InvalidInput("a subject user needs their person id", details={"field": "person_id"})
    return None


def _entry(
    clock: Clock,
    actor: str,
    action: str,
    user: User,
    source: str,
    *,
    purpose: str = "",
    **details: str | None,
) -> AccessEntry:
    return AccessEntry(
        at=clock.now(),
        actor=actor,
        action=action,
        record_type="user",
        record_id=user.user_id,
        outcome=Outcome.ALLOWED,
        purpose=purpose,
        source=source,
        details={"username": user.username, **{k: v for k, v in details.items() if v}},
    )


def _existing(tx: UserTransaction, username: str) -> User:
    user = tx.user_by_username(username.strip().lower())
    if user is None:
        raise NotFound(f"no user {username!r}", details={"username": username})
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
