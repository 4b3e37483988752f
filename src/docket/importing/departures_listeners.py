"""Several listeners on one durable JetStream consumer, each in a process of its own.

One listener takes a report on one core: the resolution to a person (the candidate query and
the scoring) is most of its work. Several listeners share the consumer, and the server hands
each message to one of them; each resolves its batch before taking the write lock (see
:mod:`docket.departures.resolution`), so their resolutions run side by side while their
writes take turns. What holds for one listener holds for each of them: a message is
acknowledged only after its report is committed, a message delivered again (to the same
listener or another) is a duplicate and counts nothing, and a listener stopped or killed at
any moment loses nothing. Reports of one batch commit together; batches of different
listeners may commit in another order than they were sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import multiprocessing
import os
import pickle
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from multiprocessing.synchronize import Event as EventType
from typing import Any, Protocol, cast

from docket.cases.ports import Clock
from docket.departures.ports import DepartureStore
from docket.errors import ConfigurationError, DocketError
from docket.importing.departures_nats import LISTED, Feed, Listened, listen

_POLL = 0.1
"""Seconds between looks at whether the listeners were told to stop."""
_REAPED = 5.0
"""Seconds a listener whose pipe has ended is given to end too, so its exit status is known."""
_GRACE = 30.0
"""Seconds the listeners have, once told to stop, to finish the batch in hand and say so; one
that has not by then (stuck waiting on the server, say) is terminated: what it held and had
not acknowledged comes again."""


class Wired(Protocol):
    """What a listener process needs: a departure store and a clock."""

    @property
    def departures(self) -> DepartureStore: ...

    @property
    def clock(self) -> Clock: ...


Opener = Callable[[], AbstractContextManager[Wired]]
"""Opens the store in a listener's own process (it must pickle: a module-level function, or a
``functools.partial`` of one)."""


class TakingTurns:
    """An exclusive lock on a file, taken around each write transaction: the listeners of
    one command write one after the other, a waiting one taking its turn the moment the
    lock is released (SQLite's own busy wait polls, sleeping up to 100 ms between tries). A
    lock on a file is released by the system when its holder dies, so a listener killed
    while writing holds up no other."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def __getstate__(self) -> dict[str, Any]:  # each process opens the file itself
        return {"path": self.path, "_fd": None}


@dataclass
class _Report:
    """What a listener tells the command: what it has done so far, or in all (``final``),
    and the error it stopped on."""

    listener: int
    done: Listened
    final: bool = False
    error: DocketError | None = None


@dataclass
class _Totals:
    by_listener: dict[int, Listened] = field(default_factory=dict)

    def total(self) -> Listened:
        out = Listened()
        for done in self.by_listener.values():
            out.received += done.received
            out.accepted += done.accepted
            out.duplicates += done.duplicates
            out.refusals += done.refusals
            out.refused.extend(done.refused)
            out.case_events += done.case_events
            out.unconfirmed_acks += done.unconfirmed_acks
            out.retried += done.retried
            out.give_ups += done.give_ups
            out.gave_up.extend(done.gave_up)
        del out.refused[LISTED:], out.gave_up[LISTED:]
        return out


def run_listeners(
    feed: Feed,
    *,
    opener: Opener,
    actor: str,
    listeners: int,
    until_idle: float | None = None,
    on_batch: Callable[[Listened], None] | None = None,
) -> Listened:
    """``listeners`` processes each running :func:`~docket.importing.departures_nats.listen`
    on ``feed``'s durable consumer, until SIGINT or SIGTERM (each finishes the batch in hand)
    or, with ``until_idle``, until each has had no message for that long. What they did, in
    all. :class:`ConfigurationError` if one could not start (NATS unreachable, no stream);
    :class:`DocketError` if one stopped on an error (the others are stopped too)."""
    if listeners < 1:
        raise ConfigurationError("at least one listener is needed")
    context = multiprocessing.get_context("spawn")  # no fork of a process holding connections
    stop = context.Event()
    # One pipe per listener, not a queue shared by all: a listener killed while telling can
    # break only its own pipe (a queue's shared lock, left held, would silence the others).
    pipes = [context.Pipe(duplex=False) for _ in range(listeners)]
    with tempfile.TemporaryDirectory(prefix="docket-listen-") as directory:
        turns = TakingTurns(os.path.join(directory, "write.lock"))
        processes = [
            context.Process(
                target=_listener,
                args=(n, feed, opener, actor, until_idle, stop, turns, telling),
                name=f"docket-listener-{n}",
            )
            for n, (_, telling) in enumerate(pipes)
        ]
        previous = {
            sig: signal.signal(sig, lambda *_: stop.set())
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for process, (_, telling) in zip(processes, pipes, strict=True):
                process.start()
                telling.close()  # the listener's end: its pipe ends when the listener does
            totals, failures = _follow(
                processes, [listening for listening, _ in pipes], stop, on_batch
            )
        finally:
            stop.set()
            for process in processes:
                if process.pid is not None:
                    process.join(_GRACE)
                    if process.is_alive():
                        process.terminate()
                        process.join()
            for listening, telling in pipes:
                listening.close()
                telling.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    if failures:
        raise failures[0]
    return totals.total()


def _follow(
    processes: list[Any],
    pipes: list[Connection],
    stop: EventType,
    on_batch: Callable[[Listened], None] | None,
) -> tuple[_Totals, list[DocketError]]:
    """Gather what the listeners tell, each on its own pipe, until each has finished; stop
    them all when one fails or dies."""
    totals = _Totals()
    finished: set[int] = set()
    failures: list[DocketError] = []
    stopping_since: float | None = None
    listening = {pipe: n for n, pipe in enumerate(pipes)}
    while len(finished) < len(processes):
        if stop.is_set():
            stopping_since = stopping_since or time.monotonic()
            if time.monotonic() - stopping_since > _GRACE:
                break  # the rest are terminated by the caller
        for pipe in cast(list[Connection], wait(list(listening), timeout=_POLL)):
            n = listening[pipe]
            try:
                report: _Report = pipe.recv()
            except (EOFError, OSError, pickle.UnpicklingError):
                # The pipe ended (the listener's process did) after everything it told was
                # read, or in the middle of a report it was killed while writing.
                del listening[pipe]
                if n not in finished:
                    finished.add(n)  # it died without a last word: what it held comes again
                    processes[n].join(_REAPED)
                    failures.append(
                        DocketError(
                            f"listener {n} stopped with exit status {processes[n].exitcode}"
                        )
                    )
                    stop.set()
                continue
            totals.by_listener[report.listener] = report.done
            if report.error is not None:
                failures.append(report.error)
                stop.set()
            if report.final:
                finished.add(report.listener)
                del listening[pipe]
            elif on_batch is not None:
                on_batch(totals.total())
    return totals, failures


def _listener(
    n: int,
    feed: Feed,
    opener: Opener,
    actor: str,
    until_idle: float | None,
    stop: EventType,
    turns: TakingTurns,
    told: Connection,
) -> None:
    """One listener, in its own process. Ctrl-C reaches every process of the terminal's
    group: the parent alone decides when to stop, through ``stop``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    so_far = Listened()

    def tell(done: Listened) -> None:
        nonlocal so_far
        so_far = done  # the listener's own tally, kept up to date: sent as it stands on an error
        told.send(_Report(n, done))

    async def main() -> Listened:
        stopping = asyncio.Event()

        async def watch() -> None:
            while not stop.is_set():
                await asyncio.sleep(_POLL)
            stopping.set()

        watcher = asyncio.create_task(watch())
        try:
            return await listen(
                feed,
                store=wired.departures,
                clock=wired.clock,
                actor=actor,
                until_idle=until_idle,
                stop=stopping,
                on_batch=tell,
                writing=turns,
            )
        finally:
            watcher.cancel()

    try:
        with opener() as wired:
            done = asyncio.run(main())
    except DocketError as exc:  # its message is what pickles of it
        told.send(_Report(n, so_far, final=True, error=exc))
        return
    told.send(_Report(n, done, final=True))
