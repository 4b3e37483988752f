"""Documentation kept true by tests: the CLI reference, settings and error codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from docket.cli.docs import render
from docket.cli.main import cli
from docket.config import Settings
from docket.errors import ERROR_TYPES
from docket.importing.cases_csv import COLUMNS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_docs_cli_md_is_generated_from_the_current_help():
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == render(), "run `make docs`"


def test_every_setting_is_documented_in_the_readme():
    for name in Settings.model_fields:
        assert f"DOCKET_{name.upper()}" in README, f"DOCKET_{name.upper()} missing from README"


def test_every_error_code_is_documented_in_the_readme():
    for error in ERROR_TYPES:
        assert f"`{error.code}`" in README, f"error code {error.code} missing from README"


def test_every_csv_column_is_documented_in_the_readme():
    for column in COLUMNS:
        assert f"`{column}`" in README, f"CSV column {column} missing from README"


def _commands(command: click.Command, path: str) -> Iterator[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, f"{path} {name}")
    else:
        yield path, command


def test_every_option_says_what_it_is_for():
    bare = [
        f"{path} {option.opts[0]}"
        for path, command in _commands(cli, "docket")
        for option in command.params
        if isinstance(option, click.Option) and not option.help
    ]
    assert bare == []


def test_every_actor_option_names_docket_actor_as_its_default():
    # Every command takes its actor from --actor, else $DOCKET_ACTOR, else the login name
    # (cli.context.actor_of); a help that leaves out the variable sends an operator who set
    # it looking for why their name is not the one recorded.
    silent = [
        path
        for path, command in _commands(cli, "docket")
        for option in command.params
        if isinstance(option, click.Option)
        and "--actor" in option.opts
        and "$DOCKET_ACTOR" not in (option.help or "")
    ]
    assert silent == []
