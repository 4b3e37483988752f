"""Users, sessions and failed logins in SQL: the identity ports' implementation."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from docket.audit.access import AccessEntry
from docket.errors import Conflict
from docket.identity.model import Client, Role, Session, User, UserId
from docket.storage import driver
from docket.storage import schema as t
from docket.storage.access_log import append_access
from docket.storage.engine import WRITE_OPTION, brief_read
from docket.storage.rows import instant_text


def _instant(text: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def _user(row: Any) -> User:
    return User(
        user_id=UserId(row.user_id),
        username=row.username,
        role=Role(row.role),
        field_office=row.field_office,
        person_id=row.person_id,
        password_hash=row.password_hash,
        totp_secret=row.totp_secret,
        disabled=bool(row.disabled),
        version=int(row.version),
        locked_until=_instant(row.locked_until),
        last_totp_step=int(row.last_totp_step),
    )


def _session(row: Any) -> Session:
    return Session(
        token_hash=row.token_hash,
        user_id=UserId(row.user_id),
        user_version=int(row.user_version),
        created_at=dt.datetime.fromisoformat(row.created_at),
        last_seen_at=dt.datetime.fromisoformat(row.last_seen_at),
    )


_SESSION_USER_COLUMNS = (
    *(f"u.{column.name}" for column in t.users.columns),
    "s.token_hash",
    "s.user_version",
    "s.created_at",
    "s.last_seen_at",
)
_SessionAndUser = namedtuple(  # type: ignore[misc]
    "_SessionAndUser", [name.split(".")[1] for name in _SESSION_USER_COLUMNS]
)
_SESSION_AND_USER = driver.Statement.of(
    f"SELECT {', '.join(_SESSION_USER_COLUMNS)} FROM sessions s"  # noqa: S608 the schema's names
    " JOIN users u ON u.user_id = s.user_id WHERE s.token_hash = %s"
)
"""A session and its user in one round trip: every API request asks it (on the driver's
cursor: see :mod:`docket.storage.driver`)."""


def _user_values(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "username": user.username,
        "role": user.role.value,
        "field_office": user.field_office,
        "person_id": user.person_id,
        "password_hash": user.password_hash,
        "totp_secret": user.totp_secret,
        "disabled": user.disabled,
        "version": user.version,
        "locked_until": instant_text(user.locked_until) if user.locked_until else None,
        "last_totp_step": user.last_totp_step,
    }


class SqlUserTransaction:
    """User and session reads and writes in one transaction."""

    def __init__(self, connection: sa.Connection, *, lock: bool = True) -> None:
        self.connection = connection
        self.lock = lock

    def _one_user(self, query: sa.Select[Any]) -> User | None:
        # Locked for a writing transaction: two logins of one user count failures one after
        # the other.
        row = self.connection.execute(query.with_for_update() if self.lock else query).first()
        return _user(row) if row else None

    def user_by_username(self, username: str) -> User | None:
        return self._one_user(sa.select(t.users).where(t.users.c.username == username))

    def user(self, user_id: UserId) -> User | None:
        return self._one_user(sa.select(t.users).where(t.users.c.user_id == user_id))

    def add_user(self, user: User) -> None:
        taken = Conflict(f"user {user.username!r} exists", details={"username": user.username})
        if self.user_by_username(user.username) is not None:
            raise taken
        try:
            self.connection.execute(t.users.insert().values(**_user_values(user)))
        except sa.exc.IntegrityError as exc:
            # On PostgreSQL the check above cannot see a user another transaction is adding
            # at this moment (there is no row to lock yet); its unique username can.
            raise taken from exc

    def save_user(self, user: User) -> None:
        self.connection.execute(
            t.users.update().where(t.users.c.user_id == user.user_id).values(**_user_values(user))
        )

    def enabled_admins(self) -> frozenset[UserId]:
        query = (
            sa.select(t.users.c.user_id)
            .where(t.users.c.role == Role.ADMIN.value)
            .where(t.users.c.disabled == sa.false())
            .order_by(t.users.c.user_id)  # every transaction locks them in the same order
        )
        rows = self.connection.execute(query.with_for_update() if self.lock else query)
        return frozenset(UserId(row.user_id) for row in rows)

    def add_login_failure(self, username: str, at: dt.datetime) -> None:
        self.connection.execute(
            t.login_failures.insert().values(username=username, failed_at=instant_text(at))
        )

    def login_failures_since(self, username: str, since: dt.datetime) -> int:
        count = self.connection.scalar(
            sa.select(sa.func.count())
            .select_from(t.login_failures)
            .where(t.login_failures.c.username == username)
            .where(t.login_failures.c.failed_at >= instant_text(since))
        )
        return int(count or 0)

    def clear_login_failures(self, username: str) -> None:
        self.connection.execute(
            t.login_failures.delete().where(t.login_failures.c.username == username)
        )

    def forget_stale(
        self, *, failed_before: dt.datetime, idle_before: dt.datetime, begun_before: dt.datetime
    ) -> None:
        self.connection.execute(
            t.login_failures.delete().where(
                t.login_failures.c.failed_at < instant_text(failed_before)
            )
        )
        self.connection.execute(
            t.sessions.delete().where(
                sa.or_(
                    t.sessions.c.last_seen_at < instant_text(idle_before),
                    t.sessions.c.created_at < instant_text(begun_before),
                )
            )
        )

    def add_session(self, session: Session) -> None:
        self.connection.execute(
            t.sessions.insert().values(
                token_hash=session.token_hash,
                user_id=session.user_id,
                user_version=session.user_version,
                created_at=instant_text(session.created_at),
                last_seen_at=instant_text(session.last_seen_at),
            )
        )

    def session(self, token_hash: str) -> Session | None:
        row = self.connection.execute(
            sa.select(t.sessions).where(t.sessions.c.token_hash == token_hash)
        ).first()
        return _session(row) if row is not None else None

    def session_and_user(self, token_hash: str) -> tuple[Session, User] | None:
        found = driver.run(self.connection, _SESSION_AND_USER, (token_hash,)).fetchone()
        if found is None:
            return None
        row = _SessionAndUser(*found)
        return _session(row), _user(row)

    def save_session(self, session: Session) -> None:
        self.connection.execute(
            t.sessions.update()
            .where(t.sessions.c.token_hash == session.token_hash)
            .values(last_seen_at=instant_text(session.last_seen_at))
        )

    def end_session(self, token_hash: str) -> None:
        self.connection.execute(t.sessions.delete().where(t.sessions.c.token_hash == token_hash))

    def clients(self, user_id: UserId) -> frozenset[str]:
        rows = self.connection.execute(
            sa.select(t.counsel_clients.c.person_id).where(t.counsel_clients.c.user_id == user_id)
        )
        return frozenset(row.person_id for row in rows)

    def add_client(self, user_id: UserId, client: Client) -> None:
        linked = Conflict(
            f"counsel already represents {client.person_id}",
            details={"person_id": client.person_id},
        )
        if client.person_id in self.clients(user_id):
            raise linked
        try:
            self.connection.execute(
                t.counsel_clients.insert().values(
                    user_id=user_id,
                    person_id=client.person_id,
                    document_ref=client.document_ref,
                    since=instant_text(client.since),
                    recorded_by=client.recorded_by,
                )
            )
        except sa.exc.IntegrityError as exc:  # linked by a concurrent transaction, as above
            raise linked from exc

    def remove_client(self, user_id: UserId, person_id: str) -> bool:
        result = self.connection.execute(
            t.counsel_clients.delete()
            .where(t.counsel_clients.c.user_id == user_id)
            .where(t.counsel_clients.c.person_id == person_id)
        )
        return bool(result.rowcount)

    def record_access(self, entry: AccessEntry) -> None:
        append_access(self.connection, [entry])


class SqlUserStore:
    """Opens user transactions on one engine (SQLite: ``BEGIN IMMEDIATE``, so two logins of
    one user queue instead of both counting from the same failures)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    @contextmanager
    def transaction(self) -> Iterator[SqlUserTransaction]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield SqlUserTransaction(connection)

    @contextmanager
    def reading(self) -> Iterator[SqlUserTransaction]:
        with brief_read(self.engine) as connection:
            yield SqlUserTransaction(connection, lock=False)
