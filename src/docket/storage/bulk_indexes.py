"""Secondary indexes left out while a large bulk import loads SQLite, and built again after it.

On SQLite every commit writes each page it changed whole to the write-ahead log, and the
checkpoint writes it again into the database file. A secondary index keyed by something that
arrives in no order (a birth date, a name, a due date) has its new entries spread over the
whole index, so once the tables are large each 5,000-row transaction touches thousands of its
pages: with the departure linkage's covering indexes on persons, a 1,000,000-case import wrote
about 33 GB for a 4 GB database. Building an index once at the end sorts its entries instead,
which is the procedure SQLite's and PostgreSQL's own documentation give for loading a database.

So :func:`defer` drops the non-unique indexes of the tables an import writes when the import
brings at least :data:`DEFERRED_FROM_ROWS` rows and no fewer rows than the persons already
stored (a first load, or one that at least doubles the docket: the rebuild, whose cost is the
size of the tables, then pays for itself); :func:`build` makes them again, and the unit of work
calls it when the import ends, whether it succeeded or not. Unique indexes stay: they are rules
(one case per reference, one person per A-number), and the import reads by them. Meanwhile
queries that would use a dropped index still give the same answers, more slowly.

If the process is killed outright before the end, :func:`build` with no list (run by the next
bulk import and by ``docket init``'s migration) makes whatever is missing.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from docket.storage import schema as t

DEFERRED_FROM_ROWS = 10_000
"""The smallest import for which the indexes are left out (smaller ones keep them)."""

DEFERRABLE: tuple[sa.Index, ...] = tuple(
    index
    for table in (t.persons, t.person_documents, t.cases, t.case_bars, t.case_deadlines)
    for index in sorted(table.indexes, key=lambda index: str(index.name))
    if not index.unique
)
"""The non-unique secondary indexes of the tables a case import writes."""


def defer(connection: sa.Connection, rows: int) -> list[sa.Index]:
    """Drop the deferrable indexes if an import of ``rows`` rows is large enough (see the
    module's text) on SQLite; returns the ones dropped, for :func:`build`."""
    if connection.dialect.name != "sqlite" or rows < DEFERRED_FROM_ROWS:
        return []
    stored = connection.scalar(sa.select(sa.func.count()).select_from(t.persons)) or 0
    if rows < stored:
        return []
    present = _present(connection)
    dropped = [index for index in DEFERRABLE if index.name in present]
    for index in dropped:
        index.drop(connection)
    return dropped


def build(connection: sa.Connection, indexes: Sequence[sa.Index] | None = None) -> int:
    """Create ``indexes`` (every deferrable one when ``None``) where missing; returns how many
    were made."""
    present = _present(connection)
    made = 0
    for index in DEFERRABLE if indexes is None else indexes:
        if index.name not in present:
            index.create(connection)
            made += 1
    return made


def _present(connection: sa.Connection) -> set[str]:
    inspector = sa.inspect(connection)
    return {
        str(index["name"])
        for table in {index.table.name for index in DEFERRABLE if index.table is not None}
        for index in inspector.get_indexes(table)
    }
