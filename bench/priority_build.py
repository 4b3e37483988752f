"""The prioritisation benchmark's database: open cases generated and imported through the
import path, each with its synthetic facts recorded as events, built once and kept."""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import marshal
import multiprocessing
import os
import sqlite3
import sys
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from docket.bootstrap import SystemClock, bootstrap
from docket.cases import legacy, lifecycle, persons
from docket.cases.ids import new_id
from docket.cases.model import CaseId, PersonId
from docket.cases.ports import RecordEncoder
from docket.config import Settings
from docket.importing.rows import parse_row
from docket.synthetic import iter_case_rows
from docket.synthetic.facts import facts_for, record_facts
from import_bench import progress

SEED = 5
BATCH = 5000
ACTOR = "bench"
OPEN_SHARE = 0.75
"""Fewer than the generator's open cases (about 79%), so one pass of rows is enough."""


def open_rows(cases: int, as_of: dt.date) -> Iterator[dict[str, str]]:
    """``cases`` open case rows of the synthetic generator, one per person (a person's second
    case, rare among open ones, is left out: the import would make it an alias)."""
    seen: set[str] = set()
    made = 0
    for row in iter_case_rows(cases=int(cases / OPEN_SHARE) + 1000, seed=SEED, as_of=as_of):
        if row["state_of_case"] in ("removed", "closed"):
            continue
        if row["a_number"]:
            if row["a_number"] in seen:
                continue
            seen.add(row["a_number"])
        del row["person_key"]
        yield row
        made += 1
        if made == cases:
            return
    raise SystemExit(f"the generator gave only {made} open cases")


def prepare(packed: bytes, recorded_at: dt.datetime, encode: RecordEncoder) -> bytes:
    """A batch of rows as `docket import cases` prepares them, each case with its synthetic
    facts recorded on it: the encoded records, marshalled (in a worker process)."""
    gc.disable()  # as the importer: many objects that live until the batch is done
    rows: list[dict[str, str]] = marshal.loads(packed)  # noqa: S302 our own bytes
    as_of = recorded_at.date()
    out = []
    for row in rows:
        document_ref = f"import:priority-bench#{row['case_ref']}"
        parsed = parse_row(row, line=0, person_id=PersonId(new_id()))
        case = legacy.to_case(
            parsed.record,
            case_id=CaseId(new_id()),
            person_id=parsed.person.person_id,
            today=as_of,
            document_ref=document_ref,
        )
        person_event, person = persons.register_person(
            parsed.person, actor=ACTOR, document_ref=document_ref, recorded_at=recorded_at
        )
        case_event, case = lifecycle.import_case(
            case,
            history=parsed.record.history(),
            actor=ACTOR,
            document_ref=document_ref,
            recorded_at=recorded_at,
        )
        facts = facts_for(
            case.case_ref,
            seed=SEED,
            opened_on=case.opened_on,
            as_of=as_of,
            born_on=person.date_of_birth,
        )
        fact_events, case = record_facts(case, facts, actor=ACTOR, recorded_at=recorded_at)
        out.append(
            encode(
                events=(person_event, case_event, *fact_events), persons=(person,), cases=(case,)
            )
        )
    result = marshal.dumps(out)
    gc.enable()
    return result


def build(path: Path, cases: int, built_on: dt.date | None) -> None:
    """Build the database at ``path`` (written aside, renamed when complete), as of
    ``built_on`` (today when ``None``)."""
    partial = path.with_name(path.name + ".partial")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    docket = bootstrap(
        Settings(database_url=f"sqlite:///{partial}"), clock=SystemClock(), migrate=True
    )
    recorded_at = docket.clock.now()
    if built_on is not None:
        recorded_at = dt.datetime.combine(built_on, dt.time(12), dt.UTC)
    encode = docket.uow.encoder()
    workers = len(os.sched_getaffinity(0))
    advance = progress("building the docket", cases)
    start = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool,
        docket.uow.bulk(),
    ):
        pending: deque[tuple[int, Future[bytes]]] = deque()

        def write(size: int, future: Future[bytes]) -> None:
            encoded = marshal.loads(future.result())  # noqa: S302 our own bytes
            with docket.uow.write() as tx:
                tx.write_encoded(encoded)
            advance(size)

        batch: list[dict[str, str]] = []
        for row in open_rows(cases, recorded_at.date()):
            batch.append(row)
            if len(batch) == BATCH:
                future = pool.submit(prepare, marshal.dumps(batch), recorded_at, encode)
                pending.append((len(batch), future))
                batch = []
                if len(pending) > 2 * workers:
                    write(*pending.popleft())
        if batch:
            pending.append(
                (len(batch), pool.submit(prepare, marshal.dumps(batch), recorded_at, encode))
            )
        while pending:
            write(*pending.popleft())
    with docket.engine.connect() as connection:
        counts = connection.exec_driver_sql(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM events)"
        ).one()
    docket.close()
    connection_ = sqlite3.connect(partial)
    connection_.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection_.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{partial}{suffix}").unlink(missing_ok=True)
    partial.rename(path)
    print(
        f"built {counts[0]:,} open cases, {counts[1]:,} events in "
        f"{time.perf_counter() - start:.0f} s ({path}, {path.stat().st_size / 2**30:.1f} GiB)",
        file=sys.stderr,
    )


def open_cases(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM cases WHERE state NOT IN ('removed', 'closed')"
        ).fetchone()
    return int(count)
