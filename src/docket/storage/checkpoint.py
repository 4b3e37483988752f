"""WAL checkpoints off the writer's path on SQLite: for bulk writes, and for long-running
processes that take many small writes.

Normally SQLite copies the write-ahead log back into the database file (a checkpoint) inside
the commit that takes the log past 1,000 pages, so the writer waits for it. During a bulk
import every batch is far larger than that, and the copy and its ``fsync`` cost the writer as
much as a third of its commit time. :class:`BackgroundCheckpointer` runs each checkpoint in a
thread of its own, on its own connection, while the writer prepares its next transaction; the
writer waits for it only before it begins that transaction, so each transaction starts on a
fully copied log, which SQLite then rewinds: the log never grows past one batch.

A long-running process (the API server, a departure listener) takes many small transactions
instead, and every few hundred of them one paid for the whole checkpoint inside its commit: that
one commit was the tail of a single departure report's latency. :class:`PeriodicCheckpointer`
copies the log from a thread of its own every quarter of a second instead, never waited for. The
writers' own automatic checkpoint stays on, at :data:`BACKGROUND_AUTOCHECKPOINT` pages, as the
bound on the log: SQLite rewinds the log only when a transaction begins on a fully copied one,
which under a steady stream of writes (one commits while the thread copies) may not happen
until a writer reaches that bound; its checkpoint then has little left to copy.

Durability is unchanged: a commit still syncs the log (``synchronous=FULL``), and a checkpoint
interrupted by a crash is completed from the log when the database is next opened.
"""

from __future__ import annotations

import sqlite3
import threading

BACKGROUND_AUTOCHECKPOINT = 10_000
"""Writers' ``wal_autocheckpoint`` beside a :class:`PeriodicCheckpointer`: ten times SQLite's
default, about 40 MiB of log at 4 KiB pages (see above)."""


def _checkpoint_connection(database: str) -> sqlite3.Connection:
    """A connection of a checkpointing thread's own. Opened by the caller, so a database that
    cannot be opened fails it at once; used only by the thread from then on."""
    connection = sqlite3.connect(
        database, timeout=60, isolation_level=None, check_same_thread=False
    )
    connection.execute("PRAGMA synchronous=FULL")
    return connection


class BackgroundCheckpointer:
    """One thread running ``PRAGMA wal_checkpoint(PASSIVE)`` on request."""

    def __init__(self, database: str) -> None:
        self._connection = _checkpoint_connection(database)
        self._wanted = threading.Event()
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="docket-checkpoint", daemon=True)
        self._thread.start()

    def request(self) -> None:
        """Start a checkpoint of everything committed so far (call after a commit)."""
        self._idle.clear()
        self._wanted.set()

    def wait(self) -> None:
        """Return once no checkpoint is running; re-raise what a failed one raised."""
        self._idle.wait()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        """Finish the running checkpoint and stop the thread."""
        self._idle.wait()
        self._stopping = True
        self._wanted.set()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while True:
                self._wanted.wait()
                self._wanted.clear()
                if self._stopping:
                    return
                self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                self._idle.set()
        except BaseException as exc:  # surfaced to the writer by wait() or close()
            self._error = exc
        finally:
            self._idle.set()
            self._connection.close()


class PeriodicCheckpointer:
    """One thread running ``PRAGMA wal_checkpoint(PASSIVE)`` every ``interval`` seconds. (In the
    departures benchmark, single reports' p99 was 9.6 to 10.3 ms at 0.1 s and 6.4 to 8.5 ms at
    0.25 s; 1 s did as well, but leaves more log to copy at a time.)

    A passive checkpoint copies what it can without waiting for readers or writers, so no
    transaction ever waits for it; one with nothing to copy costs a look at the log's index.
    A checkpoint refused because another connection is checkpointing is simply tried again
    at the next turn; any other failure stops the thread (the writers' own automatic
    checkpoint then keeps the log bounded) and is raised by :meth:`close`.
    """

    def __init__(self, database: str, *, interval: float = 0.25) -> None:
        if interval <= 0:
            raise ValueError("the checkpoint interval must be positive")
        self._connection = _checkpoint_connection(database)
        self._interval = interval
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="docket-checkpoints", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop the thread after the checkpoint it is running, if any; raise what failed."""
        self._stop.set()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._interval):
                try:
                    self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) and "busy" not in str(exc):
                        raise
                    # another connection is checkpointing: next turn
        except BaseException as exc:  # raised by close()
            self._error = exc
        finally:
            self._connection.close()
