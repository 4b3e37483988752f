"""Every date the command line takes is ``YYYY-MM-DD``, as the API and the CSV files take it:
an unpadded ``2026-1-5`` or an impossible day is a usage error (exit status 2) naming the
option, before the database is opened."""

from __future__ import annotations

import datetime as dt

import click
import pytest
from click.testing import CliRunner

from docket.cli.dates import Day
from docket.cli.main import cli

DATE_OPTIONS = [
    ("case", "list", "--deadline-before"),
    ("case", "record", "DKT-1", "hearing_held", "--document", "D", "--on"),
    ("departures", "metrics", "--from"),
    ("departures", "metrics", "--to"),
    ("priority", "rank", "--as-of"),
    ("priority", "explain", "DKT-1", "--as-of"),
    ("priority", "disparity", "--as-of"),
    ("generate", "--as-of"),
]


def _run(*args: str):
    env = {"DOCKET_DATABASE_URL": "sqlite:////nonexistent-dir/never-opened.db"}
    return CliRunner().invoke(cli, list(args), env=env)


@pytest.mark.parametrize("command", DATE_OPTIONS, ids=lambda c: " ".join(c[:2] + c[-1:]))
@pytest.mark.parametrize(
    ("given", "why"),
    [
        ("2026-1-5", "is not a date in the form YYYY-MM-DD"),
        ("2026-01-5", "is not a date in the form YYYY-MM-DD"),
        ("2026-1-05", "is not a date in the form YYYY-MM-DD"),
        ("20260105", "is not a date in the form YYYY-MM-DD"),
        (" 2026-01-05", "is not a date in the form YYYY-MM-DD"),
        ("2026-02-30", "is no date: day is out of range for month"),
    ],
)
def test_a_date_not_written_yyyy_mm_dd_is_a_usage_error(command, given, why):
    result = _run(*command, given)
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for '{command[-1]}': '{given}' {why}" in result.stderr


def test_every_date_option_is_a_day():
    """No option takes a date through ``click.DateTime`` (``strptime`` takes ``2026-1-5``)."""

    def options(command: click.Command, path: str):
        for param in command.params:
            yield f"{path} {param.name}", param
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from options(sub, f"{path} {name}")

    found = dict(options(cli, "docket"))
    assert not [name for name, p in found.items() if isinstance(p.type, click.DateTime)]
    days = sorted(name for name, p in found.items() if isinstance(p.type, Day))
    assert len(days) == len(DATE_OPTIONS)


def test_a_day_is_read_as_that_date():
    assert Day().convert("2026-01-05", None, None) == dt.date(2026, 1, 5)
    assert Day().convert(dt.date(2026, 1, 5), None, None) == dt.date(2026, 1, 5)
