"""Shared fixtures. Storage tests run on SQLite always, and on PostgreSQL too when
DOCKET_TEST_DATABASE_URL names a server (CI sets it): each such test gets its own database,
copied from a migrated template, and drops it afterwards."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket, bootstrap
from docket.config import Settings
from docket.storage.engine import make_engine
from docket.storage.migrate import upgrade
from tests.fakes import FixedClock

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
PG_URL = os.environ.get("DOCKET_TEST_DATABASE_URL")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def _admin_engine() -> sa.Engine:
    assert PG_URL is not None
    return sa.create_engine(
        sa.make_url(PG_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that per-test databases are copied from."""
    if PG_URL is None:
        pytest.skip("DOCKET_TEST_DATABASE_URL is not set")
    name = f"docket_tpl_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine = make_engine(sa.make_url(PG_URL).set(database=name).render_as_string(False))
    upgrade(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _pg_database(template: str) -> Iterator[str]:
    name = f"docket_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield (
            sa.make_url(PG_URL)
            .set(drivername="postgresql+psycopg", database=name)
            .render_as_string(False)
        )
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database of the test's own (skipped without one)."""
    if PG_URL is None:
        pytest.skip("DOCKET_TEST_DATABASE_URL is not set")
    yield from _pg_database(request.getfixturevalue("pg_template"))


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'docket.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url
    else:
        yield from _pg_database(request.getfixturevalue("pg_template"))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, signing_key_file=tmp_path / "signing.key")


@pytest.fixture
def docket(settings: Settings, clock: FixedClock) -> Iterator[Docket]:
    wired = bootstrap(settings, clock=clock, migrate=False)
    try:
        yield wired
    finally:
        wired.close()
