"""Fixed statements run on the database driver's own cursor, inside a SQLAlchemy transaction.

Every API request runs a handful of small statements: the session and its user, the record it
reads, the access-log entry on its chain. Through SQLAlchemy Core each costs about twice what
the driver alone costs (the statement's cache key, the execution context, the result object),
and under load the API is bound by that CPU. The statements here are plain SQL with positional
parameters, written once and rendered for each dialect's parameter style; they run in the
transaction SQLAlchemy began on the connection, so they commit or roll back with everything
else in it. psycopg prepares a statement on the server once it has run a few times on a
connection, which these, being fixed, always are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Statement:
    """One statement, written with ``%s`` for each parameter, in each dialect's form."""

    postgresql: str
    sqlite: str

    @classmethod
    def of(cls, sql: str, *, postgresql_suffix: str = "") -> Statement:
        """``sql`` for both dialects; ``postgresql_suffix`` (such as ``FOR UPDATE``: a SQLite
        write transaction holds the whole database already) is added on PostgreSQL only."""
        sql = " ".join(sql.split())
        return cls(f"{sql} {postgresql_suffix}".strip(), sql.replace("%s", "?"))

    @classmethod
    def insert(cls, table: str, columns: Sequence[str]) -> Statement:
        """``INSERT`` of one row of ``columns`` into ``table`` (names of the schema's own)."""
        marks = ", ".join(["%s"] * len(columns))
        return cls.of(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})")  # noqa: S608

    def text(self, connection: sa.Connection) -> str:
        return self.postgresql if connection.dialect.name == "postgresql" else self.sqlite


def run(connection: sa.Connection, statement: Statement, params: Sequence[Any] = ()) -> Any:
    """Execute ``statement`` on ``connection``'s driver cursor, in the transaction SQLAlchemy
    began on it; the cursor, to fetch from."""
    driver = _driver(connection)
    cursor = driver.cursor()
    cursor.execute(statement.text(connection), params)
    return cursor


def run_many(
    connection: sa.Connection, statement: Statement, rows: Sequence[Sequence[Any]]
) -> None:
    """Execute ``statement`` once per row of ``rows`` (psycopg sends them in one pipeline)."""
    if len(rows) == 1:  # a pipeline of one costs more than the statement
        run(connection, statement, rows[0])
    elif rows:
        _driver(connection).cursor().executemany(statement.text(connection), rows)


def _driver(connection: sa.Connection) -> Any:
    # Outside a transaction begun by SQLAlchemy, SQLite's driver would commit each statement
    # on its own and psycopg's would begin one that SQLAlchemy then rolls back unseen.
    if not connection.in_transaction():
        raise RuntimeError("driver statements run only inside a transaction")
    driver = connection.connection.driver_connection
    assert driver is not None
    return driver
