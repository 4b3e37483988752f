"""The migrations make exactly the tables, columns and indexes that ``storage.schema`` says;
a migration that would leave a dangling reference on SQLite changes nothing."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from docket.errors import ConfigurationError
from docket.storage.engine import make_engine
from docket.storage.migrate import upgrade
from docket.storage.schema import metadata


def test_the_migrated_schema_is_the_declared_one(database_url):
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
    finally:
        engine.dispose()
    # alembic_version is Alembic's own table, not declared in the schema.
    assert [d for d in differences if not _is_alembic_version(d)] == []


def _is_alembic_version(difference: object) -> bool:
    return (
        isinstance(difference, tuple)
        and difference[0] == "remove_table"
        and difference[1].name == "alembic_version"
    )


def test_a_migration_that_would_leave_a_dangling_reference_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'docket.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine, "0006")
        # A row written with foreign keys off (as a careless tool might), naming nobody.
        raw = sqlite3.connect(tmp_path / "docket.db")
        with raw:
            raw.execute("INSERT INTO person_documents VALUES ('P-NOBODY', 'X1')")
        raw.close()
        with pytest.raises(ConfigurationError, match="refer to missing rows"):
            upgrade(engine)
        tables = set(sa.inspect(engine).get_table_names())
        with engine.connect() as connection:
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    finally:
        engine.dispose()
    assert (version, "priority_runs" in tables, enforced) == ("0006", False, 1)
