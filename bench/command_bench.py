"""Single-event commands: Docket's `record_event` beside raw single-row inserts, same run.

Docket: `hearing_held` recorded on 50 cases in turn, each command its own transaction (chain
lock, idempotency key, case read, every rule, event, projection, chain head). Baseline: the
same number of single-row inserts of an event-shaped row, one transaction each, through the
bare driver (sqlite3 with WAL and synchronous=FULL / psycopg).

Usage: python bench/command_bench.py [--commands 2000] [--backends sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path

import psycopg
import sqlalchemy as sa

from docket.bootstrap import SystemClock, bootstrap
from docket.cases.events import EventKind
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id, open_case, record_event
from docket.config import Settings

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import Backend, check_backends, machine

CASES = 50
RAW_TABLE = (
    "CREATE TABLE raw_events (seq BIGINT PRIMARY KEY, stream_id VARCHAR(64), kind VARCHAR(64), "
    "recorded_at VARCHAR(40), actor VARCHAR(200), document_ref VARCHAR(500), data TEXT, "
    "hash VARCHAR(64))"
)
RAW_INSERT = "INSERT INTO raw_events VALUES ({})"


def docket_commands(url: str, commands: int) -> float:
    docket = bootstrap(Settings(database_url=url), clock=SystemClock(), migrate=True)
    today = docket.clock.now().date()
    refs = [f"DKT-B-{n}" for n in range(CASES)]
    for ref in refs:
        person = Person(person_id=new_person_id(), name=Name("Bench", ref))
        common = {"uow": docket.uow, "clock": docket.clock, "actor": "bench"}
        open_case(
            case_ref=ref,
            person=person,
            field_office="NYC",
            opened_on=today - dt.timedelta(days=30),
            document_ref="I-213",
            **common,
        )
        record_event(
            case_ref=ref,
            kind=EventKind.CHARGING_DOCUMENT_SERVED,
            fields={},
            document_ref="NTA",
            **common,
        )
        record_event(
            case_ref=ref,
            kind=EventKind.HEARING_SCHEDULED,
            fields={"hearing_on": (today + dt.timedelta(days=9)).isoformat()},
            document_ref="EOIR",
            **common,
        )
    start = time.perf_counter()
    for number in range(commands):
        record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=refs[number % CASES],
            kind=EventKind.HEARING_HELD,
            fields={},
            actor="bench",
            document_ref=f"MINUTES-{number}",
            idempotency_key=f"bench-{number}",
        )
    elapsed = time.perf_counter() - start
    docket.close()
    return elapsed


def raw_inserts(url: str, commands: int) -> float:
    row = (
        "case-id",
        "hearing_held",
        "2026-11-22T09:00:00.000000+00:00",
        "bench",
        "MINUTES",
        '{"x":1}',
        "0" * 64,
    )
    if url.startswith("sqlite"):
        connection = sqlite3.connect(sa.make_url(url).database or "", isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute(RAW_TABLE)
        sql = RAW_INSERT.format(", ".join("?" * 8))
        start = time.perf_counter()
        for seq in range(commands):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(sql, (seq, *row))
            connection.execute("COMMIT")
        elapsed = time.perf_counter() - start
        connection.close()
        return elapsed
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain) as connection:
        connection.execute(RAW_TABLE)
        connection.commit()
        sql = RAW_INSERT.format(", ".join(["%s"] * 8))
        start = time.perf_counter()
        for seq in range(commands):
            connection.execute(sql, (seq, *row))
            connection.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    check_backends(args.backends.split(","))
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"{'backend':<11}{'docket cmd/s':>14}{'raw inserts/s':>15}{'ratio':>8}")
    for name in args.backends.split(","):
        backend = Backend(name, args.workdir)
        try:
            docket_s = docket_commands(backend.fresh(), args.commands)
            raw_s = raw_inserts(backend.fresh(), args.commands)
        finally:
            backend.cleanup()
        ours, raw = args.commands / docket_s, args.commands / raw_s
        print(f"{name:<11}{ours:>14,.0f}{raw:>15,.0f}{ours / raw:>8.2f}")


if __name__ == "__main__":
    main()
