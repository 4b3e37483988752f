"""Domain errors. Each has a stable ``code``; every surface translates them once.

The CLI turns any :class:`DocketError` into one line and exit status 1; the HTTP API
(``api/errors.py``) maps them to ``{"error": {"code", "message", "details"}}`` and a status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DocketError(Exception):
    """Base class for every error a user may see."""

    code = "docket_error"

    def __init__(self, message: str, *, details: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = dict(details or {})

    def __str__(self) -> str:
        return self.message


class InvalidInput(DocketError):
    """The input has the wrong shape or an impossible value; nothing was written."""

    code = "invalid_input"


class NotFound(DocketError):
    """The record named does not exist."""

    code = "not_found"


class Conflict(DocketError):
    """The request conflicts with the current state of the record."""

    code = "conflict"


class VersionConflict(Conflict):
    """Optimistic concurrency: the record changed since the caller read it."""

    code = "version_conflict"


class IdempotencyConflict(Conflict):
    """An idempotency key was reused for a different request."""

    code = "idempotency_key_reused"


class RuleViolation(DocketError):
    """A rule of the lifecycle forbids the move."""

    code = "rule_violation"


class IllegalTransition(RuleViolation):
    """The event is not allowed from the case's current state."""

    code = "illegal_transition"


class BarInForce(RuleViolation):
    """A legal bar on the case blocks the action."""

    code = "bar_in_force"


class TamperDetected(DocketError):
    """The event log does not verify."""

    code = "tamper_detected"


class ConfigurationError(DocketError):
    """Settings or files needed to run are missing or wrong."""

    code = "configuration_error"


class LoginRefused(DocketError):
    """A login failed. The message is the same whatever the reason (unknown user, wrong
    password or code, locked or disabled account), so it tells nobody who has an account."""

    code = "login_refused"

    def __init__(self) -> None:
        super().__init__("login refused: wrong username, password or code, or account locked")


class AccessRefused(DocketError):
    """The access policy does not let this user do this to this record."""

    code = "access_refused"


class SessionInvalid(DocketError):
    """The session is unknown, ended, expired, or its user was disabled or changed."""

    code = "session_invalid"

    def __init__(self) -> None:
        super().__init__("no valid session: log in again")


ERROR_TYPES: tuple[type[DocketError], ...] = (
    DocketError,
    InvalidInput,
    NotFound,
    Conflict,
    VersionConflict,
    IdempotencyConflict,
    RuleViolation,
    IllegalTransition,
    BarInForce,
    TamperDetected,
    ConfigurationError,
    LoginRefused,
    SessionInvalid,
    AccessRefused,
)
"""Every error type, so documentation and tests can enumerate the codes."""
