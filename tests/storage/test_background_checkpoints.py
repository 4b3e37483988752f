"""Long-running processes on SQLite: checkpoints run in a thread of their own, not inside the
commits that happen to fill the log, and nothing committed is lost."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from pathlib import Path

import pytest

from docket.audit.verify import verify
from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.storage.audit_store import SqlAuditStore
from docket.storage.checkpoint import BACKGROUND_AUTOCHECKPOINT, PeriodicCheckpointer
from tests.builders import a_case
from tests.fakes import FixedClock

NOW = dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC)


def _autocheckpoint_of_a_write(docket) -> int:
    with docket.uow.write() as tx:
        value = tx.connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    assert isinstance(value, int)
    return value


def test_a_long_running_docket_checkpoints_in_the_background_and_loses_nothing(tmp_path):
    database = tmp_path / "long.db"
    settings = Settings(database_url=f"sqlite:///{database}")
    bootstrap(settings, migrate=True).close()
    docket = bootstrap(settings, clock=FixedClock(NOW), long_running=True)
    try:
        # The writers' own checkpoint is left only as a far bound on the log.
        assert _autocheckpoint_of_a_write(docket) == BACKGROUND_AUTOCHECKPOINT
        before = database.stat().st_size
        for n in range(60):
            a_case(docket, f"DKT-BG-{n}")
        wal_pages = Path(f"{database}-wal").stat().st_size // 4096
        assert wal_pages < BACKGROUND_AUTOCHECKPOINT  # no commit reached its own checkpoint
        # Only a checkpoint writes the database file: it grows once the thread has run.
        deadline = time.monotonic() + 30
        while database.stat().st_size == before:
            assert time.monotonic() < deadline, "no checkpoint ran in the background"
            time.sleep(0.05)
        with docket.uow.read() as tx:
            assert tx.connection.exec_driver_sql("SELECT count(*) FROM cases").scalar() == 60
        assert verify(SqlAuditStore(docket.engine)).is_ok
    finally:
        docket.close()


def test_an_ordinary_docket_keeps_sqlites_own_checkpoints(tmp_path):
    database = tmp_path / "short.db"
    settings = Settings(database_url=f"sqlite:///{database}")
    docket = bootstrap(settings, clock=FixedClock(NOW), migrate=True)
    try:
        assert _autocheckpoint_of_a_write(docket) == 1000
    finally:
        docket.close()


def test_background_checkpoints_copy_what_a_writer_commits(tmp_path):
    database = tmp_path / "x.db"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # only the thread checkpoints
    writer.execute("CREATE TABLE t (n INTEGER, pad TEXT)")
    before = database.stat().st_size
    checkpointer = PeriodicCheckpointer(str(database), interval=0.01)
    try:
        for n in range(200):
            writer.execute("INSERT INTO t VALUES (?, ?)", (n, "x" * 2000))
        # Only a checkpoint writes the database file, and only the thread checkpoints here.
        deadline = time.monotonic() + 30
        while database.stat().st_size < before + 200 * 2000:
            assert time.monotonic() < deadline, "the log was never copied"
            time.sleep(0.05)
    finally:
        checkpointer.close()
    reader = sqlite3.connect(database)
    assert reader.execute("SELECT count(*), sum(n) FROM t").fetchone() == (200, sum(range(200)))
    reader.close()
    writer.close()


def test_a_failed_background_checkpoint_is_raised_when_it_is_closed(tmp_path):
    checkpointer = PeriodicCheckpointer(str(tmp_path / "x.db"), interval=0.01)
    checkpointer._connection.close()  # the next checkpoint cannot run
    deadline = time.monotonic() + 30
    while checkpointer._thread.is_alive():  # a failure ends the thread
        assert time.monotonic() < deadline, "the thread went on after its checkpoint failed"
        time.sleep(0.01)
    with pytest.raises(sqlite3.ProgrammingError):
        checkpointer.close()


def test_the_interval_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="positive"):
        PeriodicCheckpointer(str(tmp_path / "x.db"), interval=0)


def test_the_api_server_is_a_long_running_process(tmp_path):
    from docket.api.app import create_app

    database = tmp_path / "api.db"
    settings = Settings(database_url=f"sqlite:///{database}")
    bootstrap(settings, migrate=True).close()
    app = create_app(settings, clock=FixedClock(NOW))
    try:
        assert _autocheckpoint_of_a_write(app.state.docket) == BACKGROUND_AUTOCHECKPOINT
    finally:
        app.state.docket.close()
