"""The migrations make exactly the tables, columns and indexes that ``storage.schema`` says."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from docket.storage.engine import make_engine
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
