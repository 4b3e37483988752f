"""The unit of work over SQLAlchemy Core: one transaction, the same code for SQLite and PostgreSQL.

A write transaction first takes the log's write lock (``BEGIN IMMEDIATE`` on SQLite, a row lock
on the chain head on PostgreSQL), so writers queue, each sees the latest state, and the chain is
extended by one writer at a time. Events and the projection they produce commit together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from docket.cases.ports import RecordEncoder
from docket.storage import bulk_indexes
from docket.storage import schema as t
from docket.storage.case_reads import SqlReadTransaction
from docket.storage.case_writes import SqlWriteTransaction
from docket.storage.checkpoint import (
    BACKGROUND_AUTOCHECKPOINT,
    BackgroundCheckpointer,
    PeriodicCheckpointer,
)
from docket.storage.engine import WRITE_OPTION, brief_read
from docket.storage.rows import encode_copy_records, encode_records

_AUTOCHECKPOINT = 1000
"""SQLite's default: checkpoint in the commit that takes the WAL past this many pages."""
ANALYSED_FROM_ROWS = 1_000
"""A PostgreSQL bulk load of at least this many rows ends by gathering the planner's statistics
of the tables it wrote (PostgreSQL's own advice after loading data): without them, as on a
server whose autovacuum is off or has not come round yet, the planner took the tables for
empty and scanned a million-row table whole for each look-up by a list of keys."""
_LOADED_TABLES = (t.persons, t.person_documents, t.cases, t.events, t.case_bars, t.case_deadlines)
"""What a case import writes."""


class SqlUnitOfWork:
    """Transactions on one engine.

    ``checkpoint_in_background``, for a long-running process on SQLite (the API server, a
    departure listener): WAL checkpoints run in a thread every fraction of a second instead
    of inside the commits that happen to fill the log (see :mod:`docket.storage.checkpoint`);
    :meth:`close` stops it. Elsewhere it changes nothing."""

    def __init__(self, engine: sa.Engine, *, checkpoint_in_background: bool = False) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._checkpointer: BackgroundCheckpointer | None = None
        self._periodic: PeriodicCheckpointer | None = None
        self._autocheckpoint = _AUTOCHECKPOINT
        if self._sqlite and checkpoint_in_background:
            database = engine.url.database
            assert database is not None  # make_engine refuses SQLite without a file
            self._periodic = PeriodicCheckpointer(database)
            self._autocheckpoint = BACKGROUND_AUTOCHECKPOINT

    def close(self) -> None:
        """Stop the background checkpoints, if any (raising what made them fail)."""
        periodic, self._periodic = self._periodic, None
        if periodic is not None:
            periodic.close()

    @contextmanager
    def bulk(self, *, rows: int = 0, notice: Callable[[str], None] | None = None) -> Iterator[None]:
        """Many large write transactions follow, about ``rows`` rows in all. On SQLite, WAL
        checkpoints then run in a background thread between them instead of inside their
        commits (see :mod:`docket.storage.checkpoint`), and a large enough load leaves out the
        secondary indexes until it ends (:mod:`docket.storage.bulk_indexes`; ``notice`` is told
        when they are built again). On PostgreSQL, a load of at least
        :data:`ANALYSED_FROM_ROWS` rows that completes ends with ``ANALYZE`` of the tables it
        wrote (``notice`` is told)."""
        if not self._sqlite:
            yield
            if rows >= ANALYSED_FROM_ROWS:
                if notice is not None:
                    notice("updating the database's statistics of the imported tables")
                with self.engine.begin() as connection:
                    names = ", ".join(table.name for table in _LOADED_TABLES)
                    connection.exec_driver_sql(f"ANALYZE {names}")
            return
        if self._checkpointer is not None:
            yield
            return
        database = self.engine.url.database
        assert database is not None  # make_engine refuses SQLite without a file
        with self.write() as tx:
            deferred = bulk_indexes.defer(tx.connection, rows)
            if not deferred:
                bulk_indexes.build(tx.connection)  # what an import killed outright left out
        try:
            self._checkpointer = BackgroundCheckpointer(database)
            try:
                yield
            finally:
                checkpointer, self._checkpointer = self._checkpointer, None
                checkpointer.close()
        finally:
            if deferred:
                if notice is not None:
                    notice(f"building {len(deferred)} indexes left out during the import")
                with self.write() as tx:
                    bulk_indexes.build(tx.connection, deferred)

    def encoder(self) -> RecordEncoder:
        # PostgreSQL takes rows as COPY text made in the workers; SQLite takes tuples.
        return encode_copy_records if self.engine.dialect.name == "postgresql" else encode_records

    @contextmanager
    def write(self) -> Iterator[SqlWriteTransaction]:
        with self.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE_OPTION: True})
            checkpointer = self._checkpointer
            if checkpointer is not None:
                checkpointer.wait()  # begin on a fully copied log, which SQLite then rewinds
            with connection.begin():
                if self._sqlite:
                    # Per connection and pooled connections are reused: say it every time.
                    connection.exec_driver_sql(
                        f"PRAGMA wal_autocheckpoint={0 if checkpointer else self._autocheckpoint}"
                    )
                tx = SqlWriteTransaction(connection)
                yield tx
                tx.flush_head()
            if checkpointer is not None:
                checkpointer.request()

    @contextmanager
    def read(self, *, brief: bool = False) -> Iterator[SqlReadTransaction]:
        if brief:
            with brief_read(self.engine) as connection:
                yield SqlReadTransaction(connection)
            return
        with self.engine.connect() as connection, connection.begin():
            yield SqlReadTransaction(connection)
