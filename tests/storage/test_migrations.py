"""The migrations make exactly the tables, columns and indexes that ``storage.schema`` says;
the name keys of 0008 are filled in for the persons already there, and undone by a downgrade;
a migration that would leave a dangling reference on SQLite changes nothing."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.cases.service import open_case
from docket.departures.linkage import normal_name, record
from docket.errors import ConfigurationError
from docket.storage import schema as t
from docket.storage.audit_store import SqlAuditStore
from docket.storage.engine import make_engine
from docket.storage.migrate import downgrade, upgrade
from docket.storage.schema import metadata
from tests.builders import a_person


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


def _persons_table(engine: sa.Engine) -> tuple[set[str], set[str]]:
    """The columns and the index names of ``persons`` (from the catalogue: SQLAlchemy does
    not reflect SQLite's indexes on expressions)."""
    columns = {c["name"] for c in sa.inspect(engine).get_columns("persons")}
    if engine.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'persons'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'persons'"
    with engine.connect() as connection:
        return columns, set(connection.exec_driver_sql(query).scalars())


KEYS = {"given_name_key", "family_name_key"}
NAMES = [("Óscar", "Álvarez"), ("Anna  Maria", "Weiß"), (" Zoë ", "DE LA CRUZ"), ("", "Ñúñez")]


def test_downgrading_and_upgrading_again_keeps_every_person_and_case(docket: Docket):
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-M-1",
        person=a_person("Óscar", "Álvarez"),
        field_office="NYC",
        opened_on=docket.clock.now().date(),
        actor="officer.test",
        document_ref="I-213",
    )
    downgrade(docket.engine, "0007")
    columns, indexes = _persons_table(docket.engine)
    assert columns & KEYS == set()
    assert ("ix_persons_names" in indexes, "ix_persons_name_keys" in indexes) == (True, False)
    upgrade(docket.engine)
    columns, indexes = _persons_table(docket.engine)
    assert columns & KEYS == KEYS
    assert ("ix_persons_names" in indexes, "ix_persons_names_linkage" in indexes) == (False, True)
    report = record({"given_name": "ÓSCAR", "family_name": "álvarez"})
    with docket.departures.write() as tx:
        found = tx.candidates(report)
    assert [fields["family_name"] for fields in found.values()] == ["álvarez"]
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_the_keys_of_the_persons_already_there_are_filled_in(database_url: str):
    engine = make_engine(database_url)
    try:
        downgrade(engine, "0007")
        count = 5_001  # more than one of the migration's batches of 5,000
        with engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO persons (person_id, given_name, family_name, version, data) "
                    "VALUES (:person_id, :given, :family, 1, '{}')"
                ),
                [
                    {"person_id": f"P{n:05d}", "given": given, "family": family}
                    for n in range(count)
                    for given, family in [NAMES[n % len(NAMES)]]
                ],
            )
        upgrade(engine)
        p = t.persons.c
        with engine.connect() as connection:
            rows = connection.execute(
                sa.select(p.given_name, p.family_name, p.given_name_key, p.family_name_key)
            ).all()
    finally:
        engine.dispose()
    assert len(rows) == count
    keys = {(g, f): (gk, fk) for g, f, gk, fk in rows}  # each name pair: one pair of keys
    assert keys == {(g, f): (normal_name(g), normal_name(f)) for g, f in NAMES}
    assert keys[("Anna  Maria", "Weiß")] == ("anna maria", "weiss")
    assert keys[(" Zoë ", "DE LA CRUZ")] == ("zoë", "de la cruz")


def test_a_migration_that_would_leave_a_dangling_reference_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'docket.db'}"
    engine = make_engine(url)
    try:
        upgrade(engine, "0007")
        # A row written with foreign keys off (as a careless tool might), naming nobody.
        raw = sqlite3.connect(tmp_path / "docket.db")
        with raw:
            raw.execute("INSERT INTO person_documents VALUES ('P-NOBODY', 'X1')")
        raw.close()
        with pytest.raises(ConfigurationError, match="refer to missing rows"):
            upgrade(engine)
        columns, _ = _persons_table(engine)
        with engine.connect() as connection:
            version = connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
            enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    finally:
        engine.dispose()
    assert (version, columns & KEYS, enforced) == ("0007", set(), 1)
