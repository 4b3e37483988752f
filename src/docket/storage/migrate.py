"""Bring a database's schema to the current version with Alembic."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from docket.errors import ConfigurationError
from docket.storage import bulk_indexes
from docket.storage.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"


MIGRATION_LOCK = 0x646F636B6574  # "docket"
"""PostgreSQL advisory lock held by a migration: a second ``docket init`` at the same time
(replicas starting together) waits for the first, then finds the schema current."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply every migration not yet applied, up to ``revision`` (safe to run again). At the
    head, also make any index a bulk import left out and could not build again (a process
    killed outright: :mod:`docket.storage.bulk_indexes`)."""

    def step(config: Config) -> None:
        command.upgrade(config, revision)
        if revision == "head":
            bulk_indexes.build(config.attributes["connection"])

    _migrate(engine, step)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Undo the migrations applied after ``revision``."""
    _migrate(engine, lambda config: command.downgrade(config, revision))


def _migrate(engine: sa.Engine, step: Callable[[Config], None]) -> None:
    """Run ``step`` in one transaction: all of it is applied, or none.

    On SQLite, foreign keys are off meanwhile and checked whole before the commit. Alembic
    changes a column there by building the table anew and dropping the old one, which a
    referenced table (``persons``) refuses while they are on; and the pragma only takes
    effect outside a transaction (SQLite's own procedure for changing a table's schema)."""
    config = _config()
    with _connected(engine) as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _foreign_keys(connection, "OFF")
        try:
            # Begun here, Alembic's transaction is ours: it would otherwise commit each
            # migration by itself on SQLite (which it does not trust with DDL in transactions).
            with connection.begin():
                if not sqlite:  # SQLite's BEGIN IMMEDIATE already queues a second migrator
                    connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                _refuse_unknown_revisions(connection)
                config.attributes["connection"] = connection
                step(config)
                if sqlite:
                    _check_foreign_keys(connection)
        except sa.exc.ProgrammingError as exc:
            if getattr(exc.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
                raise
            raise _not_the_owner(engine, exc) from exc
        finally:
            if sqlite:
                _foreign_keys(connection, "ON")


INSUFFICIENT_PRIVILEGE = "42501"
"""PostgreSQL's SQLSTATE for a privilege the connected role lacks (``permission denied``,
``must be owner``)."""


def _not_the_owner(engine: sa.Engine, exc: sa.exc.ProgrammingError) -> ConfigurationError:
    """What a migration refused for lack of privilege is: ``init`` run as a role that does not
    own the schema (the services' own role, say), with nothing changed."""
    reason = str(exc.orig).strip().splitlines()[0]
    role = engine.url.username or "the connected role"
    return ConfigurationError(
        f"cannot create or upgrade the schema as {role} ({reason}); nothing was changed: run "
        "`docket init` as the role that owns the tables (or is to own them)"
    )


def _foreign_keys(connection: sa.Connection, setting: str) -> None:
    # On the driver's connection: through SQLAlchemy the pragma would open a transaction first.
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute(f"PRAGMA foreign_keys={setting}")


def _check_foreign_keys(connection: sa.Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        raise ConfigurationError(
            "the migration would leave rows that refer to missing rows; nothing was changed",
            details={"rows": [f"{row[0]} row {row[1]} -> {row[2]}" for row in broken[:10]]},
        )


def require_current(engine: sa.Engine) -> None:
    """Raise :class:`ConfigurationError` unless the schema is at the newest migration.

    Commands other than ``init`` and ``demo`` never change the schema on their own: an upgrade
    is an operator's decision, taken with ``docket init``. Nor do they make a database: SQLite
    would create a missing file on connecting, leaving an empty one behind a mistyped path.
    """
    url = engine.url
    is_file = url.get_backend_name() == "sqlite" and url.database and "uri" not in url.query
    if is_file and not Path(str(url.database)).exists():
        raise ConfigurationError(
            f"there is no database at {url.database}: run `docket init` to make it"
        )
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    with _connected(engine) as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
        _refuse_unknown_revisions(connection)
    if not current:
        raise ConfigurationError("the database is not initialised: run `docket init` first")
    if current != heads:
        raise ConfigurationError("the database schema is out of date: run `docket init`")


@contextmanager
def _connected(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection to ``engine``; one that cannot be made is a :class:`ConfigurationError`
    saying why (the driver's first line: connection refused, no such database...)."""
    try:
        connection = engine.connect()
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else ""
        where = engine.url.render_as_string(hide_password=True)
        raise ConfigurationError(
            f"cannot open the database {where}" + (f": {reason}" if reason else "")
        ) from exc
    with connection:
        yield connection


def _refuse_unknown_revisions(connection: sa.Connection) -> None:
    """Refuse a schema at a revision these migrations do not have: a newer Docket upgraded
    it, and neither running on it nor "upgrading" it again would be safe."""
    current = MigrationContext.configure(connection).get_current_heads()
    known = {script.revision for script in ScriptDirectory.from_config(_config()).walk_revisions()}
    unknown = sorted(set(current) - known)
    if unknown:
        raise ConfigurationError(
            f"the database's schema is at revision {', '.join(unknown)}, which this version of "
            "Docket does not know: it was upgraded by a newer Docket; use that version"
        )
