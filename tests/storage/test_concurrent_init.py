"""``docket init`` run by several processes at once (replicas starting together): each one
either makes the schema or finds it made, and none fails."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext

from docket.storage.engine import make_engine
from docket.storage.migrate import require_current
from tests.conftest import BACKENDS, PG_URL, _admin_engine


@pytest.fixture(params=BACKENDS)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'docket.db'}"
        return
    name = f"docket_init_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_three_inits_at_once_all_succeed_and_leave_one_schema(empty_database: str, tmp_path):
    # Processes, as replicas are: Alembic keeps its migration context in a module global.
    init = [sys.executable, "-c", "from docket.cli.main import cli; cli()"]
    env = {**os.environ, "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "k.key")}
    runs = [
        subprocess.Popen(
            [*init, "--database", empty_database, "init"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    failed = [stderr for run in runs if (stderr := run.communicate(timeout=300)[1])]
    assert failed == []
    assert [run.returncode for run in runs] == [0, 0, 0]
    engine = make_engine(empty_database)
    try:
        require_current(engine)
        with engine.connect() as connection:
            assert len(MigrationContext.configure(connection).get_current_heads()) == 1
    finally:
        engine.dispose()
