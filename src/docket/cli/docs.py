"""Write docs/cli.md from the commands' own ``--help`` (``make docs``); a test keeps it current."""

from __future__ import annotations

import click

from docket.cli.main import cli


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.commands):
            found += _walk(command.commands[name], [*path, name])
    return found


def render() -> str:
    """The whole of docs/cli.md."""
    parts = [
        "# The `docket` command line\n",
        "Generated from `--help` by `make docs`; `tests/cli/test_docs.py` fails if it is stale.\n",
    ]
    for path, command in _walk(cli, ["docket"]):
        with click.Context(command, info_name=" ".join(path), terminal_width=100) as ctx:
            help_text = command.get_help(ctx)
        parts.append(f"## `{' '.join(path)}`\n\n```\n{help_text}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    click.echo(render(), nl=False)
