"""Storage: SQLAlchemy tables, unit of work and Alembic migrations (SQLite, PostgreSQL)."""
