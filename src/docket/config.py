"""Settings, read from the environment with the ``DOCKET_`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from docket.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///docket.db"
MAX_IMPORT_BATCH_SIZE = 100_000
"""Rows per import transaction at most, however given (option or variable)."""
MAX_IMPORT_WORKERS = 64
"""Import worker processes at most, however given: each is a Python process of its own."""


class Settings(BaseSettings):
    """Everything Docket needs to start; built once and passed to ``bootstrap``."""

    model_config = SettingsConfigDict(env_prefix="DOCKET_", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL. SQLite by default; ``postgresql+psycopg://...`` for PostgreSQL."""

    signing_key_file: Path = Path("docket-signing.key")
    """Ed25519 private key (PEM) that signs audit checkpoints; made by ``docket init``. A
    leading ``~`` is the home directory, as a shell would read it."""

    import_batch_size: int = Field(default=5000, ge=1, le=MAX_IMPORT_BATCH_SIZE)
    """Rows written per transaction by bulk import."""

    import_workers: int = Field(default=0, ge=0, le=MAX_IMPORT_WORKERS)
    """Processes that prepare import batches in parallel; 0 means one per CPU core."""

    actor: str = ""
    """Who the CLI records as the actor of events; the login name when empty."""

    @field_validator("signing_key_file")
    @classmethod
    def _home_expanded(cls, path: Path) -> Path:
        # A value from a service unit, a compose file or a quoted assignment reaches us with
        # its "~" unexpanded: taken as it stands, `init` made a directory named "~" here.
        return path.expanduser()


def load_settings(**overrides: Any) -> Settings:
    """:class:`Settings` from the environment and ``overrides``; a value that cannot be read,
    or is out of its range, is a :class:`ConfigurationError` naming its variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else ""
        name = f"DOCKET_{field.upper()}" if field else "a DOCKET_ setting"
        raise ConfigurationError(
            f"{name}: {problem['msg']} (given {problem.get('input')!r})",
            details={"setting": name},
        ) from None
