"""What the command-line tests share: ``run``, the CLI on a fresh, initialised database."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from docket.cli.main import cli


@pytest.fixture
def run(database_url: str, tmp_path: Path):
    env = {
        "DOCKET_DATABASE_URL": database_url,
        "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
        "DOCKET_ACTOR": "officer.cli",
    }
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)

    assert invoke("init").exit_code == 0
    return invoke
