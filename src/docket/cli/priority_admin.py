"""``docket priority``: the stop control (``off``, ``on``, ``status``), the oversight export,
and the shipped and proposed policy packs (``policies``, ``check``). The ranking commands are in
:mod:`docket.cli.priority`, which adds these to its group."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import click
import orjson

from docket.cli import priority_text as text
from docket.cli.context import actor_of, opened
from docket.errors import InvalidInput
from docket.priority import oversight, packs, switch


@contextlib.contextmanager
def flags_named() -> Iterator[None]:
    """The core's refusals, naming the flag that answers them."""
    try:
        yield
    except InvalidInput as exc:
        if "rescinded_on" in exc.details:
            raise InvalidInput(
                f"{exc.message.split(';')[0]}; to apply it anyway (to review past decisions, "
                "say) pass --allow-rescinded, or give an --as-of date when it was in force",
                details=exc.details,
            ) from None
        if exc.details.get("field") == "reason":
            raise InvalidInput(f"--reason: {exc.message}", details=exc.details) from None
        raise


def _switch(ctx: click.Context, on: bool, reason: str, actor: str | None) -> None:
    with opened(ctx) as docket, flags_named():
        seq = switch.set_switch(
            store=docket.priority,
            clock=docket.clock,
            actor=actor_of(docket.settings, actor),
            on=on,
            reason=reason,
        )
    click.echo(f"prioritisation is {'on' if on else 'off'}; recorded as log #{seq}")


_REASON = click.option("--reason", required=True, help="Why (at least 10 characters; kept).")
_ACTOR = click.option("--actor", help="Who (default: $DOCKET_ACTOR or login name).")


@click.command("off")
@_REASON
@_ACTOR
@click.pass_context
def off_command(ctx: click.Context, reason: str, actor: str | None) -> None:
    """Switch prioritisation off (the stop control).

    Until it is switched on again no score is computed, shown or used: ranking, explaining,
    deciding and the disparity report are refused."""
    _switch(ctx, False, reason, actor)


@click.command("on")
@_REASON
@_ACTOR
@click.pass_context
def on_command(ctx: click.Context, reason: str, actor: str | None) -> None:
    """Switch prioritisation on again."""
    _switch(ctx, True, reason, actor)


@click.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Whether prioritisation is on, and its last switch.

    Who switched it, when and why."""
    with opened(ctx) as docket:
        state = switch.switch_state(store=docket.priority)
    if state.changed_at is None:
        click.echo("prioritisation is on (never switched)")
        return
    click.echo(
        f"prioritisation is {'on' if state.on else 'off'}: switched by {state.changed_by} at "
        f"{state.changed_at:%Y-%m-%d %H:%M} UTC: {state.reason}"
    )


@click.command("oversight")
@click.option(
    "--export",
    "path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The file to write (JSON lines).",
)
@click.option("--run", "run_id", help="Only this ranking run (default: every run).")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
@click.pass_context
def oversight_command(ctx: click.Context, path: Path, run_id: str | None, force: bool) -> None:
    """Export the oversight log as JSON lines.

    Each ranking run (policy name, version and content hash, who ran it, when, for what date,
    the fact ids it used), its entries (each case's rank, category, score and explanation),
    then the determinations on it (who, what, why). Written in full or not at all."""
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long, say
        raise _not_written(path, exc) from None
    if exists and not force:
        raise InvalidInput(
            f"{path} exists: pass --force to overwrite it", details={"field": "export"}
        )
    if exists and not path.is_file():  # a device or a pipe would be replaced, not fed
        raise InvalidInput(
            f"{path} is not a file: the export is written to a file", details={"field": "export"}
        )
    if not path.parent.is_dir():
        raise InvalidInput(f"no folder {path.parent} to write {path.name} in")
    counts = {"run": 0, "entry": 0, "determination": 0}
    try:
        fd, partial = tempfile.mkstemp(dir=path.parent.resolve(), prefix=f".{path.name}.")
    except OSError as exc:  # a folder not writable
        raise _not_written(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle, opened(ctx) as docket:
            for record in oversight.oversight(store=docket.priority, run_id=run_id):
                handle.write(orjson.dumps(record) + b"\n")
                counts[record["type"]] += 1
        os.replace(partial, path)
    except BaseException as exc:  # a full disk, an interrupt: no half-written export
        Path(partial).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _not_written(path, exc) from None
        raise
    click.echo(
        f"wrote {path}: {counts['run']} runs, {counts['entry']:,} entries, "
        f"{counts['determination']} determinations"
    )


def _not_written(path: Path, exc: OSError) -> InvalidInput:
    return InvalidInput(f"cannot write {path}: {exc.strerror}", details={"field": "export"})


@click.command("policies")
def policies_command() -> None:
    """List the shipped policy packs.

    Name, version, effective and rescission dates, content hash."""
    click.echo("\n".join(text.packs_lines([packs.load(str(p)) for p in packs.shipped()])))


@click.command("check")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
def check_command(file: Path) -> None:
    """Check the policy pack in FILE and summarise it.

    A refusal names the field: an unknown key, a protected attribute, a category that
    removability alone could satisfy, ..."""
    try:
        content = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"cannot read {file.name}: {exc}") from exc
    click.echo("\n".join(text.pack_lines(packs.parse(content, origin=file.name))))


ADMIN_COMMANDS = (
    off_command,
    on_command,
    status_command,
    oversight_command,
    policies_command,
    check_command,
)
