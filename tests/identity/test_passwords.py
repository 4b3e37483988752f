"""Passwords: Argon2id hashes; short, common and username-like passwords are refused."""

from __future__ import annotations

import pytest

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
