"""Departures at scale: batch relinking, single reports and sustained intake, beside Splink 5.

Issue 4's speed targets, measured on a database of N persons (the synthetic generator and the
bulk import, as in `import_bench.py`) with departure reports made from a sample of them
(typos, names upper-cased and without accents, birth dates missing or altered, strangers, twins,
the same departure from two sources). In the order run:

- setup: `docket generate`, `docket import cases`, a first part of the R reports taken with
  `docket departures import`, `docket linkage train`, then the rest taken with the model.
- batch: `docket linkage relink` on the N persons x R reports (wall time, peak memory), beside
  Splink 5's `linker.inference.predict` on the same persons and reports with the same model.
- single reports, one at a time: `accept_reports` with one report per call (what the API and
  the NATS listener do per request or batch: the transaction and its commit included), and the
  fast path alone (the candidate query and the scoring `_take` does before it writes).
  Baseline: Splink 5's own way to match one new record against the persons,
  `linker.inference.predict_between(persons, new_record)` (Splink 5's successor of
  `find_matches_to_new_records`), with the same model and term frequencies.
- sustained intake: reports published to NATS JetStream at a fixed rate (open loop, paced by
  the clock) and taken by the real `docket departures listen`, while another process reads the
  live metrics again and again; for each report, the time from its publication until
  `reports_received.total` includes it (`--intake-via service` drives `accept_reports` in
  batches instead).

Usage: python bench/departures_bench.py [--persons 1000000] [--reports 100000]
    [--backend sqlite|postgresql] [--workdir DIR] [--only batch,single,intake]
PostgreSQL: DOCKET_BENCH_PG_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres);
a database is created for the run and dropped afterwards (`--keep` keeps it; `--database URL`
runs the parts on a database set up before, and then each run needs its own `--seed`: with the
same one it takes reports of persons whose departures an earlier run recorded already).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import csv
import datetime as dt
import io
import json
import logging
import math
import multiprocessing as mp
import os
import pstats
import queue
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import nats.js.errors
import psutil
import pyarrow as pa
import sqlalchemy as sa
from splink import DuckDBAPI, Linker

from docket.bootstrap import Docket, SystemClock, bootstrap
from docket.config import Settings
from docket.departures.comparisons import COLUMNS
from docket.departures.linkage import record, resolve
from docket.departures.metrics import metrics
from docket.departures.model import Parsed, parse_report
from docket.departures.service import accept_reports
from docket.linkage.splink_model import predict
from docket.storage import schema as t
from docket.storage.engine import make_engine
from docket.synthetic.people import strip_accents, typo
from import_bench import Backend, machine, progress

DOCKET = str(Path(sys.executable).with_name("docket"))
PERSONS_PER_CASE = 48_479 / 50_000
"""Distinct persons per generated case row (seed 1): some people have two cases."""
SEED = 4
ACTOR = "bench"
SOURCE_MIX = (
    ("exit_record", 45),
    ("carrier_manifest", 30),
    ("self_report", 10),
    ("consular_verification", 8),
    ("officer_witnessed", 7),
)
PORTS = ("JFK", "LAX", "MIA", "IAH", "ORD", "ATL", "SFO", "EWR", "DFW", "SEA", "SYS", "ELP")
CSV_COLUMNS = (
    "source_record_id", "given_name", "family_name", "date_of_birth", "sex", "citizenship",
    "a_number", "document_number", "address_line", "city", "postcode", "state", "departed_on",
    "port", "destination_country",
)  # fmt: skip
PERSON_COLUMNS = (
    "a_number", "given_name", "family_name", "date_of_birth", "sex", "citizenship",
    "address_line", "city", "postcode", "state", "document_number",
)  # fmt: skip
WARM_UP = 20
"""Reports taken before the single-report timings start (connections, caches, the model)."""


# -- helpers ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(values: Sequence[float]) -> str:
    """p50, p95, p99 and max of ``values`` (seconds) in milliseconds, as table cells."""
    cells = [percentile(values, p) * 1000 for p in (50, 95, 99, 100)]
    return "".join(f"{cell:>9.2f}" for cell in cells)


def note(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def subprocess_env(workdir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKET_DATABASE_URL"}
    env["DOCKET_SIGNING_KEY_FILE"] = str(workdir / "bench-signing.key")
    return env


def run_docket(url: str | None, env: dict[str, str], *args: str) -> tuple[float, str]:
    """A `docket` command (on ``url``): its wall time and stdout (its stderr, with the
    progress bars, goes to ours)."""
    database = ["--database", url] if url else []
    # stdout to a file, not a pipe: worker processes left behind by a command that was killed
    # would hold a pipe open, and we would wait for them forever.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        start = time.perf_counter()
        done = subprocess.run([DOCKET, *database, *args], env=env, stdout=out, check=False)
        elapsed = time.perf_counter() - start
        out.seek(0)
        said = out.read().strip()
    if done.returncode != 0:
        raise SystemExit(f"docket {' '.join(args)} failed ({done.returncode}): {said}")
    return elapsed, said


@dataclass
class Measured:
    returncode: int
    wall: float
    max_rss_mb: float
    """The largest single process (wait4's ru_maxrss, which covers reaped descendants)."""
    tree_rss_mb: float
    """The largest sum over the process and its children, sampled every 0.2 s."""
    stdout: str
    said: list[tuple[float, str]]
    """Each line it wrote on stderr (its progress), with the seconds since it started."""

    def phases(self) -> str:
        """Seconds from each progress line to the next (the last: to the end)."""
        ends = [at for at, _ in self.said[1:]] + [self.wall]
        return "; ".join(
            f"{line.rstrip(' .')} {end - at:.1f} s"
            for (at, line), end in zip(self.said, ends, strict=True)
        )


def run_measured(cmd: Sequence[str], env: dict[str, str]) -> Measured:
    """Run ``cmd``: wall time, and peak memory of it and its children."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()
    said: list[tuple[float, str]] = []

    def listen() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            said.append((time.perf_counter() - start, line.strip()))
            sys.stderr.write(line)

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()

    def sample() -> None:
        try:
            root = psutil.Process(proc.pid)
            while not done.is_set():
                total = 0
                for p in [root, *root.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
                peak[0] = max(peak[0], total)
                done.wait(0.2)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    listener.join()
    said = [(at, line) for at, line in said if line]
    return Measured(proc.returncode, wall, usage.ru_maxrss / 1024, peak[0] / 2**20, out, said)


# -- reports ---------------------------------------------------------------------------------
def sample_people(cases_csv: Path, cases: int, k: int, rng: random.Random) -> list[dict[str, str]]:
    """``k`` case rows drawn at random from the generated file (the persons reports are of)."""
    chosen = set(rng.sample(range(cases), min(k, cases)))
    people = []
    with cases_csv.open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            if n in chosen:
                people.append({c: row[c] for c in PERSON_COLUMNS})
    rng.shuffle(people)
    return people


class ReportMaker:
    """Departure reports of sampled persons, as sources write them: typos, names upper-cased
    and without accents, dates of birth missing or altered, A-numbers seldom, a second report of
    the same departure from another source, strangers (no one in the system), and twins of
    persons in the system (same family name and birth date, another given name)."""

    def __init__(self, people: list[dict[str, str]], seed: int, today: dt.date) -> None:
        self.people, self.rng, self.today = people, random.Random(seed), today
        self.next_person = 0
        self.sources = [name for name, weight in SOURCE_MIX for _ in range(weight)]
        self.stats: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.stats[kind] = self.stats.get(kind, 0) + 1

    def _person(self) -> dict[str, str]:
        person = self.people[self.next_person % len(self.people)]
        self.next_person += 1
        return person

    def make(self, count: int, prefix: str) -> list[dict[str, str]]:
        """``count`` reports, each with its ``source`` and the CSV's fields."""
        rng = self.rng
        out: list[dict[str, str]] = []
        for n in range(count):
            r = rng.random()
            if out and r < 0.12:
                report = self._again(rng.choice(out[-2000:]))
            elif r < 0.19:
                report = self._stranger()
            elif r < 0.20:
                report = self._twin()
            else:
                report = self._known()
            report["source_record_id"] = f"{prefix}-{n:08d}"
            out.append(report)
        return out

    def _base(self) -> dict[str, str]:
        rng = self.rng
        departed = self.today - dt.timedelta(days=rng.randint(0, 365))
        return {
            "source": rng.choice(self.sources),
            "departed_on": departed.isoformat(),
            "port": rng.choice(PORTS),
        }

    def _known(self) -> dict[str, str]:
        self._count("person in the system")
        rng = self.rng
        person = self._person()
        report = self._base()
        given, family = person["given_name"], person["family_name"]
        if rng.random() < 0.12:
            given = typo(given, rng.random)
        if rng.random() < 0.08:
            family = typo(family, rng.random)
        if report["source"] in ("exit_record", "carrier_manifest") and rng.random() < 0.5:
            given, family = strip_accents(given).upper(), strip_accents(family).upper()
        born = person["date_of_birth"]
        r = rng.random()
        if r < 0.08:
            born = ""
        elif r < 0.13 and born:
            born = self._altered(born)
        report.update(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=person["sex"] if rng.random() < 0.9 else "",
            citizenship=person["citizenship"] if rng.random() < 0.95 else "",
            a_number=person["a_number"] if rng.random() < 0.1 else "",
            document_number=person["document_number"] if rng.random() < 0.6 else "",
            destination_country=person["citizenship"] if rng.random() < 0.8 else "MX",
        )
        if rng.random() < 0.25:
            report.update({k: person[k] for k in ("address_line", "city", "postcode", "state")})
        return report

    def _altered(self, born: str) -> str:
        rng = self.rng
        day = dt.date.fromisoformat(born)
        r = rng.random()
        if r < 0.4 and day.day <= 12 and day.day != day.month:
            return day.replace(month=day.day, day=day.month).isoformat()  # day-first writing
        if r < 0.7:
            return (day + dt.timedelta(days=rng.choice((-1, 1)))).isoformat()
        year = day.year + rng.choice((-1, 1))
        return day.replace(year=year, day=min(day.day, 28)).isoformat()

    def _stranger(self) -> dict[str, str]:
        """Someone the system has never met: a plausible name, any birth date."""
        self._count("stranger")
        rng = self.rng
        one, other = rng.choice(self.people), rng.choice(self.people)
        born = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(23_000))
        report = self._base()
        report.update(
            given_name=one["given_name"],
            family_name=other["family_name"],
            date_of_birth=born.isoformat(),
            sex=rng.choice("FM"),
            citizenship=other["citizenship"],
            document_number=f"{rng.randrange(10**9):09d}" if rng.random() < 0.3 else "",
            destination_country=other["citizenship"],
        )
        return report

    def _twin(self) -> dict[str, str]:
        """The twin of a person in the system, not in it: same family name and birth date."""
        self._count("twin of a person")
        rng = self.rng
        person, other = self._person(), rng.choice(self.people)
        report = self._base()
        report.update(
            given_name=other["given_name"],
            family_name=person["family_name"],
            date_of_birth=person["date_of_birth"],
            sex=other["sex"],
            citizenship=person["citizenship"],
            destination_country=person["citizenship"],
        )
        return report

    def _again(self, earlier: dict[str, str]) -> dict[str, str]:
        """The same departure reported by another source a day or two apart."""
        self._count("second report of a departure")
        rng = self.rng
        report = dict(earlier)
        report["source"] = rng.choice([s for s in self.sources if s != earlier["source"]])
        day = dt.date.fromisoformat(earlier["departed_on"]) + dt.timedelta(rng.randint(-2, 2))
        report["departed_on"] = min(day, self.today).isoformat()
        if rng.random() < 0.3:
            report["date_of_birth"] = ""
        return report


def write_csvs(reports: Sequence[dict[str, str]], directory: Path, stem: str) -> list[Path]:
    """The reports as departure CSV files, one per source (the import takes one source)."""
    by_source: dict[str, list[dict[str, str]]] = {}
    for report in reports:
        by_source.setdefault(report["source"], []).append(report)
    paths = []
    for source, rows in sorted(by_source.items()):
        path = directory / f"{stem}-{source}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


def arrow(rows: Sequence[dict[str, str | None]]) -> pa.Table:
    """Records as the model compares them, as Splink takes them (as docket.linkage does)."""
    return pa.table(
        {c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in ("unique_id", *COLUMNS)}
    )


def parsed(report: dict[str, str]) -> Parsed:
    return parse_report(report["source"], {k: v for k, v in report.items() if k != "source"})


# -- setup -----------------------------------------------------------------------------------
@dataclass
class Setup:
    url: str
    persons: int
    lines: list[str] = field(default_factory=list)


def generated_cases(workdir: Path, persons: int) -> tuple[Path, int]:
    cases = math.ceil(persons / PERSONS_PER_CASE)
    data_dir = workdir / f"departures-cases-{cases}"
    if not (data_dir / "cases.csv").exists():
        partial = data_dir.with_name(data_dir.name + ".partial")
        note(f"generating {cases} cases ...")
        run_docket(None, {**os.environ}, "generate", "--cases", str(cases), "--out", str(partial))
        partial.rename(data_dir)  # only a complete data set is reused by later runs
    return data_dir / "cases.csv", cases


