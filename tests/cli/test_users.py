"""``docket users``: add, disable, set-role from the command line, with logins to prove it."""

from __future__ import annotations

import re

import pytest

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.errors import LoginRefused
from docket.identity import totp
from docket.identity.service import login


def _secret_and_password(output: str) -> tuple[str, str]:
    password = re.search(r"^password: (\S+)$", output, re.MULTILINE)
    secret = re.search(r"^one-time-code secret: (\S+)$", output, re.MULTILINE)
    assert password is not None
    assert secret is not None
    return secret.group(1), password.group(1)


def _login(database_url: str, username: str, password: str, secret: str) -> str:
    docket = bootstrap(Settings(database_url=database_url))
    try:
        code = totp.code_at(secret, docket.clock.now())
        return login(
            users=docket.users,
            clock=docket.clock,
            username=username,
            password=password,
            code=code,
        )
    finally:
        docket.close()


def test_an_added_user_gets_credentials_once_and_can_log_in(run, database_url):
    added = run("users", "add", "ana.officer", "--role", "officer", "--office", "hou")
    assert added.exit_code == 0
    assert "added ana.officer (officer, office HOU)" in added.output
    secret, password = _secret_and_password(added.output)
    assert "otpauth://totp/Docket:ana.officer" in added.output
    assert _login(database_url, "ana.officer", password, secret)


def test_set_role_and_disable_change_the_user(run, database_url):
    added = run("users", "add", "ana.officer", "--role", "officer", "--office", "HOU")
    secret, password = _secret_and_password(added.output)
    moved = run("users", "set-role", "ana.officer", "supervisor", "--office", "atl")
    assert moved.exit_code == 0
    assert "ana.officer is now supervisor, office ATL" in moved.output
    assert run("users", "disable", "ana.officer").exit_code == 0
    with pytest.raises(LoginRefused):
        _login(database_url, "ana.officer", password, secret)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("users", "add", "ana", "--role", "officer"), "belongs to a field office"),
        (("users", "add", "maria", "--role", "subject"), "needs their person id"),
        (("users", "disable", "nobody"), "no user 'nobody'"),
    ],
)
def test_bad_user_commands_say_why_in_one_line(run, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
