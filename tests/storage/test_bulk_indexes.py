"""A large bulk import on SQLite leaves the secondary indexes out and builds them again at its
end, whatever happens; a small one, one into a larger docket, and PostgreSQL keep them; an
index a killed import left out is made again by the next import and by the migration."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from docket.audit.verify import verify
from docket.bootstrap import Docket, bootstrap
from docket.config import Settings
from docket.importing.cases_csv import import_cases
from docket.storage import bulk_indexes
from docket.storage.audit_store import SqlAuditStore
from docket.storage.migrate import upgrade
from docket.synthetic import generate_dataset
from tests.fakes import FixedClock

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
DEFERRABLE = {str(index.name) for index in bulk_indexes.DEFERRABLE}


def _indexes(engine: sa.Engine) -> set[str]:
    inspector = sa.inspect(engine)
    tables = {"persons", "person_documents", "cases", "case_bars", "case_deadlines"}
    return {str(index["name"]) for table in tables for index in inspector.get_indexes(table)}


@pytest.fixture
def cases_csv(tmp_path: Path) -> Path:
    generate_dataset(cases=600, seed=11, as_of=NOW.date(), out_dir=tmp_path / "data")
    return tmp_path / "data" / "cases.csv"


@pytest.fixture
def small_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulk_indexes, "DEFERRED_FROM_ROWS", 100)


def _import(docket: Docket, path: Path, *, expected_rows: int, progress=None, notice=None):
    return import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=path,
        actor="test",
        batch_size=200,
        workers=1,
        progress=progress,
        expected_rows=expected_rows,
        notice=notice,
    )


def test_the_deferrable_indexes_are_the_non_unique_ones_of_the_imported_tables():
    assert {
        "ix_persons_born_linkage",
        "ix_persons_names_linkage",
        "ix_person_documents_number",
        "ix_cases_person_id",
        "ix_cases_state",
        "ix_cases_field_office",
        "ix_case_bars_kind",
        "ix_case_deadlines_kind_due_on",
        "ix_case_deadlines_due_on",
    } == DEFERRABLE


@pytest.mark.usefixtures("small_threshold")
def test_a_large_load_on_sqlite_leaves_the_indexes_out_and_builds_them_at_its_end(
    database_url, docket, cases_csv
):
    during: list[set[str]] = []
    notices: list[str] = []
    report = _import(
        docket,
        cases_csv,
        expected_rows=600,
        progress=lambda _rows: during.append(_indexes(docket.engine)),
        notice=notices.append,
    )
    assert report.errors == []
    assert report.cases_imported == 600
    assert len(during) == 3
    if database_url.startswith("sqlite"):
        assert all(present.isdisjoint(DEFERRABLE) for present in during)
        assert notices == ["building 9 indexes left out during the import"]
    else:  # PostgreSQL keeps them
        assert all(present >= DEFERRABLE for present in during)
        assert notices == []
    assert _indexes(docket.engine) >= DEFERRABLE
    assert verify(SqlAuditStore(docket.engine)).is_ok
    with docket.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM cases").scalar() == 600
        if database_url.startswith("sqlite"):  # the rebuilt indexes hold every row, and serve
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT count(*) FROM persons WHERE date_of_birth > '1900-01-01'"
            ).all()
            assert "ix_persons_born_linkage" in " ".join(str(row) for row in plan)
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


@pytest.mark.usefixtures("small_threshold")
def test_the_indexes_are_built_again_when_the_import_fails_half_way(docket, cases_csv):
    def fail_after_the_first_batch(_rows: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _import(docket, cases_csv, expected_rows=600, progress=fail_after_the_first_batch)
    assert _indexes(docket.engine) >= DEFERRABLE
    with docket.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM cases").scalar() == 200


@pytest.mark.usefixtures("small_threshold")
def test_a_small_load_or_one_into_a_larger_docket_keeps_the_indexes(docket, cases_csv, tmp_path):
    during: list[set[str]] = []
    _import(
        docket,
        cases_csv,
        expected_rows=99,  # under the threshold
        progress=lambda _rows: during.append(_indexes(docket.engine)),
    )
    generate_dataset(cases=300, seed=12, as_of=NOW.date(), out_dir=tmp_path / "more")
    _import(
        docket,
        tmp_path / "more" / "cases.csv",
        expected_rows=300,  # fewer rows than the 600 persons already there
        progress=lambda _rows: during.append(_indexes(docket.engine)),
    )
    assert len(during) == 5
    assert all(present >= DEFERRABLE for present in during)


def test_indexes_a_killed_import_left_out_are_made_by_the_next_import_and_by_the_migration(
    tmp_path, cases_csv
):
    database = tmp_path / "killed.db"
    docket = bootstrap(
        Settings(database_url=f"sqlite:///{database}"), clock=FixedClock(NOW), migrate=True
    )
    try:
        with docket.engine.begin() as connection:  # as a killed import leaves them
            for name in ("ix_persons_born_linkage", "ix_case_deadlines_due_on"):
                connection.exec_driver_sql(f"DROP INDEX {name}")
        assert not {"ix_persons_born_linkage", "ix_case_deadlines_due_on"} & _indexes(docket.engine)
        _import(docket, cases_csv, expected_rows=0)  # too small to defer: builds what's missing
        assert _indexes(docket.engine) >= DEFERRABLE

        with docket.engine.begin() as connection:
            connection.exec_driver_sql("DROP INDEX ix_cases_state")
        upgrade(docket.engine)  # `docket init`
        assert _indexes(docket.engine) >= DEFERRABLE
    finally:
        docket.close()
