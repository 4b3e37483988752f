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
Exit status 1 if a part fails (relink among them: its failure is reported after the other parts).

This file holds the set-up, the batch part and the command line; beside it:
`departures_reports.py` (the reports), `departures_single.py`, `departures_intake.py` (those
parts) and `departures_runs.py` (running `docket` commands and measuring them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import math
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from departures_intake import check_nats, intake_part
from departures_reports import SOURCE_MIX, ReportMaker, sample_people, write_csvs
from departures_runs import (
    ACTOR,
    DOCKET,
    latest_model,
    note,
    run_docket,
    run_measured,
    subprocess_env,
)
from departures_single import WARM_UP, single_reports
from docket.bootstrap import SystemClock, bootstrap
from docket.config import Settings
from docket.departures.comparisons import COLUMNS
from docket.linkage.splink_model import predict
from docket.storage import schema as t
from docket.storage.engine import make_engine
from import_bench import Backend, check_backends, machine

PERSONS_PER_CASE = 48_479 / 50_000
"""Distinct persons per generated case row (seed 1): some people have two cases."""
SEED = 4


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


def relink_available(env: dict[str, str]) -> bool:
    done = subprocess.run(
        [DOCKET, "linkage", "relink", "--help"], env=env, capture_output=True, check=False
    )
    return done.returncode == 0


def batch_part(url: str, env: dict[str, str], persons: int, args: Any) -> bool:
    """Relink beside Splink's predict; whether relink (when there is one) succeeded."""
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
    return docket_run is None or docket_run.returncode == 0


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
    # Sizes that leave a part nothing to measure would fail only after the set-up.
    if parts - {"batch", "single", "intake"}:
        parser.error("--only takes batch, single and intake, separated by commas")
    if args.persons < 1 or (args.reports < 1 and not args.database):
        parser.error("--persons and --reports must be at least 1")
    if "single" in parts and args.single < 1:
        parser.error("--single must be at least 1 (or leave the part out of --only)")
    if "intake" in parts and (args.rate < 1 or args.seconds < 1):
        parser.error("--rate and --seconds must be at least 1 (or leave intake out of --only)")
    if not args.database:
        check_backends([args.backend])
    if "intake" in parts and args.intake_via == "nats":
        check_nats(args.nats)
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
    failed = False
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
            failed = not batch_part(url, env, persons, args)
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
    if failed:
        raise SystemExit("docket linkage relink failed: see above")


if __name__ == "__main__":
    main()
