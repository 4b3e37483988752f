"""Engines for SQLite and PostgreSQL, set up for durability.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed write survives a crash) and
write transactions start with ``BEGIN IMMEDIATE``, so two writers queue on the lock instead of
failing when one upgrades from reading to writing.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from docket.errors import ConfigurationError

WRITE_OPTION = "docket_write"
"""Execution option marking a connection whose transaction will write."""


SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=60000",
    # 64 MiB of page cache (the default is 2 MiB): index inserts at scale stay in memory.
    "PRAGMA cache_size=-65536",
)
"""Set on every SQLite connection (the benchmarks' raw baselines use them too)."""


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    """An engine for ``url`` (``sqlite:///file.db`` or ``postgresql+psycopg://...``)."""
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as exc:
        raise ConfigurationError(f"not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return sa.create_engine(parsed, **kwargs)
    raise ConfigurationError(
        f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
    )


def _sqlite_engine(url: sa.URL, **kwargs: Any) -> sa.Engine:
    if url.database in (None, "", ":memory:"):
        raise ConfigurationError(
            "SQLite needs a file: an in-memory database would lose every write"
        )
    engine = sa.create_engine(url, connect_args={"timeout": 60}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to the "begin" hook below (the documented pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        mode = "IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine
