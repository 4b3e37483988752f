"""The one place that wires settings, storage, the unit of work and the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import sqlalchemy as sa

from docket.cases.ports import Clock
from docket.config import Settings
from docket.storage.access_log import SqlAccessLog
from docket.storage.departures import SqlDepartureStore
from docket.storage.engine import make_engine
from docket.storage.linkage_store import SqlLinkageStore
from docket.storage.migrate import require_current, upgrade
from docket.storage.priority import SqlPriorityStore
from docket.storage.unit_of_work import SqlUnitOfWork
from docket.storage.users import SqlUserStore


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass
class Docket:
    """A wired-up Docket: what services and surfaces need."""

    settings: Settings
    engine: sa.Engine
    uow: SqlUnitOfWork
    users: SqlUserStore
    access_log: SqlAccessLog
    departures: SqlDepartureStore
    linkage: SqlLinkageStore
    priority: SqlPriorityStore
    clock: Clock

    def close(self) -> None:
        try:
            self.uow.close()
        finally:
            self.engine.dispose()


def bootstrap(
    settings: Settings,
    *,
    clock: Clock | None = None,
    migrate: bool = False,
    long_running: bool = False,
) -> Docket:
    """Build a Docket for ``settings``. With ``migrate`` the schema is brought up to date;
    without, it must already be (:class:`~docket.errors.ConfigurationError` otherwise).
    ``long_running``: for a process that takes many small writes for a long time (the API
    server, a departure listener); on SQLite its checkpoints then run in the background
    (:class:`~docket.storage.unit_of_work.SqlUnitOfWork`). Close it with :meth:`Docket.close`."""
    engine = make_engine(settings.database_url)
    try:
        if migrate:
            upgrade(engine)
        else:
            require_current(engine)
    except BaseException:
        engine.dispose()
        raise
    uow = SqlUnitOfWork(engine, checkpoint_in_background=long_running)
    return Docket(
        settings=settings,
        engine=engine,
        uow=uow,
        users=SqlUserStore(engine),
        access_log=SqlAccessLog(engine),
        departures=SqlDepartureStore(uow),
        linkage=SqlLinkageStore(uow),
        priority=SqlPriorityStore(uow),
        clock=clock or SystemClock(),
    )


@contextmanager
def bootstrapped(settings: Settings) -> Iterator[Docket]:
    """:func:`bootstrap` for ``settings``, long-running, closed afterwards: what a process of
    its own (a departure listener) opens; it pickles as a ``functools.partial``."""
    docket = bootstrap(settings, long_running=True)
    try:
        yield docket
    finally:
        docket.close()
