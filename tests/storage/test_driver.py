"""Statements on the driver's own cursor: they run in the transaction SQLAlchemy began, commit
and roll back with it, and are refused outside one."""

from __future__ import annotations

import pytest

from docket.storage import driver

_INSERT = driver.Statement.insert("login_failures", ("username", "failed_at"))
_COUNT = driver.Statement.of("SELECT count(*) FROM login_failures WHERE username = %s")
_LOCK_HEAD = driver.Statement.of(
    "SELECT length FROM chain_heads WHERE chain = %s", postgresql_suffix="FOR UPDATE"
)


def _count(docket, username: str) -> int:
    with docket.engine.connect() as connection, connection.begin():
        return int(driver.run(connection, _COUNT, (username,)).fetchone()[0])


def test_statements_commit_with_the_transaction_they_run_in(docket):
    with docket.engine.connect() as connection, connection.begin():
        driver.run(connection, _INSERT, ("ana", "2026-11-22T09:00:00.000000+00:00"))
        driver.run_many(
            connection,
            _INSERT,
            [
                ("bo", "2026-11-22T09:00:01.000000+00:00"),
                ("bo", "2026-11-22T09:00:02.000000+00:00"),
            ],
        )
    assert (_count(docket, "ana"), _count(docket, "bo")) == (1, 2)


def test_statements_roll_back_with_the_transaction_they_run_in(docket):
    with docket.engine.connect() as connection:
        transaction = connection.begin()
        driver.run(connection, _INSERT, ("cy", "2026-11-22T09:00:00.000000+00:00"))
        assert int(driver.run(connection, _COUNT, ("cy",)).fetchone()[0]) == 1
        transaction.rollback()
    assert _count(docket, "cy") == 0


def test_a_statement_outside_a_transaction_is_refused_and_changes_nothing(docket):
    with docket.engine.connect() as connection:
        with pytest.raises(RuntimeError, match="only inside a transaction"):
            driver.run(connection, _INSERT, ("dee", "2026-11-22T09:00:00.000000+00:00"))
        with pytest.raises(RuntimeError, match="only inside a transaction"):
            driver.run_many(connection, _INSERT, [("dee", "2026-11-22T09:00:00.000000+00:00")] * 2)
    assert _count(docket, "dee") == 0


def test_each_dialect_gets_its_own_parameter_style_and_suffix():
    assert _LOCK_HEAD.postgresql == "SELECT length FROM chain_heads WHERE chain = %s FOR UPDATE"
    assert _LOCK_HEAD.sqlite == "SELECT length FROM chain_heads WHERE chain = ?"
    assert _INSERT.sqlite == "INSERT INTO login_failures (username, failed_at) VALUES (?, ?)"
