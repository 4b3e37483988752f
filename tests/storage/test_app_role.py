"""``docket init --app-role ROLE`` (PostgreSQL): the services, connected as that role, do
their work (cases, the access log, users and sessions, departure intake and linkage, models),
and PostgreSQL itself refuses the role any change to a log's rows, any TRUNCATE, and any
ALTER of a table or its triggers. Refused on SQLite, for a missing role, and for a
superuser, with nothing changed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from docket.audit.verify import verify
from docket.bootstrap import bootstrap
from docket.cli.main import cli
from docket.config import Settings
from docket.departures.service import accept_reports
from docket.errors import ConfigurationError, LoginRefused
from docket.identity.model import Role
from docket.identity.sessions import login
from docket.storage.audit_store import SqlAuditStore
from docket.storage.engine import make_engine
from docket.storage.migrate import downgrade
from docket.storage.privileges import grant_app_role
from tests.builders import a_case
from tests.conftest import NOW, PG_URL, _admin_engine
from tests.departures.intake_cases import report
from tests.identity.builders import a_user


@pytest.fixture
def app_role(pg_url: str) -> Iterator[str]:
    """A role of its own (roles are the whole server's: dropped afterwards)."""
    name = f"docket_app_{uuid.uuid4().hex[:10]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE ROLE "{name}" LOGIN')
    try:
        yield name
    finally:
        owner = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
        with owner.connect() as connection:  # its privileges here go first
            connection.exec_driver_sql(f'DROP OWNED BY "{name}"')
        owner.dispose()
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{name}"')
        admin.dispose()


def _init(url: str, tmp_path: Path, *args: str):
    env = {"DOCKET_DATABASE_URL": url, "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "key")}
    return CliRunner().invoke(cli, ["init", *args], env=env)


def _as(pg_url: str, role: str) -> str:
    return sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)


REFUSED = [
    "UPDATE events SET actor = 'someone.else'",
    "DELETE FROM events",
    "TRUNCATE events",
    "UPDATE access_log SET outcome = 'allowed'",
    "DELETE FROM access_log",
    "DELETE FROM commands",
    "DELETE FROM linkage_models",
    "UPDATE departure_reports SET content = '{}'",
    "DELETE FROM departure_reports",
    "ALTER TABLE events DISABLE TRIGGER USER",
    "DROP TRIGGER events_append_only ON events",
    "ALTER TABLE access_log DROP COLUMN hash",
    "DROP TABLE login_failures",
]


def test_the_services_work_as_the_app_role_and_may_not_touch_a_log(pg_url, app_role, tmp_path):
    granted = _init(pg_url, tmp_path, "--app-role", app_role)
    assert granted.exit_code == 0, granted.output
    assert f"role {app_role} may read, add" in granted.output
    settings = Settings(database_url=_as(pg_url, app_role), signing_key_file=tmp_path / "key")
    docket = bootstrap(settings)
    try:
        with docket.engine.connect() as connection:
            assert connection.scalar(sa.text("SELECT current_user")) == app_role
        a_case(docket, "DKT-NYC-1")  # events, projections, idempotency, chain head
        a_user(docket, "ana.officer", Role.OFFICER)  # users and the access log
        with pytest.raises(LoginRefused):  # a failed login (its sequence) and the clean-up
            login(users=docket.users, clock=docket.clock, username="ana.officer", password="x")
        accept_reports(
            store=docket.departures, clock=docket.clock, actor="intake", reports=[report()]
        )
        docket.linkage.save_model(
            trained_at=NOW,
            trained_by="analyst",
            persons=1,
            reports=1,
            settings={"comparisons": []},
            term_frequency={},
            notes=[],
        )
        with docket.engine.begin() as connection:  # what linkage makes of a report: writable
            connection.execute(sa.text("UPDATE departure_reports SET candidates = '[]'"))
        assert verify(SqlAuditStore(docket.engine)).problems == []
        for statement in REFUSED:
            with pytest.raises(sa.exc.ProgrammingError) as refused, docket.engine.begin() as c:
                c.execute(sa.text(statement))
            assert "permission denied" in str(refused.value) or "must be owner" in str(
                refused.value
            ), statement
    finally:
        docket.close()


def test_a_missing_role_or_a_superuser_is_refused_and_nothing_granted(pg_url, tmp_path):
    missing = _init(pg_url, tmp_path, "--app-role", "no_such_role_here")
    assert missing.exit_code != 0
    assert "no PostgreSQL role 'no_such_role_here'" in missing.output
    superuser = sa.make_url(pg_url).username or "postgres"
    refused = _init(pg_url, tmp_path, "--app-role", superuser)
    assert refused.exit_code != 0
    assert "superuser" in refused.output


def test_a_role_that_may_act_as_the_owner_is_refused(pg_url, app_role, tmp_path):
    owner = sa.make_url(pg_url).username or "postgres"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'GRANT "{owner}" TO "{app_role}"')
    admin.dispose()
    refused = _init(pg_url, tmp_path, "--app-role", app_role)
    assert refused.exit_code != 0
    assert "may act as their owner" in refused.output


def test_on_sqlite_the_option_is_refused_before_the_database_is_made(tmp_path):
    database = tmp_path / "docket.db"
    refused = _init(f"sqlite:///{database}", tmp_path, "--app-role", "docket_app")
    assert refused.exit_code != 0
    assert "--app-role is for PostgreSQL" in refused.output
    assert not database.exists()
    with pytest.raises(ConfigurationError, match="for PostgreSQL"):
        grant_app_role(sa.create_engine(f"sqlite:///{database}"), "docket_app")


@pytest.fixture
def empty_url() -> Iterator[str]:
    """A database of no tables, on the test server."""
    if PG_URL is None:
        pytest.skip("DOCKET_TEST_DATABASE_URL is not set")
    name = f"docket_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("alembic_version"):
                return None
            return connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
    finally:
        engine.dispose()


def test_init_as_the_app_role_cannot_upgrade_and_says_so(pg_url, app_role, tmp_path):
    """Not 'database ready', nor an unexpected error: what to do, and nothing changed."""
    owner = make_engine(pg_url)
    downgrade(owner, "0013")  # a schema an upgrade of Docket finds
    grant_app_role(owner, app_role)
    owner.dispose()
    refused = _init(_as(pg_url, app_role), tmp_path)
    assert refused.exit_code == 1
    assert refused.stderr == (
        f"error: cannot create or upgrade the schema as {app_role} (permission denied for "
        "table linkage_models); nothing was changed: run `docket init` as the role that owns "
        "the tables (or is to own them) [configuration_error]\n"
    )
    assert "database ready" not in refused.output
    assert _revision(pg_url) == "0013"


def test_init_as_the_app_role_cannot_make_the_schema_and_says_so(app_role, empty_url, tmp_path):
    refused = _init(_as(empty_url, app_role), tmp_path)
    assert refused.exit_code == 1
    assert f"cannot create or upgrade the schema as {app_role} (permission denied for schema" in (
        refused.stderr
    )
    assert refused.stderr.endswith("[configuration_error]\n")
    assert _revision(empty_url) is None


def test_init_as_the_app_role_on_a_current_schema_has_nothing_to_do(pg_url, app_role, tmp_path):
    assert _init(pg_url, tmp_path, "--app-role", app_role).exit_code == 0
    ready = _init(_as(pg_url, app_role), tmp_path)
    assert ready.exit_code == 0, ready.output
    assert ready.stdout.startswith("database ready: ")
