"""What the identity services need from storage, as Protocols (implemented in storage)."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

from docket.audit.access import AccessEntry
from docket.identity.model import Client, Session, User, UserId


class UserTransaction(Protocol):
    """Reads and writes of users and sessions within one transaction."""

    def user_by_username(self, username: str) -> User | None: ...

    def user(self, user_id: UserId) -> User | None: ...

    def add_user(self, user: User) -> None:
        """Add ``user``; :class:`~docket.errors.Conflict` if the username is taken."""
        ...

    def save_user(self, user: User) -> None: ...

    def enabled_admins(self) -> frozenset[UserId]:
        """The ids of the admins not disabled, locked (in a writing transaction) until it ends:
        two changes that would each leave the other admin the last one go one after the
        other."""
        ...

    def add_login_failure(self, username: str, at: dt.datetime) -> None: ...

    def login_failures_since(self, username: str, since: dt.datetime) -> int: ...

    def clear_login_failures(self, username: str) -> None: ...

    def forget_stale(
        self, *, failed_before: dt.datetime, idle_before: dt.datetime, begun_before: dt.datetime
    ) -> None:
        """Delete, of every user, the failed logins before ``failed_before`` and the sessions
        last used before ``idle_before`` or begun before ``begun_before``."""

    def add_session(self, session: Session) -> None: ...

    def session(self, token_hash: str) -> Session | None: ...

    def session_and_user(self, token_hash: str) -> tuple[Session, User] | None:
        """The session and its user, or ``None`` if either is missing."""
        ...

    def save_session(self, session: Session) -> None: ...

    def end_session(self, token_hash: str) -> None: ...

    def clients(self, user_id: UserId) -> frozenset[str]:
        """The person ids of counsel ``user_id``'s clients."""
        ...

    def add_client(self, user_id: UserId, client: Client) -> None:
        """Link counsel ``user_id`` to ``client``; :class:`~docket.errors.Conflict` if linked."""
        ...

    def remove_client(self, user_id: UserId, person_id: str) -> bool:
        """Unlink; False if they were not linked."""
        ...

    def record_access(self, entry: AccessEntry) -> None:
        """Chain ``entry`` onto the access log, committed with this transaction."""
        ...


class UserStore(Protocol):
    """Opens user transactions; a transaction commits when its block ends without an error."""

    def transaction(self) -> AbstractContextManager[UserTransaction]: ...

    def reading(self) -> AbstractContextManager[UserTransaction]:
        """A transaction for reads only: it takes no locks and must write nothing."""
        ...
