"""Bring a database's schema to the current version with Alembic."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

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


def is_current(engine: sa.Engine) -> bool:
    """Whether the database is at the newest migration."""
    heads = set(ScriptDirectory.from_config(_config()).get_heads())
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads
