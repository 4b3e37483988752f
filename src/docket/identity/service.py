"""Use cases: add users, disable them, change their roles, link counsel to their clients.
Logging in and sessions are in ``sessions.py``."""

from __future__ import annotations

import dataclasses
import re
import secrets
import uuid

from docket.audit.access import AccessEntry, Outcome
from docket.cases.fields import LIMITS, check_length, storable
from docket.cases.ports import Clock, UnitOfWork
from docket.cases.service import show_person
from docket.errors import Conflict, InvalidInput, NotFound
from docket.identity import passwords, totp
from docket.identity.model import (
    STAFF_ROLES,
    Client,
    Role,
    User,
    UserId,
)
from docket.identity.policy import EVERY_OFFICE
from docket.identity.ports import UserStore, UserTransaction

USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,63}")
"""What a username may be (lower case); a login name that is not one is no user's."""

PERSON_ID_LENGTH = 64
"""The longest a person id is (the stored column's width)."""


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
    cases: UnitOfWork | None = None,
) -> NewUser:
    """Add a user. Staff need a field office and get a one-time-code secret; a subject needs
    their person record, which must be on record when ``cases`` is given. Without ``password``
    a random one is made. ``source`` and ``purpose`` (the request's, if any) go on the change's
    access-log entry, as in the functions below."""
    username = username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise InvalidInput(
            "username: 2 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit",
            details={"field": "username"},
        )
    field_office = _check_scope(role, field_office, person_id)
    if role is not Role.SUBJECT and person_id is not None and person_id.strip():
        raise InvalidInput(
            f"the role {role.value} has no person record of its own; only a subject has",
            details={"field": "person_id"},
        )
    if role is Role.SUBJECT and person_id:
        _check_text(person_id, "person_id", limit=PERSON_ID_LENGTH)
    if role is Role.SUBJECT and person_id and cases is not None:
        try:
            show_person(uow=cases, person_id=person_id)
        except NotFound:
            raise InvalidInput(
                f"person_id: no person {person_id} is on record", details={"field": "person_id"}
            ) from None
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
        # Failed logins under this name from before it was anyone's (guesses at a name about
        # to be given) are no failures of the new user's: they would lock them at their first.
        tx.clear_login_failures(username)
        details = {"role": role.value, "office": field_office}
        tx.record_access(
            user_entry(clock, actor, "user_added", user, source, purpose=purpose, **details)
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
    """Disable ``username``; their sessions end on their next request. :class:`Conflict` for
    the last admin not disabled (no one could manage users over the API any more)."""
    with users.transaction() as tx:
        admins = tx.enabled_admins()  # before the user's row: every such change locks in order
        user = _existing(tx, username)
        _keep_an_admin(user, admins, "disabling them")
        changed = dataclasses.replace(user, disabled=True, version=user.version + 1)
        tx.save_user(changed)
        tx.record_access(user_entry(clock, actor, "user_disabled", user, source, purpose=purpose))
    return changed


def reset_credentials(
    *,
    users: UserStore,
    clock: Clock,
    actor: str,
    username: str,
    source: str = "",
    purpose: str = "",
) -> NewUser:
    """Give ``username`` a new random password and, for staff, a new one-time-code secret
    (shown once, as when the user was added): for a forgotten password or a lost
    authenticator. Their sessions end on their next request, and a lockout ends now; a
    disabled user stays disabled."""
    password = secrets.token_urlsafe(18)
    password_hash = passwords.hash_password(password)  # Argon2, before the write transaction
    with users.transaction() as tx:
        user = _existing(tx, username)
        secret = totp.new_secret() if user.is_staff else None
        changed = dataclasses.replace(
            user,
            password_hash=password_hash,
            totp_secret=secret,
            locked_until=None,
            last_totp_step=0,
            version=user.version + 1,
        )
        tx.save_user(changed)
        tx.clear_login_failures(user.username)
        tx.record_access(
            user_entry(clock, actor, "credentials_reset", user, source, purpose=purpose)
        )
    uri = totp.provisioning_uri(secret, username=user.username) if secret else None
    return NewUser(user=changed, password=password, totp_secret=secret, totp_uri=uri)


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
    _check_text(document_ref, "document_ref")
    check_length("document_ref", document_ref)
    _check_text(person_id, "person_id")
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
            user_entry(clock, actor, "client_linked", user, source, purpose=purpose, **details)
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
    _check_text(person_id, "person_id")
    with users.transaction() as tx:
        user = _existing(tx, username)
        if not tx.remove_client(user.user_id, person_id):
            raise NotFound(
                f"{user.username} does not represent {person_id}",
                details={"username": user.username, "person_id": person_id},
            )
        details = {"person_id": person_id}
        tx.record_access(
            user_entry(clock, actor, "client_unlinked", user, source, purpose=purpose, **details)
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
    """Give ``username`` a new role (and office); their sessions end on their next request.
    :class:`Conflict` if they are the last admin not disabled and the role is another."""
    with users.transaction() as tx:
        admins = tx.enabled_admins()  # before the user's row, as in disable_user
        user = _existing(tx, username)
        if role is not Role.ADMIN:
            _keep_an_admin(user, admins, "giving them another role")
        if role in STAFF_ROLES and user.totp_secret is None:
            raise InvalidInput(
                f"{username} has no one-time-code secret: add a new staff user instead",
                details={"field": "role"},
            )
        if role is Role.SUBJECT and user.person_id is None:
            # A subject's person record is given when they are added; no role change names one.
            raise InvalidInput(
                f"{username} has no person record of their own: add a new subject user with "
                "their person id instead",
                details={"field": "role"},
            )
        if role in STAFF_ROLES:  # a staff user keeps their office unless given another
            field_office = field_office or user.field_office
        field_office = _check_scope(role, field_office, user.person_id)
        changed = dataclasses.replace(
            user, role=role, field_office=field_office, version=user.version + 1
        )
        tx.save_user(changed)
        details = {"role": role.value, "office": field_office}
        tx.record_access(
            user_entry(clock, actor, "user_role_set", user, source, purpose=purpose, **details)
        )
    return changed


def _check_scope(role: Role, field_office: str | None, person_id: str | None) -> str | None:
    if role in STAFF_ROLES:
        if not field_office or not field_office.strip():
            raise InvalidInput(
                f"the role {role.value} belongs to a field office",
                details={"field": "field_office"},
            )
        _check_text(field_office, "field_office")
        office = field_office.strip().upper()  # upper-casing may lengthen it: "ß" is "SS"
        if office == EVERY_OFFICE:  # a record of every office is no one's own office's
            raise InvalidInput(
                f"{EVERY_OFFICE!r} stands for every office, and is no one's field office",
                details={"field": "field_office"},
            )
        if len(office) > LIMITS["field_office"]:
            raise InvalidInput(
                f"a field office is at most {LIMITS['field_office']} characters",
                details={"field": "field_office"},
            )
        return office
    if field_office is not None and field_office.strip():
        # Kept nowhere, and so no scope: said back as an error, not silently dropped.
        raise InvalidInput(
            f"the role {role.value} belongs to no field office", details={"field": "field_office"}
        )
    if role is Role.SUBJECT and not person_id:
        raise InvalidInput("a subject user needs their person id", details={"field": "person_id"})
    return None


def user_entry(
    clock: Clock,
    actor: str,
    action: str,
    user: User,
    source: str,
    *,
    purpose: str = "",
    **details: str | None,
) -> AccessEntry:
    """The access log's entry for ``action`` by ``actor`` on ``user``'s account."""
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


def _check_text(value: str, field: str, *, limit: int | None = None) -> None:
    """Refuse text no database column holds (a NUL, or a lone surrogate: what a command-line
    argument that is not UTF-8 becomes), or longer than ``limit``; :class:`InvalidInput` on
    ``field``."""
    if not storable(value):
        raise InvalidInput(f"{field}: not valid text", details={"field": field})
    if limit is not None and len(value) > limit:
        raise InvalidInput(
            f"{field}: at most {limit} characters ({len(value)} given)", details={"field": field}
        )


def _keep_an_admin(user: User, admins: frozenset[UserId], change: str) -> None:
    """:class:`Conflict` if ``user`` is the only one of ``admins`` (those not disabled)."""
    if admins == {user.user_id}:
        raise Conflict(
            f"{user.username} is the last admin: add another before {change}",
            details={"username": user.username, "rule": "last_admin"},
        )


def _existing(tx: UserTransaction, username: str) -> User:
    name = username.strip().lower()
    # A name no user can have is looked up nowhere (it may not even be text a database takes).
    user = tx.user_by_username(name) if USERNAME.fullmatch(name) else None
    if user is None:
        raise NotFound(f"no user {username!r}", details={"username": username})
    return user
