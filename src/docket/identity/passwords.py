"""Passwords: Argon2id hashes, and a policy that refuses short and common passwords.

The only importer of argon2 and zxcvbn. The list of common passwords is the one zxcvbn ships
(its "passwords" frequency list, about 30,000 entries).
"""

from __future__ import annotations

import base64
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION

from docket.errors import InvalidInput

MIN_LENGTH = 12

_HASHER = PasswordHasher()  # Argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password`` (salted; the parameters travel in the hash)."""
    return _HASHER.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    # Written out, not hashed: verifying against it costs what verifying against a user's hash
    # costs (the same parameters), while hashing here would make the first unknown-user login
    # of each process take twice as long as any other, and so tell that the user is unknown.
    # Its digest (all zeros) is no password's.
    salt, digest = (_b64(bytes(size)) for size in (_HASHER.salt_len, _HASHER.hash_len))
    parameters = f"m={_HASHER.memory_cost},t={_HASHER.time_cost},p={_HASHER.parallelism}"
    return f"$argon2id$v={ARGON2_VERSION}${parameters}${salt}${digest}"


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def spend_a_verification(password: str) -> None:
    """Do the work of one verification and discard it: a login for an unknown user takes as
    long as one with a wrong password, so timing tells nothing about who exists."""
    password_matches(_dummy_hash(), password)


@functools.cache
def _common() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS  # type: ignore[import-untyped]

    return frozenset(FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, username: str, field: str = "password") -> None:
    """Refuse a password that is short, common, or the username (:class:`InvalidInput` on
    ``field``)."""
    if len(password) < MIN_LENGTH:
        raise _refused(f"must be at least {MIN_LENGTH} characters", field)
    folded = password.casefold()
    if folded in _common() or folded == username.casefold():
        raise _refused("is too common; choose another", field)


def _refused(reason: str, field: str) -> InvalidInput:
    return InvalidInput(f"{field} {reason}", details={"field": field, "reason": reason})
