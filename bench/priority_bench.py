"""Prioritisation at scale: ranking every open case with its explanation, beside the bare query.

Issue 5's target: the whole open docket of 1,000,000 cases ranked by a policy pack, every
explanation emitted, in under 30 s and under 4 GB on SQLite on a 2-core machine.

Setup (kept for later runs with `--keep`, or given with `--database`): a SQLite database of N
open cases carrying synthetic documented facts (`docket.synthetic.facts`), built through the
real storage the way `docket import cases` writes: the synthetic generator's open case rows are
parsed and checked like imported rows (`case_imported`), their facts recorded on them through
`lifecycle.record` (one `*_recorded` event each), and each case's events, person and final
projection written with `SqlWriteTransaction.write_encoded` in 5,000-case transactions, batches
prepared in worker processes. The log rebuilds every stored case, so `docket audit verify`
passes on it. The docket is built as of today (`--built-on DATE` for another day): its facts
are dated up to that day, and a pack applied to an earlier date sees only those dated by then,
so the DHS pack (applied as of 2024-06-01) finds fewer cases in a category the later the
docket is built.

Then, each in its own process (so that its peak RSS is its own):

- baseline: the bare docket query (`storage.priority.docket_query`: each open case's reference,
  person, opening date, the person's date of birth and the case snapshot holding its facts),
  every row fetched through SQLAlchemy as `SqlPriorityRead.docket` fetches them, nothing
  parsed;
- `priority.service.rank` with `top=None` for each pack (dhs-2021-guidelines as of 2024-06-01,
  neutral-example as of today): every explanation emitted as a JSON line to a file, as
  `docket priority rank --json` writes them (held until the run is kept, then written out;
  `--emit to_json`: each line written as it comes), and the run kept for oversight as the
  service keeps it.

Each measured process reports its wall time, its peak RSS (VmHWM: its own, where `ru_maxrss`
would start from the RSS of the process that started it) and, per phase of the
ranking (from its progress messages), the time and the peak RSS sampled every 50 ms.

Usage: python bench/priority_bench.py [--cases 1000000] [--database PATH] [--keep]
    [--built-on DATE] [--packs dhs-2021-guidelines,neutral-example] [--emit cli|to_json]
    [--profile]
Run under `taskset -c 0,1` to hold it to two cores on a larger machine. The database is built
by `priority_build.py`.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil

from docket.bootstrap import SystemClock, bootstrap
from docket.cli.priority_text import HeldRanking
from docket.config import Settings
from docket.priority import packs
from docket.priority.scoring import RankedCase
from docket.priority.service import rank
from docket.storage.priority import _BATCH, docket_query
from import_bench import machine
from priority_build import ACTOR, build, open_cases

PACK_DATES = {"dhs-2021-guidelines": dt.date(2024, 6, 1)}
"""The day each pack is applied on (today for the others)."""
TARGET_SECONDS = 30
TARGET_BYTES = 4 * 2**30


# -- measured, each in its own process -------------------------------------------------------
class Sampler:
    """The process's resident memory, sampled every 50 ms: the peak of each phase."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.start = time.perf_counter()
        self.phases: list[dict[str, Any]] = []
        self.peak = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def phase(self, name: str) -> None:
        now = time.perf_counter() - self.start
        self._close(now)
        self.phases.append({"phase": name, "from": now})
        self.peak = self.process.memory_info().rss

    def _close(self, now: float) -> None:
        if self.phases:
            last = self.phases[-1]
            last["seconds"] = now - last["from"]
            last["peak_rss"] = max(self.peak, self.process.memory_info().rss)

    def stop(self) -> list[dict[str, Any]]:
        self.done.set()
        self.thread.join()
        self._close(time.perf_counter() - self.start)
        return self.phases


def measure_baseline(url: str) -> dict[str, Any]:
    docket = bootstrap(Settings(database_url=url), clock=SystemClock())
    start = time.perf_counter()
    with docket.uow.read() as tx:
        connection = tx.connection
        result = connection.execution_options(yield_per=_BATCH).execute(
            docket_query(connection.dialect.name, None, None)
        )
        rows = result.all()
    seconds = time.perf_counter() - start
    count = len(rows)
    docket.close()
    return {"seconds": seconds, "rows": count}


