"""Bulk import: Docket's `import cases` beside raw inserts of the same data, in the same run.

For each backend it prints Docket's rows per second and two baselines measured in the same run:

- `same rows`: the very rows Docket wrote (persons and their documents, cases, events, bars,
  deadlines), read back and inserted into a fresh database of the same schema with the driver
  alone (sqlite3 `executemany` in 5,000-row transactions with Docket's own pragmas: WAL,
  `synchronous=FULL`, foreign keys, page cache; the secondary indexes dropped before and built
  after, as Docket does for a large load / PostgreSQL `COPY`), no domain logic; only the
  inserts, commits and index statements are timed.
- `csv rows`: the input CSV rows, one table of text columns, the same way.

Usage: python bench/import_bench.py [--cases 1000000] [--backends sqlite,postgresql]
PostgreSQL: DOCKET_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a database is created for each run and dropped afterwards.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from docket.bootstrap import SystemClock, bootstrap
from docket.config import Settings
from docket.importing.cases_csv import import_cases
from docket.storage.bulk_indexes import DEFERRABLE, DEFERRED_FROM_ROWS
from docket.storage.engine import SQLITE_PRAGMAS, make_engine
from docket.storage.migrate import upgrade
from docket.synthetic import generate_dataset

TABLES = ("persons", "person_documents", "cases", "events", "case_bars", "case_deadlines")
BATCH = 5000
PG_URL = os.environ.get(
    "DOCKET_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f", {int(line.split()[1]) / 2**20:.0f} GiB"
                break
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}, "
        f"{platform.system()}"
    )


def progress(label: str, total: int) -> Callable[[int], None]:
    done = [0]

    def advance(n: int) -> None:
        done[0] += n
        print(f"\r  {label}: {done[0]:>9}/{total}", end="", file=sys.stderr, flush=True)
        if done[0] >= total:
            print(file=sys.stderr)

    return advance


def check_backends(names: list[str]) -> None:
    """Stop before any work, with one line, when a PostgreSQL run is asked for and no server
    answers at ``PG_URL`` (else the run fails with a traceback after the SQLite part)."""
    if "postgresql" not in names:
        return
    engine = sa.create_engine(PG_URL)
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as error:
        raise SystemExit(
            f"no PostgreSQL server answers at {sa.make_url(PG_URL)!s} (DOCKET_BENCH_PG_URL): "
            f"{str(getattr(error, 'orig', error)).splitlines()[0]}; or run on SQLite only"
        ) from None
    finally:
        engine.dispose()


class Backend:
    """A place to make fresh databases on."""

    def __init__(self, name: str, workdir: Path) -> None:
        self.name, self.workdir, self.made = name, workdir, []

    def fresh(self) -> str:
        if self.name == "sqlite":
            path = self.workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
            self.made.append(path)
            return f"sqlite:///{path}"
        name = f"docket_bench_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        self.made.append(name)
        return sa.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)

    def cleanup(self) -> None:
        for made in self.made:
            if isinstance(made, Path):
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{made}{suffix}").unlink(missing_ok=True)
            else:
                admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{made}" WITH (FORCE)')
                admin.dispose()


def docket_import(url: str, csv_path: Path, rows: int) -> float:
    docket = bootstrap(Settings(database_url=url), clock=SystemClock(), migrate=True)
    start = time.perf_counter()
    report = import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=csv_path,
        actor="bench",
        batch_size=BATCH,
        workers=os.cpu_count() or 1,
        progress=progress("docket import", rows),
        expected_rows=rows,
    )
    elapsed = time.perf_counter() - start
    docket.close()
    if report.errors or report.cases_imported != rows:
        raise SystemExit(f"import refused rows: {report.errors[:3]}")
    return elapsed


def _chunks(url: str, table: str) -> Iterator[tuple[list[str], list[tuple[Any, ...]]]]:
    engine = make_engine(url)
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=BATCH).execute(
            sa.text(f"SELECT * FROM {table}")
        )
        columns = list(result.keys())
        for partition in result.partitions(BATCH):
            yield columns, [tuple(row) for row in partition]
    engine.dispose()


def raw_same_rows(source_url: str, target_url: str, rows: int) -> float:
    """Insert what Docket wrote into a fresh database of the same schema; time inserts only."""
    engine = make_engine(target_url)
    upgrade(engine)
    engine.dispose()
    spent = 0.0
    if target_url.startswith("sqlite"):
        connection = sqlite3.connect(sa.make_url(target_url).database or "", isolation_level=None)
        for pragma in SQLITE_PRAGMAS:  # Docket's own: WAL, FULL, foreign keys, cache
            connection.execute(pragma)
        # As Docket does for a large first load (storage.bulk_indexes): the secondary indexes are
        # dropped first and built again at the end, both timed.
        names = [str(index.name) for index in DEFERRABLE] if rows >= DEFERRED_FROM_ROWS else []
        marks = ", ".join("?" * len(names))
        deferred = connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN ({marks})",
            names,
        ).fetchall()
        start = time.perf_counter()
        for name, _sql in deferred:
            connection.execute(f"DROP INDEX {name}")
        spent += time.perf_counter() - start
        for table in TABLES:
            for columns, rows in _chunks(source_url, table):
                marks = ", ".join("?" * len(columns))
                sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
                start = time.perf_counter()
                connection.execute("BEGIN IMMEDIATE")
                connection.executemany(sql, rows)
                connection.execute("COMMIT")
                spent += time.perf_counter() - start
        start = time.perf_counter()
        connection.execute("BEGIN IMMEDIATE")
        for _name, sql in deferred:
            connection.execute(sql)
        connection.execute("COMMIT")
        spent += time.perf_counter() - start
        connection.close()
        return spent
    url = sa.make_url(target_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
        for table in TABLES:
            for columns, rows in _chunks(source_url, table):
                start = time.perf_counter()
                with (
                    connection.cursor() as cursor,
                    cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
                ):
                    for row in rows:
                        copy.write_row(row)
                connection.commit()
                spent += time.perf_counter() - start
    return spent


def raw_csv_rows(target_url: str, csv_path: Path) -> float:
    """The CSV rows themselves into one table of text columns; time inserts only."""
    with csv_path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [tuple(row) for row in reader]
    ddl = f"CREATE TABLE raw_cases ({', '.join(f'{c} TEXT' for c in header)})"
    start = time.perf_counter()
    if target_url.startswith("sqlite"):
        connection = sqlite3.connect(sa.make_url(target_url).database or "", isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            connection.execute(pragma)
        connection.execute(ddl)
        sql = f"INSERT INTO raw_cases VALUES ({', '.join('?' * len(header))})"
        start = time.perf_counter()
        for offset in range(0, len(rows), BATCH):
            connection.execute("BEGIN IMMEDIATE")
            connection.executemany(sql, rows[offset : offset + BATCH])
            connection.execute("COMMIT")
        connection.close()
        return time.perf_counter() - start
    url = sa.make_url(target_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as connection:
        connection.execute(ddl)
        connection.commit()
        start = time.perf_counter()
        for offset in range(0, len(rows), BATCH):
            with connection.cursor() as cursor, cursor.copy("COPY raw_cases FROM STDIN") as copy:
                for row in rows[offset : offset + BATCH]:
                    copy.write_row(row)
            connection.commit()
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    check_backends(args.backends.split(","))
    args.workdir.mkdir(parents=True, exist_ok=True)
    data_dir = args.workdir / f"data-{args.cases}"
    csv_path = data_dir / "cases.csv"
    if not csv_path.exists():
        start = time.perf_counter()
        partial = data_dir.with_name(data_dir.name + ".partial")
        generate_dataset(
            cases=args.cases,
            seed=1,
            as_of=dt.datetime.now(dt.UTC).date(),
            out_dir=partial,
            progress=progress("generating", args.cases),
        )
        partial.rename(data_dir)  # only a complete data set is reused by later runs
        print(
            f"generated {args.cases} cases in {time.perf_counter() - start:.1f} s", file=sys.stderr
        )
    print(f"machine: {machine()}")
    print(
        f"{'backend':<11}{'docket rows/s':>15}{'same rows/s':>14}{'ratio':>8}"
        f"{'csv rows/s':>13}{'ratio':>8}{'docket s':>10}"
    )
    for name in args.backends.split(","):
        backend = Backend(name, args.workdir)
        try:
            url = backend.fresh()
            docket_s = docket_import(url, csv_path, args.cases)
            same_s = raw_same_rows(url, backend.fresh(), args.cases)
            csv_s = raw_csv_rows(backend.fresh(), csv_path)
        finally:
            backend.cleanup()
        rate = args.cases / docket_s
        same, flat = args.cases / same_s, args.cases / csv_s
        print(
            f"{name:<11}{rate:>15,.0f}{same:>14,.0f}{rate / same:>8.2f}"
            f"{flat:>13,.0f}{rate / flat:>8.2f}{docket_s:>10.1f}"
        )


if __name__ == "__main__":
    main()