def take_reports(
    url: str, env: dict[str, str], reports: Sequence[dict[str, str]], files: Path, stem: str
) -> tuple[float, int]:
    """`docket departures import` of ``reports``, one file per source: seconds, accepted."""
    took, accepted = 0.0, 0
    for path in write_csvs(reports, files, stem):
        source = path.stem.split("-", 1)[1]
        spent, out = run_docket(
            url, env, "departures", "import", str(path), "--source", source, "--actor", ACTOR
        )
        took += spent
        accepted += int(out.split("accepted: ", 1)[1].split(";", 1)[0])
        path.unlink()
    return took, accepted


def set_up(
    url: str,
    env: dict[str, str],
    cases_csv: Path,
    cases: int,
    reports: list[dict[str, str]],
    args: Any,
) -> Setup:
    lines = []
    run_docket(url, env, "init")
    note(f"importing {cases} cases ...")
    took, out = run_docket(url, env, "import", "cases", str(cases_csv))
    persons = count_rows(url, t.persons)
    lines.append(f"  import cases: {cases:,} cases, {persons:,} persons in {took:.1f} s ({out})")
    first = reports[: max(1, int(len(reports) * args.train_after))]
    rest = reports[len(first) :]
    files = args.workdir / f"reports-{uuid.uuid4().hex[:6]}"
    files.mkdir()
    note(f"taking {len(first)} reports before training ...")
    took, accepted = take_reports(url, env, first, files, "before")
    lines.append(
        f"  departures import, no model yet: {len(first):,} reports ({accepted:,} accepted) "
        f"in {took:.1f} s ({len(first) / took:,.0f}/s)"
    )
    note("docket linkage train ...")
    took, out = run_docket(url, env, "linkage", "train")
    lines.append(f"  linkage train: {took:.1f} s: {out}")
    engine = make_engine(url)
    with engine.connect() as connection:
        settings = json.loads(
            connection.scalar(
                sa.select(t.linkage_models.c.settings).order_by(t.linkage_models.c.version.desc())
            )
        )
    engine.dispose()
    missing = set(COLUMNS) - {c["output_column_name"] for c in settings["comparisons"]}
    if missing:  # the fast path would fail on every report it scores
        raise SystemExit(f"the trained model has no comparison of {', '.join(sorted(missing))}")
    if rest:
        note(f"taking {len(rest)} reports with the model ...")
        took, accepted = take_reports(url, env, rest, files, "after")
        lines.append(
            f"  departures import with the model: {len(rest):,} reports ({accepted:,} accepted) "
            f"in {took:.1f} s ({len(rest) / took:,.0f}/s, 500 per transaction)"
        )
    files.rmdir()
    return Setup(url, persons, lines)


