"""A least-privilege role for the running services on PostgreSQL (``docket init --app-role``).

The tables' owner may do anything to them: turn off or drop the triggers that keep the logs
append-only, then rewrite them (``audit verify`` and signed checkpoints would tell, but only
afterwards). The API server and the departure listener need none of that. Connected as a
role given only what they do (read, add, and change what is meant to change), a connection
taken over through them cannot alter a table, a trigger, or a row of a log: PostgreSQL itself
refuses. Migrations, bulk imports (which rebuild indexes) and this grant stay with the owner.
"""

from __future__ import annotations

import sqlalchemy as sa

from docket.audit.reports import REPORT_COLUMNS
from docket.errors import ConfigurationError
from docket.storage import schema as t

APPEND_ONLY = ("events", "commands", "access_log", "priority_runs", "linkage_models")
"""Tables whose rows are never changed or deleted once written (each has the triggers too)."""

FROZEN_REPORT_COLUMNS = frozenset({"report_seq", *REPORT_COLUMNS, "prev_hash", "hash"})
"""What the chain of departure reports covers (migration 0013): only the rest of a report
(what linkage makes of it) may be updated."""

READ_ONLY = ("alembic_version",)


def on_postgresql(database_url: str) -> bool:
    """Whether ``database_url`` names a PostgreSQL database (a URL that is none is left for
    opening it to name)."""
    try:
        return sa.engine.make_url(database_url).get_backend_name() == "postgresql"
    except sa.exc.ArgumentError:
        return True


NOT_POSTGRESQL = "--app-role is for PostgreSQL: an SQLite database is one file, with no roles"


def grant_app_role(engine: sa.Engine, role: str) -> list[str]:
    """Give ``role`` what the services need on every table of the schema, and nothing more
    (taking back whatever it had); the statements run, in order. :class:`ConfigurationError`
    on SQLite, for a role that does not exist, for the tables' owner or a member of its role,
    or for a superuser (no privilege binds one). All of it is granted or none."""
    if engine.dialect.name != "postgresql":
        raise ConfigurationError(NOT_POSTGRESQL)
    with engine.begin() as connection:
        found = connection.execute(
            sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if found is None:
            raise ConfigurationError(
                f"no PostgreSQL role {role!r}: create it first (CREATE ROLE ... LOGIN)",
                details={"role": role},
            )
        if found.rolsuper:
            raise ConfigurationError(
                f"{role!r} is a superuser, whom no privilege binds: give the services a role "
                "of their own",
                details={"role": role},
            )
        owner = connection.scalar(sa.text("SELECT current_user"))
        member = connection.scalar(
            sa.text("SELECT pg_has_role(:role, current_user, 'MEMBER')"), {"role": role}
        )
        if owner == role or member:  # a member may act as the owner (SET ROLE)
            raise ConfigurationError(
                f"{role!r} owns the tables, or may act as their owner {owner!r}: the services "
                "need a role of their own",
                details={"role": role},
            )
        schema = str(connection.scalar(sa.text("SELECT current_schema()")))
        statements = _statements(connection, schema, role)
        for statement in statements:
            connection.exec_driver_sql(statement)
    return statements


def _statements(connection: sa.Connection, schema: str, role: str) -> list[str]:
    quote = connection.dialect.identifier_preparer.quote
    who, where = quote(role), quote(schema)
    tables = sa.inspect(connection).get_table_names(schema=schema)
    unknown = sorted(
        set(tables) - set(t.metadata.tables) - set(READ_ONLY)
    )  # a table this version does not know of: granted nothing
    statements = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {where} FROM {who}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {where} FROM {who}",
        f"GRANT USAGE ON SCHEMA {where} TO {who}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {where} TO {who}",
    ]
    for table in sorted(set(tables) - set(unknown)):
        name = f"{where}.{quote(table)}"
        if table in READ_ONLY:
            statements.append(f"GRANT SELECT ON {name} TO {who}")
        elif table in APPEND_ONLY:
            statements.append(f"GRANT SELECT, INSERT ON {name} TO {who}")
        elif table == t.departure_reports.name:
            writable = [
                quote(column.name)
                for column in t.departure_reports.columns
                if column.name not in FROZEN_REPORT_COLUMNS
            ]
            statements.append(f"GRANT SELECT, INSERT ON {name} TO {who}")
            statements.append(f"GRANT UPDATE ({', '.join(writable)}) ON {name} TO {who}")
        else:
            statements.append(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {who}")
    return statements
