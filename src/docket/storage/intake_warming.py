"""Reading ahead what an intake write will touch, before it takes the write lock.

Taking a batch of reports reads and changes rows scattered over large tables: the open cases
of the persons the reports are of (and, for a departure just confirmed, their deadlines, bars
and event streams), the departures of their parties, the reports' own indexes. On a database
larger than memory, most of those pages first have to come from disk, and under the write
lock every other writer waits for them: the disk reads took more of a batch's time under the
lock than the work did. A listener that has resolved a batch reads those rows once, without
the lock (in a read transaction, alongside the other writers), and throws the result away:
the pages are then in memory when the write transaction reads them again, as it must, to
see them as they are under the lock. Nothing here decides anything, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from docket.storage import schema as t
from docket.storage.person_lookup import chunks

_c, _b, _l, _e = t.cases.c, t.case_bars.c, t.case_deadlines.c, t.events.c
_d, _r = t.departures.c, t.departure_reports.c


def _ids(name: str) -> sa.BindParameter[list[str]]:
    return sa.bindparam(name, expanding=True)


_CASES_OF_PERSONS = sa.select(_c.case_id, sa.func.length(_c.data)).where(
    _c.person_id.in_(_ids("person_ids"))
)
_BY_CASE = (
    # each by its own index: the write finds a case by its id, and its parts by the case's
    sa.select(sa.func.count()).select_from(t.cases).where(_c.case_id.in_(_ids("case_ids"))),
    sa.select(sa.func.count(_b.kind)).where(_b.case_id.in_(_ids("case_ids"))),
    sa.select(sa.func.max(_l.due_on)).where(_l.case_id.in_(_ids("case_ids"))),
    # where the case's next event goes in the log's index by stream (its rows are read only
    # for a voluntary departure's grant, seldom)
    sa.select(sa.func.count()).select_from(t.events).where(_e.stream_id.in_(_ids("case_ids"))),
)
_DEPARTURES_OF = sa.select(_d.departure_id, sa.func.length(_d.data)).where(
    _d.party.in_(_ids("parties"))
)
_BY_DEPARTURE = (
    sa.select(sa.func.count())
    .select_from(t.departures)
    .where(_d.departure_id.in_(_ids("departure_ids"))),
    sa.select(sa.func.count())
    .select_from(t.departure_reports)
    .where(_r.departure_id.in_(_ids("departure_ids"))),
)
_REPORTS_OF_PERSONS = (
    sa.select(sa.func.count())
    .select_from(t.departure_reports)
    .where(_r.person_id.in_(_ids("person_ids")))
)


def warm_for_intake(
    connection: sa.Connection, person_ids: Sequence[str], parties: Sequence[str]
) -> None:
    """Read what taking reports of ``person_ids`` and of ``parties`` reads and changes."""
    case_ids: list[str] = []
    departure_ids: list[str] = []
    for chunk in chunks(sorted(set(person_ids))):
        case_ids += [row[0] for row in connection.execute(_CASES_OF_PERSONS, {"person_ids": chunk})]
        connection.execute(_REPORTS_OF_PERSONS, {"person_ids": chunk}).all()
    for chunk in chunks(sorted(set(parties))):
        departure_ids += [row[0] for row in connection.execute(_DEPARTURES_OF, {"parties": chunk})]
    for chunk in chunks(case_ids):
        for statement in _BY_CASE:
            connection.execute(statement, {"case_ids": chunk}).all()
    for chunk in chunks(departure_ids):
        for statement in _BY_DEPARTURE:
            connection.execute(statement, {"departure_ids": chunk}).all()
