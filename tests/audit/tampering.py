"""What an attacker with direct write access to the database can do to the log."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from docket.audit.access import ACCESS_COLUMNS
from docket.audit.chain import chain_hash, link_body, link_hash
from docket.storage.rows import HASHED_COLUMNS


def unlock(connection: sa.Connection) -> None:
    """Remove the append-only protection of both logs, of the ranking runs kept for
    oversight, of the departure reports as received and of the linkage models, as a
    database owner could."""
    for table in ("events", "access_log", "priority_runs", "departure_reports", "linkage_models"):
        if connection.dialect.name == "sqlite":
            for verb in ("update", "delete"):
                connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
        else:
            connection.exec_driver_sql(f"ALTER TABLE {table} DISABLE TRIGGER USER")


def tamper(engine: sa.Engine, *statements: str, params: dict[str, Any] | None = None) -> None:
    with engine.begin() as connection:
        unlock(connection)
        for statement in statements:
            connection.execute(sa.text(statement), params or {})


def rows(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        result = connection.execute(sa.text("SELECT * FROM events ORDER BY seq"))
        return [dict(row._mapping) for row in result]


def rewrite_consistently(engine: sa.Engine, seq: int, **changes: Any) -> None:
    """Change event ``seq`` and recompute every hash after it, head included: a chain that
    verifies on its own. Only a signed checkpoint can tell."""
    events = rows(engine)
    with engine.begin() as connection:
        unlock(connection)
        prev = events[seq - 2]["hash"] if seq > 1 else "0" * 64
        for row in events[seq - 1 :]:
            if row["seq"] == seq:
                row.update(changes)
            fields = {name: row[name] for name in HASHED_COLUMNS}
            digest = link_hash(fields, prev)
            connection.execute(
                sa.text(
                    "UPDATE events SET prev_hash = :prev, hash = :hash, actor = :actor, "
                    "data = :data WHERE seq = :seq"
                ),
                {
                    "prev": prev,
                    "hash": digest,
                    "actor": row["actor"],
                    "data": row["data"],
                    "seq": row["seq"],
                },
            )
            prev = digest
        connection.execute(
            sa.text("UPDATE chain_heads SET head_hash = :hash WHERE chain = 'events'"),
            {"hash": prev},
        )


def rewrite_access_consistently(engine: sa.Engine, seq: int, **changes: Any) -> None:
    """Change access log entry ``seq`` and recompute every hash after it, head included."""
    with engine.connect() as connection:
        result = connection.execute(sa.text("SELECT * FROM access_log ORDER BY seq"))
        entries = [dict(row._mapping) for row in result]
    with engine.begin() as connection:
        unlock(connection)
        prev = entries[seq - 2]["hash"] if seq > 1 else "0" * 64
        for row in entries[seq - 1 :]:
            if row["seq"] == seq:
                row.update(changes)
            values = {name: row[name] for name in ACCESS_COLUMNS}
            digest = chain_hash(row["seq"], link_body(values), prev)
            connection.execute(
                sa.text(
                    "UPDATE access_log SET prev_hash = :prev, hash = :hash, actor = :actor "
                    "WHERE seq = :seq"
                ),
                {"prev": prev, "hash": digest, "actor": row["actor"], "seq": row["seq"]},
            )
            prev = digest
        connection.execute(
            sa.text("UPDATE chain_heads SET head_hash = :hash WHERE chain = 'access'"),
            {"hash": prev},
        )
