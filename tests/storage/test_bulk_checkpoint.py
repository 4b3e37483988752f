"""Bulk writes on SQLite: checkpoints run beside the writer, the log stays one transaction long,
nothing is lost, and ordinary writes afterwards checkpoint as before."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from docket.audit.verify import verify
from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from docket.storage.checkpoint import BackgroundCheckpointer
from docket.synthetic import generate_dataset
from tests.fakes import FixedClock

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def _wal_bytes(database: Path) -> int:
    wal = Path(f"{database}-wal")
    return wal.stat().st_size if wal.exists() else 0


def test_a_bulk_import_keeps_the_log_to_about_one_batch_and_loses_nothing(tmp_path):
    data = tmp_path / "data"
    generate_dataset(cases=3000, seed=5, as_of=NOW.date(), out_dir=data)
    database = tmp_path / "bulk.db"
    docket = bootstrap(
        Settings(database_url=f"sqlite:///{database}"), clock=FixedClock(NOW), migrate=True
    )
    largest = [0]

    def watch(_rows: int) -> None:
        largest[0] = max(largest[0], _wal_bytes(database))

    try:
        report = import_cases(
            uow=docket.uow,
            clock=docket.clock,
            path=data / "cases.csv",
            actor="test",
            batch_size=300,
            workers=1,
            progress=watch,
        )
        assert report.errors == []
        assert report.cases_imported == 3000
        with docket.uow.write() as tx:  # an ordinary write after the bulk one
            mode = tx.connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        assert mode == 1000
        assert verify(SqlAuditStore(docket.engine)).is_ok
    finally:
        docket.close()
    database_bytes = database.stat().st_size
    # Ten batches went through; without checkpoints the log would hold all of them (about the
    # size of the database). With them, it is rewound before every batch.
    assert 0 < largest[0] < database_bytes / 3


def test_a_checkpointer_that_cannot_open_its_database_says_so_at_once(tmp_path):
    with pytest.raises(sqlite3.OperationalError):
        BackgroundCheckpointer(str(tmp_path / "missing-dir" / "x.db"))


def test_a_failed_checkpoint_is_raised_to_the_writer(tmp_path):
    checkpointer = BackgroundCheckpointer(str(tmp_path / "x.db"))
    checkpointer._connection.close()  # the next checkpoint cannot run
    checkpointer.request()
    with pytest.raises(sqlite3.ProgrammingError):
        checkpointer.wait()
    with pytest.raises(sqlite3.ProgrammingError):
        checkpointer.close()


def test_requested_checkpoints_copy_the_log_into_the_database_file(tmp_path):
    database = tmp_path / "c.db"
    writer = sqlite3.connect(database, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("CREATE TABLE t (x TEXT)")
    writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    empty = database.stat().st_size
    writer.executemany("INSERT INTO t VALUES (?)", [("x" * 500,)] * 2000)
    assert database.stat().st_size == empty  # committed, but only in the log so far
    checkpointer = BackgroundCheckpointer(str(database))
    checkpointer.request()
    checkpointer.wait()
    copied = database.stat().st_size
    checkpointer.close()
    writer.close()
    assert copied > empty + 2000 * 500
