"""Settings, read from the environment with the ``DOCKET_`` prefix."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///docket.db"


class Settings(BaseSettings):
    """Everything Docket needs to start; built once and passed to ``bootstrap``."""

    model_config = SettingsConfigDict(env_prefix="DOCKET_", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    """SQLAlchemy URL. SQLite by default; ``postgresql+psycopg://...`` for PostgreSQL."""

    signing_key_file: Path = Path("docket-signing.key")
    """Ed25519 private key (PEM) that signs audit checkpoints; made by ``docket init``."""

    import_batch_size: int = 5000
    """Rows written per transaction by bulk import."""

    import_workers: int = 0
    """Processes that prepare import batches in parallel; 0 means one per CPU core."""

    actor: str = ""
    """Who the CLI records as the actor of events; the login name when empty."""
