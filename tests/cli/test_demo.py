"""``docket demo``: data imported, a summary, and demo users who can log in; run twice, it adds
nothing and says the users exist."""

from __future__ import annotations

import re

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.identity import totp
from docket.identity.sessions import login


def test_the_demo_imports_summarises_and_makes_users_who_can_log_in(run, database_url, tmp_path):
    result = run("demo", "--cases", "300", "--data-dir", str(tmp_path / "data"), "--no-serve")
    assert result.exit_code == 0, result.output
    assert "cases imported: 300" in result.output
    assert "Cases per state:" in result.output
    assert "Documented facts (synthetic) recorded on up to 3,000 open cases" in result.output
    assert "Prioritisation by the neutral-example policy" in result.output
    assert "docket priority explain DKT-" in result.output
    found = re.search(r"demo\.officer\s+password (\S+)\s+one-time-code secret (\S+)", result.output)
    assert found is not None, result.output
    password, secret = found.groups()
    docket = bootstrap(Settings(database_url=database_url))
    try:
        code = totp.code_at(secret, docket.clock.now())
        assert login(
            users=docket.users,
            clock=docket.clock,
            username="demo.officer",
            password=password,
            code=code,
        )
    finally:
        docket.close()
    again = run("demo", "--cases", "300", "--data-dir", str(tmp_path / "data"), "--no-serve")
    assert again.exit_code == 0, again.output
    assert "cases imported: 0" in again.output
    assert "Documented facts" not in again.output  # recorded once
    assert "Prioritisation by the neutral-example policy" in again.output
    assert "demo.officer           exists already" in again.output
