"""Users, roles and sessions: plain values, standard library only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import NewType

UserId = NewType("UserId", str)


class Role(StrEnum):
    """The roles of DESIGN.md ("Roles"). Each user has exactly one."""

    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    LEGAL_REVIEWER = "legal_reviewer"
    LOGISTICS = "logistics"
    ANALYST = "analyst"
    AUDITOR = "auditor"
    ADMIN = "admin"
    SUBJECT = "subject"
    COUNSEL = "counsel"


STAFF_ROLES = frozenset(Role) - {Role.SUBJECT, Role.COUNSEL}
"""Agency staff: they belong to a field office and must give a one-time code at every login."""

LOCKOUT_FAILURES = 5
"""Failed logins within :data:`LOCKOUT_WINDOW` that lock an account."""
LOCKOUT_WINDOW = dt.timedelta(minutes=15)
LOCKOUT_FOR = dt.timedelta(minutes=30)
SESSION_IDLE = dt.timedelta(minutes=15)
"""A session unused this long has expired."""
SESSION_TOUCH = dt.timedelta(minutes=1)
"""A session's last use is written down at most this often (a read-only request then writes
nothing); the idle time may so end up to this much early."""
SESSION_MAX = dt.timedelta(hours=12)
"""No session lives longer than this, however active."""


@dataclass(frozen=True)
class User:
    """Someone who may log in.

    ``version`` goes up with every change that must end existing sessions (disabling, a new
    role or office, a new password); a session made at an older version is refused.
    """

    user_id: UserId
    username: str
    role: Role
    field_office: str | None
    """Staff only: the office whose cases are theirs."""
    person_id: str | None
    """A subject's own person record."""
    password_hash: str
    totp_secret: str | None
    """Staff only (base32)."""
    disabled: bool
    version: int
    locked_until: dt.datetime | None = None
    last_totp_step: int = 0
    """The last time step whose code was accepted: a code works once."""

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


@dataclass(frozen=True)
class Client:
    """A person counsel represents, on the strength of a notice of appearance."""

    person_id: str
    document_ref: str
    """The notice of appearance (Form G-28 or EOIR-28)."""
    since: dt.datetime
    recorded_by: str


@dataclass(frozen=True)
class Session:
    """A logged-in session; only the hash of its token is kept."""

    token_hash: str
    user_id: UserId
    user_version: int
    created_at: dt.datetime
    last_seen_at: dt.datetime

    def expired(self, at: dt.datetime) -> bool:
        """Idle too long, or older than the longest a session may live."""
        return at - self.last_seen_at >= SESSION_IDLE or at - self.created_at >= SESSION_MAX
