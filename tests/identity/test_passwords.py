"""Passwords: Argon2id hashes; short, common and username-like passwords are refused."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher

from docket.errors import InvalidInput
from docket.identity import passwords


def test_a_hash_is_argon2id_salted_and_checks_only_its_password():
    first = passwords.hash_password("correct horse battery")
    second = passwords.hash_password("correct horse battery")
    assert first.startswith("$argon2id$")
    assert first != second
    assert passwords.password_matches(first, "correct horse battery")
    assert not passwords.password_matches(first, "correct horse batterY")
    assert not passwords.password_matches("not a hash", "correct horse battery")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short pass", "at least 12"),
        ("password1234", "too common"),
        ("PASSWORD1234", "too common"),
        ("ana.lopez.01", "too common"),  # the username
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, reason):
    with pytest.raises(InvalidInput, match=reason):
        passwords.check_password_policy(password, username="ana.lopez.01")


def test_a_long_uncommon_password_passes():
    passwords.check_password_policy("plover-quartz-91-ledger", username="ana")


class _Counting(PasswordHasher):
    """The real hasher, counting what it is asked to do."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.calls.append("hash")
        return super().hash(password, salt=salt)

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.calls.append("verify")
        return super().verify(hash, password)


@pytest.fixture
def counting(monkeypatch):
    hasher = _Counting()
    monkeypatch.setattr(passwords, "_HASHER", hasher)
    passwords._dummy_hash.cache_clear()  # as in a process that has not yet refused anyone
    yield hasher
    passwords._dummy_hash.cache_clear()


def test_an_unknown_users_first_refusal_does_one_verification_as_a_known_users_does(counting):
    # A hash made for the first unknown user of a process would make that refusal take twice
    # as long as a wrong password's, and so tell that no such user exists.
    passwords.spend_a_verification("a guess at a password")
    assert counting.calls == ["verify"]
    known = passwords.hash_password("the user's own password")
    counting.calls.clear()
    assert not passwords.password_matches(known, "a guess at a password")
    assert counting.calls == ["verify"]
