"""The clients of ``docket serve --workers N`` spread evenly over its worker processes.

Each worker answers the requests of the connections it accepted, and the kernel hands each new
connection to a worker by a hash of its addresses (``cli/workers.py``), so one worker can hold
twice as many busy clients as another. Each worker then gets the same share of the cores and
its clients wait in proportion to their number: under the API benchmark's 50 clients the
workers held 10, 23 and 17, and the slowest twentieth of the reads took 154 ms against a
median of 98. With the workers evening their clients out as below (17, 16 and 17), the
slowest twentieth took 118 ms, the median 89 (bench/api_load_bench.py, 2026-12-07).

So each worker counts its active clients (the connections that sent a request in the last
:data:`ACTIVE_SECONDS`) and writes that count to a file of its own in a directory the workers
share (:class:`Tally`). A worker that has more than one client above the worker with the
fewest ends an answer with ``Connection: close``, one every :data:`REFRESH_SECONDS`. The
answer is whole, and the client opens a new connection for its next request, which the
kernel hands to any worker. HTTP clients do so by themselves: the header is how a server says
it ends a connection (a client that had sent a second request down it before the answer,
pipelining, sends that one again). A worker whose file is not rewritten for
:data:`STALE_SECONDS` (stopped, or being started again) is left out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACTIVE_SECONDS = 1.0
"""A connection counts as an active client for this long after its last request."""
REFRESH_SECONDS = 0.2
"""How often a worker writes its count down and reads the others'."""
STALE_SECONDS = 2.0
"""A worker's count older than this is left out (the worker has stopped)."""

TALLY_ENV = "DOCKET_SERVE_TALLY"
"""How ``serve --workers N`` tells its workers the directory they write their counts in."""


class Tally:
    """The workers' counts of active clients: a file per worker process in ``directory``,
    named by its process id, each replaced whole (never read half-written)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.mine = directory / str(os.getpid())

    def write(self, count: int) -> None:
        """Write this worker's count down."""
        draft = self.mine.with_suffix(".new")
        draft.write_text(str(count))
        os.replace(draft, self.mine)

    def fewest_elsewhere(self) -> int | None:
        """The fewest active clients of any other worker still counting (``None``: none is)."""
        now = time.time()
        counts = []
        for path in self.directory.iterdir():
            if path == self.mine or path.suffix:
                continue
            try:
                if now - path.stat().st_mtime > STALE_SECONDS:
                    continue
                counts.append(int(path.read_text()))
            except (OSError, ValueError):  # stopped and removed meanwhile
                continue
        return min(counts, default=None)

    def remove(self) -> None:
        """This worker stops counting."""
        self.mine.unlink(missing_ok=True)


class ClientBalance:
    """ASGI middleware: ``Connection: close`` on an answer while this worker has more than
    one active client above the worker with the fewest (see the module's text)."""

    def __init__(
        self, app: ASGIApp, tally: Tally, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.app = app
        self.tally = tally
        self.clock = clock
        self.seen: dict[tuple[str, int], float] = {}
        """Each active client's connection (its address) and when it last sent a request."""
        self.fewest: int | None = None
        self.refreshed = float("-inf")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] != "http" or not client:
            await self.app(scope, receive, send)
            return
        now = self.clock()
        peer = (str(client[0]), int(client[1]))
        self.seen[peer] = now
        if now - self.refreshed >= REFRESH_SECONDS:
            self.refresh(now)
        if self.fewest is None or len(self.seen) <= self.fewest + 1:
            await self.app(scope, receive, send)
            return
        # One client sent away per refresh: the others' counts are as old as that, and the
        # client may well come back to this worker.
        del self.seen[peer]
        self.fewest = None

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Connection"] = "close"
            await send(message)

        await self.app(scope, receive, send_closing)

    def refresh(self, now: float) -> None:
        """Forget the clients gone quiet, write the count down, read the others'."""
        self.refreshed = now
        quiet = [peer for peer, last in self.seen.items() if now - last > ACTIVE_SECONDS]
        for peer in quiet:
            del self.seen[peer]
        try:
            self.tally.write(len(self.seen))
            self.fewest = self.tally.fewest_elsewhere()
        except OSError:  # the directory is gone (the server is stopping): no balancing
            self.fewest = None
