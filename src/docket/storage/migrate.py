"""Bring a database's schema to the current version with Alembic."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config

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
