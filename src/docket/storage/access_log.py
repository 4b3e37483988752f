"""Appending to the access log: chained under the lock of its chain head, in the caller's
transaction, so an entry commits or rolls back with the change it describes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from docket.audit.access import ACCESS_CHAIN, ACCESS_COLUMNS, AccessEntry
from docket.audit.chain import chain_hash, link_body
from docket.cases.snapshot import canonical_json
from docket.storage import driver
from docket.storage import schema as t
from docket.storage.chain_heads import lock_head, move_head
from docket.storage.engine import WRITE_OPTION
from docket.storage.rows import instant_text


def access_values(entry: AccessEntry) -> dict[str, Any]:
    """``entry`` as the text its hash covers (``audit.access.ACCESS_COLUMNS``)."""
    return {
        "at": instant_text(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "record_type": entry.record_type,
        "record_id": entry.record_id,
        "purpose": entry.purpose,
        "outcome": entry.outcome.value,
        "source": entry.source,
        "details": canonical_json(dict(entry.details)),
    }


_INSERT_ACCESS = driver.Statement.insert(
    "access_log", ("seq", *ACCESS_COLUMNS, "prev_hash", "hash")
)
# Every API request appends here: the driver's cursor, not Core (see storage.driver).


def append_access(connection: sa.Connection, entries: Sequence[AccessEntry]) -> None:
    """Chain ``entries`` onto the access log within ``connection``'s transaction."""
    if not entries:
        return
    length, prev = lock_head(connection, ACCESS_CHAIN)
    rows = []
    for entry in entries:
        length += 1
        values = access_values(entry)
        digest = chain_hash(length, link_body(values), prev)
        rows.append((length, *[values[name] for name in ACCESS_COLUMNS], prev, digest))
        prev = digest
    driver.run_many(connection, _INSERT_ACCESS, rows)
    move_head(connection, ACCESS_CHAIN, length, prev)


class _Ticket:
    """One caller's entries, waiting to be committed."""

    __slots__ = ("done", "entries", "error")

    def __init__(self, entries: Sequence[AccessEntry]) -> None:
        self.entries = entries
        self.done = False
        self.error: BaseException | None = None


class SqlAccessLog:
    """Records access entries that accompany no change (reads, refusals) in a transaction of
    their own.

    Group commit: callers that arrive while a commit is under way queue up, and the next of
    them commits every queued entry in one transaction. Each caller still returns only once its
    own entries are committed (or raises if they could not be), but under load the chain
    head's lock is taken once per batch instead of once per request, which had made requests
    queue behind each other's commits.
    """

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._turn = threading.Condition()
        self._queue: list[_Ticket] = []
        self._committing = False

    def record(self, entries: Sequence[AccessEntry]) -> None:
        ticket = _Ticket(entries)
        batch: list[_Ticket] = []
        with self._turn:
            self._queue.append(ticket)
            while self._committing and not ticket.done:
                self._turn.wait()
            if not ticket.done:  # nobody is committing: this caller commits the queue
                self._committing = True
                batch, self._queue = self._queue, []
        if batch:
            try:
                self.commit_batch(batch)
            finally:
                with self._turn:
                    self._committing = False
                    self._turn.notify_all()
        if ticket.error is not None:
            raise ticket.error

    def commit_batch(self, batch: Sequence[_Ticket]) -> None:
        """Commit every ticket's entries in one transaction; if that fails, each ticket in a
        transaction of its own, so that one bad entry fails only its own caller."""
        try:
            self._append([entry for ticket in batch for entry in ticket.entries])
        except Exception:
            for ticket in batch:
                try:
                    self._append(ticket.entries)
                except Exception as exc:
                    ticket.error = exc
        for ticket in batch:
            ticket.done = True

    def _append(self, entries: Sequence[AccessEntry]) -> None:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                append_access(connection, entries)

    def entries(
        self,
        *,
        record_id: str | None = None,
        actor: str | None = None,
        after_seq: int = 0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Entries in log order after ``after_seq``, optionally of one record or one actor."""
        log = t.access_log
        query = sa.select(log).where(log.c.seq > after_seq).order_by(log.c.seq).limit(limit)
        if record_id is not None:
            query = query.where(log.c.record_id == record_id)
        if actor is not None:
            query = query.where(log.c.actor == actor)
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
