"""``docket users``: add, disable, set-role, reset from the command line, with logins to prove
it."""

from __future__ import annotations

import re

import pytest

from docket.bootstrap import bootstrap
from docket.cases.service import show_case
from docket.config import Settings
from docket.errors import LoginRefused
from docket.identity import totp
from docket.identity.sessions import login
from tests.builders import a_case


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


def test_a_reset_gives_new_credentials_once_and_the_old_ones_stop_working(run, database_url):
    added = run("users", "add", "ana.officer", "--role", "officer", "--office", "hou")
    old_secret, old_password = _secret_and_password(added.output)
    reset = run("users", "reset", "Ana.Officer")
    assert reset.exit_code == 0, reset.output
    assert "new credentials for ana.officer" in reset.output
    secret, password = _secret_and_password(reset.output)
    assert (secret, password) != (old_secret, old_password)
    with pytest.raises(LoginRefused):
        _login(database_url, "ana.officer", old_password, old_secret)
    assert _login(database_url, "ana.officer", password, secret)
    nobody = run("users", "reset", "nobody")
    assert (nobody.exit_code, nobody.stderr) == (1, "error: no user 'nobody' [not_found]\n")


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
        (("users", "link-client", "lee", "p-1"), "Missing option '--document'"),
        (("users", "link-client", "lee", "p-1", "--document", "G-28"), "no person p-1"),
        (("users", "unlink-client", "nobody", "p-1"), "no user 'nobody'"),
    ],
)
def test_bad_user_commands_say_why_in_one_line(run, args, message):
    result = run(*args)
    assert result.exit_code in (1, 2)  # 2: click's own usage errors
    assert message in result.output
    assert "Traceback" not in result.output


def test_counsel_is_linked_to_a_client_and_unlinked(run, database_url):
    docket = bootstrap(Settings(database_url=database_url))
    try:
        a_case(docket, "DKT-NYC-1")
        person_id = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id
    finally:
        docket.close()
    assert run("users", "add", "lee.counsel", "--role", "counsel").exit_code == 0
    linked = run("users", "link-client", "lee.counsel", person_id, "--document", "G-28 77")
    assert linked.exit_code == 0, linked.output
    assert f"lee.counsel represents {person_id} (G-28 77)" in linked.output
    docket = bootstrap(Settings(database_url=database_url))
    try:
        counsel = docket.users
        with counsel.reading() as tx:
            user = tx.user_by_username("lee.counsel")
            assert user is not None
            assert tx.clients(user.user_id) == {person_id}
    finally:
        docket.close()
    unlinked = run("users", "unlink-client", "lee.counsel", person_id)
    assert unlinked.exit_code == 0
    assert f"lee.counsel no longer represents {person_id}" in unlinked.output
    assert run("users", "unlink-client", "lee.counsel", person_id).exit_code == 1


def test_a_user_without_a_person_record_cannot_be_made_a_subject_and_is_told_what_to_do(run):
    # Neither set-role nor PUT /api/users/{name}/role takes a person id: an error asking for
    # one left no way to give it.
    assert run("users", "add", "ana", "--role", "officer", "--office", "HOU").exit_code == 0
    result = run("users", "set-role", "ana", "subject")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: ana has no person record of their own: add a new subject user with their "
        "person id instead [invalid_input]\n"
    )
    assert "ana is now officer" in run("users", "set-role", "ana", "officer").output


def test_a_subject_for_a_person_not_on_record_is_refused_and_not_added(run):
    result = run("users", "add", "maria", "--role", "subject", "--person-id", "p-404")
    assert result.exit_code == 1
    assert result.stderr == "error: person_id: no person p-404 is on record [invalid_input]\n"
    assert "no user 'maria'" in run("users", "disable", "maria").stderr


def test_arguments_that_are_not_utf_8_are_refused_in_one_line(run):
    # Python reads such bytes of a command line as lone surrogates, which no database takes.
    assert run("users", "add", "lee.counsel", "--role", "counsel").exit_code == 0
    # The command line refuses them by their place before any command runs (the services
    # refuse such text too, for any other caller: tests/identity/test_login.py).
    for args, place in (
        (("users", "add", "ana", "--role", "officer", "--office", "\udcff"), 7),
        (("users", "add", "maria", "--role", "subject", "--person-id", "\udcff"), 7),
        (("users", "link-client", "lee.counsel", "\udcff", "--document", "G-28"), 4),
        (("users", "unlink-client", "lee.counsel", "\udcff"), 4),
        (("users", "disable", "\udcff"), 3),
    ):
        result = run(*args)
        assert result.exit_code == 1
        assert result.stderr == (
            f"error: argument {place} is not valid text (not UTF-8, or a NUL character) "
            "[invalid_input]\n"
        )
