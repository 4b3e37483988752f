"""Brief reads (the session check of every API request, a case or a person read): on PostgreSQL
without BEGIN and COMMIT, and never leaving the pooled connection outside transactions."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa

from docket.storage import driver
from docket.storage.engine import brief_read, make_engine
from docket.storage.unit_of_work import SqlUnitOfWork

_INSERT = driver.Statement.insert("login_failures", ("username", "failed_at"))
_COUNT = driver.Statement.of("SELECT count(*) FROM login_failures WHERE username = %s")


def _in_transaction(connection: sa.Connection) -> bool:
    """Whether the driver's connection is inside a transaction now (not SQLAlchemy's idea)."""
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        return raw.info.transaction_status != psycopg.pq.TransactionStatus.IDLE
    return bool(raw.in_transaction)


def test_a_brief_read_begins_no_transaction_on_postgresql_and_a_snapshot_on_sqlite(database_url):
    engine = make_engine(database_url)
    try:
        with brief_read(engine) as connection:
            assert driver.run(connection, _COUNT, ("ana",)).fetchone()[0] == 0
            assert _in_transaction(connection) == (engine.dialect.name == "sqlite")
        with engine.connect() as connection, connection.begin():
            driver.run(connection, _COUNT, ("ana",)).fetchone()
            assert _in_transaction(connection)
    finally:
        engine.dispose()


def test_a_write_on_the_connection_a_brief_read_used_still_rolls_back(database_url):
    engine = make_engine(database_url, pool_size=1, max_overflow=0)  # one connection, reused
    uow = SqlUnitOfWork(engine)
    try:
        with uow.read(brief=True) as tx:
            assert tx.get_case_by_ref("DKT-NONE") is None
        with engine.connect() as connection:
            transaction = connection.begin()
            driver.run(connection, _INSERT, ("bo", "2026-12-06T09:00:00.000000+00:00"))
            transaction.rollback()
        with brief_read(engine) as connection:
            assert driver.run(connection, _COUNT, ("bo",)).fetchone()[0] == 0
    finally:
        uow.close()
        engine.dispose()
