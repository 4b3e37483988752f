"""Exit-metric counts in SQL: by (dimension, value, day) in ``departure_counts`` and summed
over every day in ``departure_totals``, both moved by one upsert per key, so that the figures
of all days are read from the totals and a span of days from its own days' rows."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from docket.departures.counts import Counts, Totals
from docket.storage import schema as t


def read_counts(
    connection: sa.Connection,
    first_day: dt.date | None,
    last_day: dt.date | None,
    dimensions: Sequence[str] = (),
) -> Counts:
    """The counts of the days from ``first_day`` to ``last_day`` (``None``: unbounded), of
    ``dimensions`` only if any are named."""
    c = t.departure_counts.c
    query = sa.select(c.dimension, c.value, c.day, c["count"]).where(c["count"] != 0)
    if first_day is not None:
        query = query.where(c.day >= first_day.isoformat())
    if last_day is not None:
        query = query.where(c.day <= last_day.isoformat())
    if dimensions:
        query = query.where(c.dimension.in_(list(dimensions)))
    counts: Counts = Counter()
    for dimension, value, day, n in connection.execute(query):
        counts[str(dimension), str(value), str(day)] = int(n)
    return counts


def read_totals(connection: sa.Connection) -> Totals:
    c = t.departure_totals.c
    rows = connection.execute(sa.select(c.dimension, c.value, c["count"]).where(c["count"] != 0))
    return Counter({(str(dimension), str(value)): int(n) for dimension, value, n in rows})


def add_counts(connection: sa.Connection, counts: Counts) -> None:
    """Move the counts by ``counts``, and the totals with them."""
    totals: Totals = Counter()
    for (dimension, value, _day), n in counts.items():
        totals[dimension, value] += n
    daily = [
        {"dimension": dimension, "value": value, "day": day, "count": n}
        for (dimension, value, day), n in sorted(counts.items())
        if n
    ]
    summed = [
        {"dimension": dimension, "value": value, "count": n}
        for (dimension, value), n in sorted(totals.items())
        if n
    ]
    if daily:
        connection.execute(_upsert(connection, t.departure_counts), daily)
    if summed:
        connection.execute(_upsert(connection, t.departure_totals), summed)


def _upsert(connection: sa.Connection, table: sa.Table) -> Any:
    """Insert a key's count, or add it to the count already there (keys in sorted order, so
    two transactions on PostgreSQL take their row locks in the same order)."""
    return _upsert_of(connection.dialect.name, table.name)


@functools.cache
def _upsert_of(dialect: str, name: str) -> Any:
    """:func:`_upsert`, built once per dialect and table (every intake transaction runs it,
    and building it costs more than running it)."""
    table = t.metadata.tables[name]
    insert = (postgresql if dialect == "postgresql" else sqlite).insert(table)
    keys = [column for column in table.primary_key.columns]
    return insert.on_conflict_do_update(
        index_elements=keys, set_={"count": table.c["count"] + insert.excluded["count"]}
    )
