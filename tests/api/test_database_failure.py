"""The database failing under a request (locked past its busy timeout, a lock not granted in
time, the database gone): 503 `database_unavailable` in the one error shape, with
`Retry-After`, no stack trace or SQL, and nothing written."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from docket.api.app import SECURITY_HEADERS, create_app
from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.storage.engine import database_failure, make_engine
from docket.storage.migrate import upgrade
from tests.api.staff import log_in
from tests.builders import a_case
from tests.conftest import _admin_engine

UNAVAILABLE = {
    "error": {
        "code": "database_unavailable",
        "message": "the database is unavailable; try again in a few seconds",
        "details": {},
    }
}

COMMAND = "/api/cases/DKT-NYC-1/events/charging_document_served"


def _assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == UNAVAILABLE
    assert response.headers["Retry-After"] == "5"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value


def _command(client: TestClient, headers: dict[str, str], key: str):
    return client.post(
        COMMAND,
        json={"document_ref": "NTA-1"},
        headers={**headers, "Idempotency-Key": key, "If-Match": '"1"'},
    )


def _events(client: TestClient, headers: dict[str, str]) -> list[str]:
    response = client.get("/api/cases/DKT-NYC-1/timeline", headers=headers)
    assert response.status_code == 200, response.text
    return [event["kind"] for event in response.json()["events"]]


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    url = f"sqlite:///{tmp_path / 'docket.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return Settings(database_url=url, signing_key_file=tmp_path / "signing.key")


def test_a_sqlite_database_locked_past_its_busy_timeout_is_a_503_and_nothing_is_written(
    sqlite_settings, clock
):
    docket = bootstrap(sqlite_settings, clock=clock)
    a_case(docket, "DKT-NYC-1")
    app = create_app(sqlite_settings, clock=clock)
    engine = app.state.docket.engine

    @sa.event.listens_for(engine, "connect")
    def _short_busy_timeout(dbapi_connection, _record) -> None:  # after Docket's own pragmas
        dbapi_connection.execute("PRAGMA busy_timeout=100")

    engine.dispose()  # the pooled connections were made with the 60-second timeout
    try:
        with TestClient(app) as client:
            headers = log_in(client, docket, "nyc.officer")
            holder = sqlite3.connect(sqlite_settings.database_url.removeprefix("sqlite:///"))
            holder.isolation_level = None
            holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock, and keeps it
            try:
                _assert_unavailable(_command(client, headers, "key-1"))
                _assert_unavailable(client.get("/api/cases/DKT-NYC-1", headers=headers))
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            assert _events(client, headers) == ["case_opened"]
            retried = _command(client, headers, "key-1")
            assert retried.status_code == 201, retried.text
            assert retried.json()["replayed"] is False  # the first attempt left nothing
            assert _events(client, headers) == ["case_opened", "charging_document_served"]
    finally:
        docket.close()


def _database_name(url: str) -> str:
    name = sa.make_url(url).database
    assert name is not None
    return name


def test_a_lock_not_granted_in_time_is_a_503_and_the_failed_attempt_is_logged(
    pg_url, tmp_path, clock
):
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(
            f"ALTER DATABASE \"{_database_name(pg_url)}\" SET lock_timeout = '200ms'"
        )
    admin.dispose()
    settings = Settings(database_url=pg_url, signing_key_file=tmp_path / "signing.key")
    docket = bootstrap(settings, clock=clock)
    a_case(docket, "DKT-NYC-1")
    holder = make_engine(pg_url)
    try:
        with TestClient(create_app(settings, clock=clock)) as client:
            headers = log_in(client, docket, "nyc.officer")
            with holder.connect() as connection, connection.begin():
                # Another writer holds the event log's write lock, and keeps it.
                connection.exec_driver_sql(
                    "SELECT length FROM chain_heads WHERE chain = 'events' FOR UPDATE"
                )
                response = _command(client, headers, "key-1")
            _assert_unavailable(response)
            assert _events(client, headers) == ["case_opened"]
            [failed] = [
                entry for entry in docket.access_log.entries() if entry["action"] == "record_event"
            ]
            assert json.loads(failed["details"])["failed"] == "database_unavailable"
    finally:
        holder.dispose()
        docket.close()


def test_a_postgresql_database_gone_under_the_server_is_a_503(pg_url, tmp_path, clock):
    settings = Settings(database_url=pg_url, signing_key_file=tmp_path / "signing.key")
    docket = bootstrap(settings, clock=clock)
    a_case(docket, "DKT-NYC-1")
    app = create_app(settings, clock=clock)
    with TestClient(app) as client:
        headers = log_in(client, docket, "nyc.officer")
        docket.close()
        admin = _admin_engine()
        with admin.connect() as connection:  # its connections are cut, then it is dropped
            connection.exec_driver_sql(f'DROP DATABASE "{_database_name(pg_url)}" WITH (FORCE)')
        admin.dispose()
        _assert_unavailable(client.get("/api/cases/DKT-NYC-1", headers=headers))
        _assert_unavailable(_command(client, headers, "key-1"))


def test_no_pooled_connection_free_in_time_is_the_database_unavailable(tmp_path: Path) -> None:
    # The API's threads outnumber the pool's connections: a request that waits in vain for
    # one is answered as the database being unavailable (503), not as a defect (500).
    engine = make_engine(
        f"sqlite:///{tmp_path / 'pool.db'}", pool_size=1, max_overflow=0, pool_timeout=0.05
    )
    try:
        with engine.connect(), pytest.raises(sa.exc.TimeoutError) as waited:
            engine.connect()
        reason = database_failure(waited.value)
    finally:
        engine.dispose()
    assert reason is not None
    assert reason.startswith("QueuePool limit of size 1 overflow 0 reached")
    assert "sqlalche.me" not in reason
