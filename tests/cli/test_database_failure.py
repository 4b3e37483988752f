"""A database that fails under a running command (the server restarted, the connection cut,
the disk full): one line with the database's own reason, exit status 1, no stack trace."""

from __future__ import annotations

import click
import sqlalchemy as sa
from click.testing import CliRunner

from docket.cli.main import DocketGroup


def _failing(error: Exception) -> click.Group:
    @click.group(cls=DocketGroup)
    def group() -> None:
        pass

    @group.command()
    def work() -> None:
        raise error

    return group


def test_a_connection_lost_mid_command_is_said_with_the_database_s_reason():
    lost = Exception("terminating connection due to administrator command\nmore detail")
    result = CliRunner().invoke(
        _failing(sa.exc.OperationalError("INSERT INTO events ...", {}, lost)), ["work"]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the database failed: terminating connection due to administrator command "
        "[database_error]\n"
    )


def test_other_failures_still_say_only_that_they_were_unexpected():
    result = CliRunner().invoke(_failing(KeyError("x")), ["work"])
    assert result.exit_code == 1
    assert result.stderr == "error: unexpected KeyError; rerun with DOCKET_DEBUG=1 for details\n"
