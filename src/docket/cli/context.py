"""What every command shares: the wired-up Docket, the actor, progress bars."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from docket.bootstrap import Docket, bootstrap
from docket.cases.fields import LIMITS, storable
from docket.config import Settings
from docket.errors import InvalidInput


@contextmanager
def opened(
    ctx: click.Context, *, migrate: bool = False, long_running: bool = False
) -> Iterator[Docket]:
    """A wired-up Docket for the command's settings, closed afterwards. Only ``init`` and
    ``demo`` pass ``migrate``; other commands need an initialised, current database. A
    command that runs until stopped (``departures listen``) passes ``long_running``."""
    docket = bootstrap(
        ctx.find_object(Settings) or Settings(), migrate=migrate, long_running=long_running
    )
    try:
        yield docket
    finally:
        docket.close()


def actor_of(settings: Settings, given: str | None) -> str:
    """The actor to record: ``--actor``, else $DOCKET_ACTOR, else the login name; refused
    with :class:`InvalidInput` naming where it came from if it names no one (``--actor ''``
    is no way to fall back on the login name) or is not text the log can hold."""
    if given is not None:
        actor, where = given, "--actor"
    elif settings.actor:
        actor, where = settings.actor, "DOCKET_ACTOR"
    else:
        try:
            actor, where = getpass.getuser(), "the login name"
        except (OSError, KeyError):  # no login name to be had (a container's bare user id)
            actor, where = "", "the login name"
    actor = actor.strip()
    if not actor:
        raise InvalidInput(
            f"{where} names no one: say who acts with --actor or DOCKET_ACTOR",
            details={"field": "actor"},
        )
    if not storable(actor):
        raise InvalidInput(f"{where}: not valid text", details={"field": "actor"})
    limit = LIMITS["actor"]
    if len(actor) > limit:
        raise InvalidInput(
            f"{where}: at most {limit} characters ({len(actor)} given)",
            details={"field": "actor"},
        )
    return actor


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields the function that advances it."""
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


SHOWN = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
"""Control characters written out as escapes: a record's text (a name entered through the
API or taken from a NATS message, say) may hold ESC and a sequence that the terminal would
obey (clear the screen, set its title, recolour what follows) or a line break that would
pass for another line of the record."""


def echo_record(line: str, *, err: bool = False) -> None:
    """One line of output holding a record's text, its control characters as escapes."""
    click.echo(line.translate(SHOWN), err=err)
