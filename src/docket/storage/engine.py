"""Engines for SQLite and PostgreSQL, set up for durability.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed write survives a crash) and
write transactions start with ``BEGIN IMMEDIATE``, so two writers queue on the lock instead of
failing when one upgrades from reading to writing.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from docket.errors import ConfigurationError

WRITE_OPTION = "docket_write"
"""Execution option marking a connection whose transaction will write."""


@contextmanager
def brief_read(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection, in a transaction, for a few small reads with nothing streamed (a
    server-side cursor, as ``yield_per`` makes, needs a real transaction on PostgreSQL).

    On PostgreSQL its statements run without ``BEGIN`` and ``COMMIT``: under READ COMMITTED
    each statement reads its own snapshot either way, and the two round trips cost more than
    the query (about 80 us of the client's CPU and 60 us of the server's, measured on
    loopback); every API request makes one such read to check its session. On SQLite it is a
    deferred transaction, whose statements share one snapshot."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # Reverted to the default when the connection goes back to the pool.
            connection.execution_options(isolation_level="AUTOCOMMIT")
        with connection.begin():
            yield connection


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
    except ValueError as exc:  # a port that is not a number, an IPv6 host's "[" left open
        raise ConfigurationError(
            f"not a database URL: {_password_hidden(url)!r} (its host or port cannot be read)"
        ) from exc
    backend = parsed.get_backend_name()
    if backend not in DRIVERS:
        raise ConfigurationError(f"unsupported database {backend!r}: use sqlite or postgresql")
    if parsed.drivername not in (backend, f"{backend}+{DRIVERS[backend]}"):
        # Another driver (postgresql+psycopg2, copied from elsewhere) is not installed with
        # Docket, nor tested with it.
        raise ConfigurationError(
            f"unsupported driver {parsed.get_driver_name()!r}: Docket reaches {backend} "
            f"through {DRIVERS[backend]} ({EXAMPLES[backend]})"
        )
    if backend == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    return sa.create_engine(parsed.set(drivername="postgresql+psycopg"), **kwargs)


DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
"""The one driver Docket uses for each database it supports."""
EXAMPLES = {"sqlite": "sqlite:///docket.db", "postgresql": "postgresql+psycopg://user@host/db"}


def _password_hidden(url: str) -> str:
    """``url`` with the password of its ``user:password@`` part starred, as SQLAlchemy
    renders the URLs it can read."""
    return re.sub(r"(://[^/?#@:]*:)[^/?#]*@", r"\1***@", url)


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


def database_failure(exc: BaseException) -> str | None:
    """The database's own reason, in one line, when ``exc`` is the database failing under a
    command (connection lost, server shutting down, disk full, lock not granted); ``None`` for
    any other error. Only the driver's message: never the statement that was running.

    The driver's own errors count too: the hot statements run on its cursor
    (:mod:`docket.storage.driver`), where SQLAlchemy does not wrap what it raises. So does
    waiting in vain for a connection of the pool (every one busy: the API's threads outnumber
    them), which says so in its first line."""
    if isinstance(exc, sa.exc.TimeoutError):  # its own words, without SQLAlchemy's link
        said = str(exc.args[0]) if exc.args else ""
        return said.strip().split("\n", 1)[0] or type(exc).__name__
    cause: BaseException | None
    if isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError):
        cause = exc.orig
    elif isinstance(exc, _driver_failures()):
        cause = exc
    else:
        return None
    lines = str(cause).strip().splitlines() if cause is not None else []
    return lines[0] if lines else type(cause).__name__


def _driver_failures() -> tuple[type[BaseException], ...]:
    kinds: tuple[type[BaseException], ...] = (sqlite3.OperationalError, sqlite3.InterfaceError)
    psycopg = sys.modules.get("psycopg")  # not imported: no psycopg error can have been raised
    if psycopg is not None:
        kinds += (psycopg.OperationalError, psycopg.InterfaceError)
    return kinds