def count_rows(url: str, table: sa.Table) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        found = int(connection.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
    engine.dispose()
    return found


def latest_model(docket: Docket) -> dict[str, Any]:
    with docket.engine.connect() as connection:
        settings = connection.scalar(
            sa.select(t.linkage_models.c.settings).order_by(t.linkage_models.c.version.desc())
        )
    if settings is None:
        raise SystemExit("no linkage model in the database")
    return dict(json.loads(settings))


def latest_tf(docket: Docket) -> dict[str, dict[str, float]]:
    with docket.engine.connect() as connection:
        tf = connection.scalar(
            sa.select(t.linkage_models.c.term_frequency).order_by(t.linkage_models.c.version.desc())
        )
    return dict(json.loads(tf))


# -- single reports --------------------------------------------------------------------------
def single_reports(
    docket: Docket,
    reports: list[dict[str, str]],
    splink_count: int,
    budget: float,
    persons: int,
    prof: bool,
) -> None:
    warm, timed = [parsed(r) for r in reports[:WARM_UP]], [parsed(r) for r in reports[WARM_UP:]]
    for one in warm:
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
    service: list[float] = []
    advance = progress("accept_reports, one per call", len(timed))
    for one in timed:
        start = time.perf_counter()
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
        service.append(time.perf_counter() - start)
        advance(1)
    # The fast path alone, on the same reports: the candidate query and the scoring.
    query: list[float] = []
    scoring: list[float] = []
    fast: list[float] = []
    found: list[int] = []
    best: dict[str, tuple[float | None, set[str]]] = {}
    """By report: the fast path's best match weight (``None``: no candidate shown) and the
    persons its candidate query found."""
    advance = progress("fast path (candidates + scoring)", len(timed))
    with docket.departures.write() as tx:
        model = tx.linkage_model()
        assert model is not None
        for one in timed:
            start = time.perf_counter()
            compared = record(one.report.content())
            candidates = tx.candidates(compared)
            middle = time.perf_counter()
            resolution = resolve(model, compared, candidates)
            end = time.perf_counter()
            query.append(middle - start)
            scoring.append(end - middle)
            fast.append(end - start)
            found.append(len(candidates))
            if len(best) < splink_count:
                top = resolution.best.weight if resolution.best else None
                best[one.report.source_record_id] = (top, set(candidates))
            advance(1)
    with_a_number = sum(1 for one in timed if one.report.a_number)
    print(
        f"\nsingle reports against {persons:,} persons, one at a time "
        f"({len(timed):,} reports, {with_a_number} with an A-number; {WARM_UP} more taken first "
        "as warm-up)"
    )
    print(f"{'':<56}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    print(f"{'docket accept_reports, 1 report per call (tx, commit)':<56}{ms(service)}")
    print(f"{'docket fast path: candidate query + scoring':<56}{ms(fast)}")
    print(f"{'  candidate query (SQL, persons decoded)':<56}{ms(query)}")
    print(f"{'  scoring and decision':<56}{ms(scoring)}")
    print(
        f"  candidates per report: p50 {percentile(found, 50)}, p99 {percentile(found, 99)}, "
        f"max {max(found)}"
    )
    if splink_count:
        splink = splink_single(docket, timed[:splink_count], budget)
        took = [s for s, _, _ in splink.values()]
        same = missed = 0
        for rid, (_, person, weight) in splink.items():
            ours, candidates = best[rid]
            same += (ours is None and weight is None) or (
                ours is not None and weight is not None and abs(ours - weight) < 1e-6
            )
            missed += person is not None and person not in candidates
        label = f"splink predict_between, 1 new record ({len(took)} reports)"
        print(f"{label:<56}{ms(took)}")
        if len(took) < min(splink_count, len(timed)):
            print(f"  (Splink stopped after {len(took)} reports: --splink-budget {budget:.0f} s)")
        fast_p = [percentile(fast, p) for p in (50, 99)]
        service_p = [percentile(service, p) for p in (50, 99)]
        splink_p = [percentile(took, p) for p in (50, 99)]
        print(
            f"  ratio docket / splink: fast path p50 {fast_p[0] / splink_p[0]:.4f}, p99 "
            f"{fast_p[1] / splink_p[1]:.4f}; accept_reports p50 "
            f"{service_p[0] / splink_p[0]:.4f}, p99 {service_p[1] / splink_p[1]:.4f}"
        )
        print(
            f"  the same best match weight (or no pair at 0.01) from Splink as from the fast "
            f"path: {same}/{len(took)}; Splink's best person not among the fast path's "
            f"candidates: {missed} (Splink also blocks on the document number)"
        )
    if prof:
        profile_single(docket, reports)


def profile_single(docket: Docket, reports: list[dict[str, str]]) -> None:
    """cProfile of accept_reports, one report per call, on reports not yet taken."""
    extra = [parsed({**r, "source_record_id": f"{r['source_record_id']}-prof"}) for r in reports]
    profiler = cProfile.Profile()
    profiler.enable()
    for one in extra[:500]:
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"\n  cProfile of accept_reports, 1 report per call, {len(extra[:500])} reports:")
    print("\n".join("  " + line for line in out.getvalue().splitlines() if line.strip()))


def splink_single(
    docket: Docket, timed: list[Parsed], budget: float
) -> dict[str, tuple[float, str | None, float | None]]:
    """Splink's own matching of one new record against the persons (`predict_between`), one
    report at a time, until ``budget`` seconds are spent (10 reports at least): seconds taken,
    the best person found and their match weight, by report."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    note("splink: reading persons and reports for the per-record baseline ...")
    persons, received = docket.linkage.training_records()
    api = DuckDBAPI()
    persons_table = api.register(arrow(persons), dataset_display_name="persons")
    reports_table = api.register(arrow(received), dataset_display_name="reports")
    linker = Linker([persons_table, reports_table], latest_model(docket), log_level=logging.WARNING)
    for column, frequencies in latest_tf(docket).items():
        tf = api.register(
            pa.table({column: list(frequencies), f"tf_{column}": list(frequencies.values())}),
            dataset_display_name=f"tf_{column}",
        )
        linker.table_management.register_term_frequency_lookup(tf, column)
    del persons, received
    out: dict[str, tuple[float, str | None, float | None]] = {}
    advance = progress("splink predict_between, one new record", len(timed))
    began = time.perf_counter()
    for n, one in enumerate(timed):
        if n >= 10 and time.perf_counter() - began > budget:
            note(f"splink: stopped after {n} reports, {budget:.0f} s spent")
            break
        rid = one.report.source_record_id
        row = {"unique_id": rid, **record(one.report.content())}
        start = time.perf_counter()
        new = api.register(arrow([row]), dataset_display_name=f"new_record_{n}")
        predictions = linker.inference.predict_between(
            persons_table, new, threshold_match_probability=0.01, warning_mode="never"
        )
        pairs = predictions.as_record_list()
        took = time.perf_counter() - start
        top = max(pairs, key=lambda p: p["match_weight"], default=None)
        person, weight = None, None
        if top is not None:
            side = "unique_id_l" if top["source_dataset_l"] == "persons" else "unique_id_r"
            person, weight = str(top[side]), float(top["match_weight"])
        out[rid] = (took, person, weight)
        predictions.drop_table_from_database_and_remove_from_cache()
        new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        advance(1)
    return out


# -- sustained intake ------------------------------------------------------------------------
def poll_metrics(url: str, interval: float, ready: Any, stop: Any, conn: Any) -> None:
    """In its own process: read the live metrics again and again, noting when each read began
    and ended and the reports received it showed."""
    docket = bootstrap(Settings(database_url=url), clock=SystemClock())
    samples = []
    while not stop.is_set():
        began = time.time()
        figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
        samples.append((began, time.time(), int(figures["reports_received"]["total"])))
        ready.set()
        if interval:
            time.sleep(interval)
    conn.send(samples)
    docket.close()


class Poller:
    def __init__(self, url: str, interval: float) -> None:
        context = mp.get_context("spawn")
        self.ready, self.stop = context.Event(), context.Event()
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=poll_metrics, args=(url, interval, self.ready, self.stop, send), daemon=True
        )
        self.process.start()
        if not self.ready.wait(120):
            raise SystemExit("the metrics poller did not start")

    def finish(self) -> tuple[list[tuple[float, float, int]], float]:
        """The polls (began, ended, reports received) and the CPU seconds they took."""
        cpu = sum(psutil.Process(self.process.pid).cpu_times()[:2])
        self.stop.set()
        samples: list[tuple[float, float, int]] = self.receive.recv()
        self.process.join()
        return samples, cpu


@dataclass
class Intake:
    submitted: list[float]
    samples: list[tuple[float, float, int]]
    poller_cpu: float
    lines: list[str] = field(default_factory=list)


def intake_part(
    docket: Docket, url: str, env: dict[str, str], reports: list[dict[str, str]], args: Any
) -> None:
    if args.intake_via == "nats":
        done = asyncio.run(intake_nats(url, env, reports, args))
    else:
        done = intake_service(docket, url, reports, args)
    samples = sorted(done.samples, key=lambda s: s[1])
    base = samples[0][2]
    submitted = done.submitted
    totals, running = [], 0
    for _, _, total in samples:
        running = max(running, total)
        totals.append(running)
    # Reports are taken in the order they were sent (one listener, one stream), so the n-th
    # report is in the figures from the first read that counts n more than before the run.
    # With several listeners, batches may commit out of order: then a report's lag is that of
    # the n-th report counted, off by at most the batches committed ahead of its own.
    last = samples[-1][1]
    lags: list[float] = []
    seen = 0
    for n, sent in enumerate(submitted):
        at = bisect_left(totals, base + n + 1)
        if at < len(totals):
            seen = n + 1
            lags.append(samples[at][1] - sent)
        else:  # never seen in the run: at least this late
            lags.append(last - sent)
    seen_by = max((samples[bisect_left(totals, base + seen)][1] if seen else 0.0), submitted[0])
    span = submitted[-1] - submitted[0]
    polls = [end - began for began, end, _ in samples]
    print(
        f"\nsustained intake via {args.intake_via}: {len(submitted):,} reports offered at "
        f"{args.rate:,}/s for {args.seconds} s (open loop), the metrics read every "
        f"{args.poll_interval * 1000:.0f} ms by another process"
    )
    for line in done.lines:
        print(line)
    achieved = seen / (seen_by - submitted[0]) if seen else 0.0
    print(
        f"  offered {len(submitted) / span if span else 0:,.0f}/s; taken {seen:,} of "
        f"{len(submitted):,}, {achieved:,.0f}/s (from the first submission to the last report "
        "seen in the metrics)"
    )
    if seen < len(submitted):
        print(
            f"  NOT ALL SEEN: {len(submitted) - seen:,} reports were not in the metrics when the "
            f"run stopped ({args.drain} s after the last submission); their lags below are "
            "counted to the end of the run, so the percentiles are lower bounds"
        )
    print(f"{'':<56}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    print(f"{'freshness: submitted -> in reports_received.total':<56}{ms(lags)}")
    print(f"{'one metrics read (the poll itself)':<56}{ms(polls)}")
    within = sum(1 for lag in lags if lag < 1.0)
    print(
        f"  within 1 s: {within / len(lags):.1%} of reports (target: p99 under 1 s); "
        f"{len(samples):,} metrics reads took {done.poller_cpu:.1f} s of CPU"
    )


def tree_cpu(process: psutil.Process) -> Counter[int]:
    """CPU seconds (user and system) of ``process`` and each of its children, by pid."""
    out: Counter[int] = Counter()
    for one in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            out[one.pid] = sum(one.cpu_times()[:2])
    return out


async def intake_nats(
    url: str, env: dict[str, str], reports: list[dict[str, str]], args: Any
) -> Intake:
    """Publish the reports at ``args.rate`` to a fresh JetStream stream taken by the real
    `docket departures listen`, polling the metrics from another process."""
    tag = uuid.uuid4().hex[:8]
    stream, subject, durable = f"BENCH_DEPARTURES_{tag}", f"bench.departures.{tag}", f"bench-{tag}"
    connection = await nats.connect(args.nats)
    js = connection.jetstream()
    await js.add_stream(name=stream, subjects=[subject])
    log = (args.workdir / f"listen-{tag}.log").open("w")
    listener = subprocess.Popen(
        [DOCKET, "--database", url, "departures", "listen", "--nats", args.nats,
         "--stream", stream, "--subject", subject, "--durable", durable,
         "--batch", str(args.batch), "--listeners", str(args.listeners), "--actor", ACTOR],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    lines = []
    try:
        for _ in range(600):
            try:
                await js.consumer_info(stream, durable)
                break
            except nats.js.errors.NotFoundError:
                if listener.poll() is not None:
                    raise SystemExit("docket departures listen stopped") from None
                await asyncio.sleep(0.1)
        poller = Poller(url, args.poll_interval)
        bodies = [json.dumps(r).encode() for r in reports]
        usage = psutil.Process(listener.pid)
        cpu_before = tree_cpu(usage)
        submitted: list[float] = []
        start = time.time()
        advance = progress("published", len(bodies))
        for n, body in enumerate(bodies):
            delay = start + n / args.rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            submitted.append(time.time())
            await connection.publish(subject, body)
            if n % args.rate == args.rate - 1:
                advance(args.rate)
        await connection.flush()
        advance(len(bodies) % args.rate)
        deadline = time.time() + args.drain
        drained = False
        while not drained and time.time() < deadline:
            info = await js.consumer_info(stream, durable)
            drained = info.num_pending == 0 and info.num_ack_pending == 0
            await asyncio.sleep(0.1)
        stopped = time.time()
        await asyncio.sleep(max(1.0, 3 * args.poll_interval))
        samples, poller_cpu = poller.finish()
        cpu = sum((tree_cpu(usage) - cpu_before).values())
        stored = (await js.stream_info(stream)).state.messages
        waited = stopped - submitted[-1]
        lines.append(
            f"  stream held {stored:,} messages; the listener "
            + (
                f"had taken them all {waited:.1f} s"
                if drained
                else f"was still behind {waited:.0f} s"
            )
            + f" after the last publication; listener CPU {cpu:.1f} s over "
            f"{stopped - start:.1f} s ({cpu / (stopped - start):.0%} of a core)"
        )
    finally:
        listener.send_signal(signal.SIGTERM)
        out, _ = listener.communicate(timeout=60)
        log.close()
        await js.delete_stream(stream)
        await connection.close()
    lines.append(f"  listener: {out.strip()}")
    return Intake(submitted, samples, poller_cpu, lines)


def intake_service(docket: Docket, url: str, reports: list[dict[str, str]], args: Any) -> Intake:
    """Feed `accept_reports` at ``args.rate`` from a clock-paced thread, in batches of what has
    come (at most ``args.batch``), as the listener does; poll the metrics from another
    process."""
    poller = Poller(url, args.poll_interval)
    items = [parsed(r) for r in reports]
    waiting: queue.Queue[Parsed | None] = queue.Queue()
    submitted: list[float] = []

    def feed() -> None:
        start = time.time()
        for n, item in enumerate(items):
            delay = start + n / args.rate - time.time()
            if delay > 0:
                time.sleep(delay)
            submitted.append(time.time())
            waiting.put(item)
        waiting.put(None)

    feeder = threading.Thread(target=feed)
    feeder.start()
    finished = False
    batches = 0
    while not finished:
        if len(submitted) == len(items) and time.time() > submitted[-1] + args.drain:
            break
        batch = []
        item = waiting.get()
        while item is not None:
            batch.append(item)
            if len(batch) >= args.batch:
                break
            try:
                item = waiting.get_nowait()
            except queue.Empty:
                break
        finished = item is None
        if batch:
            accept_reports(
                store=docket.departures,
                clock=docket.clock,
                actor=ACTOR,
                reports=batch,
                refuse_conflicts=False,
            )
            batches += 1
    feeder.join()
    time.sleep(max(1.0, 3 * args.poll_interval))
    samples, poller_cpu = poller.finish()
    return Intake(submitted, samples, poller_cpu, [f"  {batches:,} transactions"])


# -- batch -----------------------------------------------------------------------------------
def relink_available(env: dict[str, str]) -> bool:
    done = subprocess.run(
        [DOCKET, "linkage", "relink", "--help"], env=env, capture_output=True, check=False
    )
    return done.returncode == 0


def batch_part(url: str, env: dict[str, str], persons: int, args: Any) -> None:
    reports = count_rows(url, t.departure_reports)
    print(f"\nbatch: {persons:,} persons x {reports:,} reports")
    print(f"{'':<44}{'wall s':>9}{'peak RSS MB':>13}{'tree RSS MB':>13}")
    docket_run = None
    if relink_available(env):
        note("docket linkage relink ...")
        docket_run = run_measured([DOCKET, "--database", url, "linkage", "relink"], env)
        print(
            f"{'docket linkage relink':<44}{docket_run.wall:>9.1f}{docket_run.max_rss_mb:>13,.0f}"
            f"{docket_run.tree_rss_mb:>13,.0f}"
        )
        said = docket_run.stdout.strip().splitlines()
        recorded = [line for line in said if line.strip().startswith("recorded ")]
        for line in said:
            if line not in recorded:
                print(f"    {line.strip()}")
        if recorded:
            print(f"    ({len(recorded)} 'recorded CASE:EVENT' lines not shown)")
        started = docket_run.said[0][0] if docket_run.said else 0.0
        print(f"    phases: start-up {started:.1f} s; {docket_run.phases()}")
        if docket_run.returncode != 0:
            print(f"  relink FAILED with exit status {docket_run.returncode}")
    else:
        print("  relink not available (`docket linkage relink --help` fails)")
    note("splink predict ...")
    splink_run = run_measured(
        [sys.executable, __file__, "--splink-predict", url, "--threshold", str(args.threshold)],
        env,
    )
    if splink_run.returncode != 0:
        raise SystemExit(f"splink predict failed: {splink_run.stdout}")
    inside = json.loads(splink_run.stdout.strip().splitlines()[-1])
    print(
        f"{'splink 5 inference.predict (with the reading)':<44}{splink_run.wall:>9.1f}"
        f"{splink_run.max_rss_mb:>13,.0f}{splink_run.tree_rss_mb:>13,.0f}"
    )
    print(
        f"    reading persons and reports from the database {inside['read_s']:.1f} s, predict "
        f"{inside['predict_s']:.1f} s: {inside['pairs']:,} pairs at or above "
        f"{args.threshold} match probability"
    )
    if docket_run is not None and docket_run.returncode == 0:
        print(
            f"  ratio docket / splink: wall {docket_run.wall / splink_run.wall:.2f}, peak RSS "
            f"{docket_run.tree_rss_mb / splink_run.tree_rss_mb:.2f} (target: under 60 s, 3 GB)"
        )


def splink_predict_child(url: str, threshold: float) -> None:
    """Run in a process of its own (its memory measured): Splink's batch prediction on every
    person against every report in the database, with the latest model."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    docket = bootstrap(Settings(database_url=url), clock=SystemClock())
    start = time.perf_counter()
    persons, reports = docket.linkage.training_records()
    model = latest_model(docket)
    read = time.perf_counter() - start
    start = time.perf_counter()
    pairs = predict(model, persons, reports, threshold)
    took = time.perf_counter() - start
    print(json.dumps({"read_s": read, "predict_s": took, "pairs": len(pairs)}))


# -- main ------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=100_000, help="reports set up (part 1)")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--only", default="batch,single,intake", help="parts after the setup")
    parser.add_argument("--database", help="a database set up by an earlier run (--keep)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--train-after", type=float, default=0.2, help="share of the reports before training"
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=SEED,
        help="which persons the reports are of; with --database, give each run its own, or "
        "later runs take reports of persons whose departures earlier runs recorded already",
    )
    parser.add_argument("--single", type=int, default=2000, help="single reports timed")
    parser.add_argument("--splink-single", type=int, default=100, help="of them, with Splink")
    parser.add_argument("--splink-budget", type=float, default=300, help="seconds, at most")
    parser.add_argument("--profile", action="store_true", help="cProfile of single reports")
    parser.add_argument(
        "--in-commit-checkpoints",
        action="store_true",
        help="single reports: checkpoint inside commits, as short-lived commands do",
    )
    parser.add_argument("--rate", type=int, default=1000, help="intake: reports per second")
    parser.add_argument("--seconds", type=int, default=60, help="intake: for this long")
    parser.add_argument("--intake-via", choices=("nats", "service"), default="nats")
    parser.add_argument("--nats", default="nats://127.0.0.1:4222")
    parser.add_argument("--batch", type=int, default=100, help="intake: listener batch")
    parser.add_argument(
        "--listeners", type=int, default=1, help="intake: `docket departures listen --listeners`"
    )
    parser.add_argument("--poll-interval", type=float, default=0.1, help="metrics reads, s")
    parser.add_argument(
        "--drain", type=float, default=60, help="intake: wait at most this long after sending"
    )
    parser.add_argument("--threshold", type=float, default=0.01, help="splink predict")
    parser.add_argument("--splink-predict", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.splink_predict:
        splink_predict_child(args.splink_predict, args.threshold)
        return
    args.workdir = args.workdir.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    parts = set(args.only.split(","))
    env = subprocess_env(args.workdir)
    began = time.perf_counter()
    cases_csv, cases = generated_cases(args.workdir, args.persons)
    single_n = args.single + WARM_UP
    intake_n = args.rate * args.seconds if "intake" in parts else 0
    rng = random.Random(args.seed)
    note("sampling persons for the reports ...")
    people = sample_people(cases_csv, cases, args.reports + single_n + intake_n, rng)
    maker = ReportMaker(people, args.seed, dt.datetime.now(dt.UTC).date())
    setup_reports = maker.make(args.reports, "setup")
    run = uuid.uuid4().hex[:6]  # parts 2 and 3 take new reports on every run
    single_reports_ = maker.make(single_n, f"single-{run}")
    intake_reports = maker.make(intake_n, f"intake-{run}")
    print(f"machine: {machine()}")
    print(f"load at start (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        "reports made: "
        + ", ".join(f"{kind} {n:,}" for kind, n in sorted(maker.stats.items()))
        + f"; sources {', '.join(f'{s} {w}%' for s, w in SOURCE_MIX)}"
    )
    backend = Backend(args.backend, args.workdir)
    try:
        if args.database:
            url, persons = args.database, count_rows(args.database, t.persons)
            print(f"\nsetup: reusing {url} ({persons:,} persons)")
        else:
            url = backend.fresh()
            setup = set_up(url, env, cases_csv, cases, setup_reports, args)
            persons = setup.persons
            print(f"\nsetup on {args.backend}: {persons:,} persons, {args.reports:,} reports")
            for line in setup.lines:
                print(line)
        if "batch" in parts:  # first: on the persons and reports set up, nothing more
            batch_part(url, env, persons, args)
        # Single reports are what the API server and a listener take: long-running processes,
        # which checkpoint in the background (storage/checkpoint.py) unless told otherwise.
        docket = bootstrap(
            Settings(database_url=url),
            clock=SystemClock(),
            long_running=not args.in_commit_checkpoints,
        )
        try:
            if "single" in parts:
                where = "inside commits" if args.in_commit_checkpoints else "in the background"
                print(f"\nsingle reports: SQLite checkpoints {where}")
                single_reports(
                    docket,
                    single_reports_,
                    args.splink_single,
                    args.splink_budget,
                    persons,
                    args.profile,
                )
            if "intake" in parts:
                intake_part(docket, url, env, intake_reports, args)
        finally:
            docket.close()
    finally:
        if args.keep and not args.database:
            print(f"\nkept: {backend.made}")
        elif not args.database:
            backend.cleanup()
    print(f"\nload at end (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"whole run: {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
