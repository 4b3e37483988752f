"""What every command shares: the wired-up Docket, the actor, progress bars."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from docket.bootstrap import Docket, bootstrap
from docket.config import Settings


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
    """The actor to record: ``--actor``, else $DOCKET_ACTOR, else the login name."""
    return given or settings.actor or getpass.getuser()


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields the function that advances it."""
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update
