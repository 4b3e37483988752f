"""Bring a database's schema to the current version with Alembic."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from docket.errors import ConfigurationError
from docket.storage.engine import WRITE_OPTION

MIGRATIONS = Path(__file__).parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: sa.Engine) -> None:
    """Apply every migration not yet applied (safe to run again)."""
    config = _config()
    with engine.connect() as connection:
        connection = connection.execution_options(**{WRITE_OPTION: True})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


def require_current(engine: sa.Engine) -> None:
    """Raise :class:`ConfigurationError` unless the schema is at the newest migration.

    Commands other than ``init`` and ``demo`` never change the schema on their own: an upgrade
    is an operator's decision, taken with ``docket init``.
    """
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.OperationalError as exc:
        raise ConfigurationError(
            f"cannot open the database {engine.url.render_as_string(hide_password=True)}"
        ) from exc
    if not current:
        raise ConfigurationError("the database is not initialised: run `docket init` first")
    if current != heads:
        raise ConfigurationError("the database schema is out of date: run `docket init`")