def measure_rank(
    url: str, pack_name: str, out: Path, profile: bool, emit_as: str
) -> dict[str, Any]:
    docket = bootstrap(Settings(database_url=url), clock=SystemClock())
    pack = packs.load(pack_name)
    as_of = PACK_DATES.get(pack_name, docket.clock.now().date())
    sampler = Sampler()
    profiler = cProfile.Profile() if profile else None
    with out.open("wb") as handle, contextlib.ExitStack() as stack:
        held = stack.enter_context(HeldRanking("json")) if emit_as == "cli" else None

        def emit(entry: RankedCase) -> None:
            # `cli`: what `docket priority rank --json` does with each entry (held until the
            # run is kept, then written out); `to_json`: its bytes written as they come.
            if held is not None:
                held.add(entry)
            else:
                handle.write(entry.to_json() + b"\n")

        start = time.perf_counter()
        if profiler is not None:
            profiler.enable()
        summary = rank(
            store=docket.priority,
            clock=docket.clock,
            actor=ACTOR,
            pack=pack,
            emit=emit,
            top=None,
            as_of=as_of,
            purpose="priority_bench",
            progress=sampler.phase,
        )
        if held is not None:
            sampler.phase("writing out what was held")
            held.release(handle)
        if profiler is not None:
            profiler.disable()
    seconds = time.perf_counter() - start
    phases = sampler.stop()
    docket.close()
    report: dict[str, Any] = {
        "seconds": seconds,
        "as_of": as_of.isoformat(),
        "scored": summary.scored,
        "shown": summary.shown,
        "priorities": summary.priorities,
        "output_bytes": out.stat().st_size,
        "phases": phases,
    }
    if profiler is not None:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        report["profile"] = text.getvalue()
    return report


def child(args: argparse.Namespace) -> None:
    url = f"sqlite:///{args.database}"
    if args.child == "baseline":
        report = measure_baseline(url)
    else:
        with tempfile.TemporaryDirectory(dir=args.database.parent) as tmp:
            report = measure_rank(
                url, args.child, Path(tmp) / "ranking.jsonl", args.profile, args.emit
            )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    report["max_rss"] = own_peak_rss()
    report["cpu"] = usage.ru_utime + usage.ru_stime  # the process's, setup included
    print(json.dumps(report))


def own_peak_rss() -> int:
    """This process's peak resident memory (bytes) since it began its program: VmHWM. Not
    ``ru_maxrss``, which on Linux starts at the resident size of the process that started this
    one (the benchmark, after building the database), however little this one uses."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise SystemExit("no VmHWM in /proc/self/status: peak memory cannot be measured here")


def run_child(database: Path, what: str, profile: bool, emit_as: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--database", str(database), "--child", what]
    command += ["--emit", emit_as]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{what} failed ({done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def gib(n: float) -> str:
    return f"{n / 2**30:.2f} GiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--built-on",
        type=dt.date.fromisoformat,
        help="the day a database this run builds is built as of: its cases and facts are dated "
        "up to it (default: today)",
    )
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument(
        "--database", type=Path, help="the SQLite file (default: WORKDIR/priority-N.db)"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep a database this run builds, for later runs"
    )
    parser.add_argument("--packs", default="dhs-2021-guidelines,neutral-example")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top functions")
    parser.add_argument(
        "--emit",
        choices=("cli", "to_json"),
        default="cli",
        help="write each explanation as `docket priority rank --json` does (held until the run "
        "is kept, then written out), or write the bytes of each entry's to_json() as it comes",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    database = args.database or args.workdir / f"priority-{args.cases}.db"
    built = False
    if not database.exists():
        build(database, args.cases, args.built_on)
        built = True
    try:
        cases = open_cases(database)
        usable = len(os.sched_getaffinity(0))
        print(f"machine: {machine()}; CPUs usable by this run: {usable}")
        print(
            f"database: {database} ({database.stat().st_size / 2**30:.1f} GiB), "
            f"{cases:,} open cases"
        )
        print(
            f"target: under {TARGET_SECONDS} s and under {gib(TARGET_BYTES)} "
            "(issue 5: SQLite, 2 cores)"
        )
        baseline = run_child(database, "baseline", False, args.emit)
        print(
            f"baseline, bare docket query: {baseline['rows']:,} rows in "
            f"{baseline['seconds']:.1f} s, peak RSS {gib(baseline['max_rss'])}, process CPU "
            f"{baseline['cpu']:.1f} s"
        )
        print(
            f"{'pack':<22}{'as of':>12}{'rank s':>9}{'baseline s':>12}{'ratio':>7}"
            f"{'peak RSS':>11}{'  target'}"
        )
        for name in args.packs.split(","):
            result = run_child(database, name, args.profile, args.emit)
            met = result["seconds"] < TARGET_SECONDS and result["max_rss"] < TARGET_BYTES
            print(
                f"{name:<22}{result['as_of']:>12}{result['seconds']:>9.1f}"
                f"{baseline['seconds']:>12.1f}{result['seconds'] / baseline['seconds']:>7.1f}"
                f"{gib(result['max_rss']):>11}  {'met' if met else 'NOT met'}"
            )
            print(
                f"  {result['scored']:,} scored, {result['shown']:,} explanations "
                f"({result['output_bytes'] / 2**20:,.0f} MiB of JSON lines), "
                f"{result['priorities']:,} in a category; the process used "
                f"{result['cpu']:.1f} s of CPU"
            )
            for phase in result["phases"]:
                print(
                    f"  {phase['phase']}: {phase['seconds']:.1f} s, "
                    f"peak RSS {gib(phase['peak_rss'])}"
                )
            if "profile" in result:
                print(result["profile"])
    finally:
        if built and not args.keep and args.database is None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{database}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
