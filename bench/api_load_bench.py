"""HTTP API under load: 50 clients reading and writing for 60 s, beside pgbench on the same SQL.

Set-up: a fresh PostgreSQL database, migrated; a synthetic docket generated and imported with
Docket's own generator and importer; one officer per client, added with the identity service
in a field office of the docket; each client logs in over the API (password and one-time code)
and holds its own session. Each client owns a few `in_proceedings` cases that only it writes to.

Load (`bench/api_load_clients.py`, locust, headless): the real app served by uvicorn
(`docket serve`) on 127.0.0.1, every client sending its next request as soon as the last is
answered, for `--seconds`. The mix: GET a case of the office (55%), a page of the office's
cases (10%), a person with a case in the office (15%), and record a hearing on an own case
(20%: `hearing_held` and `hearing_scheduled` in turn, with `Idempotency-Key` and `If-Match`).

Baseline, same run: pgbench, the same number of clients for the same time, on a copy of the
database as set up, with the scripts in `bench/pgbench/` in the same mix: the very statements,
transactions and row locks the API runs for each request (session check, reads, access-log
entry on its hash chain, event on its hash chain, projection, idempotency key), without Python.

Usage: python bench/api_load_bench.py [--database-url URL] [--clients 50] [--seconds 60]
       [--cases 10000] [--workers 3] [--threads 2]
URL names the PostgreSQL server (default $DOCKET_BENCH_PG_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/postgres); two databases are created on it for
the run and dropped afterwards. Exit status 1 if any request errored. The databases are made
by `api_load_setup.py`; the clients are `api_load_clients.py`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))
from api_load_setup import (
    OWN_CASES,
    Setup,
    create_database,
    drop_database,
    set_up,
    set_up_pgbench,
)
from import_bench import machine

HERE = Path(__file__).parent
DEFAULT_URL = os.environ.get(
    "DOCKET_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MIX = {"GET case": 55, "GET list": 10, "GET person": 15, "POST event": 20}
SCRIPTS = {
    "GET case": "read_case.sql",
    "GET list": "list_cases.sql",
    "GET person": "read_person.sql",
    "POST event": "record_event.sql",
}
READS = ("GET case", "GET list", "GET person")
SERVE_WITHOUT_SCRIPT = "from docket.cli.main import cli; cli()"
"""How the server is started when the ``docket`` script is not beside this Python."""
TARGETS = {"read_p95_ms": 100.0, "write_p95_ms": 250.0, "write_ratio": 0.25}


@dataclass
class Figures:
    """Latencies (ms) per kind of request, errors, and how long the load ran."""

    seconds: float
    samples: dict[str, list[float]]
    errors: dict[str, int]
    cpu: str = ""
    examples: list[str] = field(default_factory=list)


# The API under load -------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def call(url: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 our own server on loopback
        url, data=data, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, {"error": error.read().decode(errors="replace")}


TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int | str) -> tuple[str, list[str]] | None:
    """The name and the fields after it of /proc/PID/stat, if the process still exists."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.index("(") + 1 : text.rindex(")")], text.rsplit(")", 1)[1].split()


def process_tree_seconds(pid: int) -> float:
    """User and system CPU of ``pid`` and its living descendants (uvicorn's workers)."""
    found = _stat(pid)
    if found is None:
        return 0.0
    total = sum(int(f) for f in found[1][11:13]) / TICKS
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        children = []
    return total + sum(process_tree_seconds(int(child)) for child in children)


def cpu_now(server: int | None = None) -> dict[str, float]:
    """CPU used so far (seconds): by the machine (all cores), by PostgreSQL (every process
    called postgres, with the backends that have exited), by the server process tree, by this
    process's finished children (the load generator, pgbench); and the wall clock."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:8]]
    postgres = 0.0
    for entry in Path("/proc").iterdir():
        found = _stat(entry.name) if entry.name.isdigit() else None
        if found is not None and found[0] == "postgres":
            postgres += sum(int(f) for f in found[1][11:15]) / TICKS  # + reaped children
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "machine": (sum(values) - values[3] - values[4]) / TICKS,
        "postgres": postgres,
        "server": process_tree_seconds(server) if server else 0.0,
        "children": children.ru_utime + children.ru_stime,
        "wall": time.monotonic(),
    }


def cpu_line(label: str, before: dict[str, float], after: dict[str, float], tool: str) -> str:
    spent = {key: after[key] - before[key] for key in before}
    rest = spent["machine"] - spent["postgres"] - spent["server"] - spent["children"]
    rest = max(rest, 0.0)  # the counters are read a moment apart: never print "-0"
    server = f"server {spent['server']:.0f}, " if spent["server"] else ""
    return (
        f"CPU during {label} (core-seconds, {spent['wall']:.0f} s x {os.cpu_count()} cores = "
        f"{spent['wall'] * (os.cpu_count() or 1):.0f}): {server}{tool} {spent['children']:.0f}, "
        f"PostgreSQL {spent['postgres']:.0f}, everything else {rest:.0f}"
    )


def run_api_load(url: str, setup: Setup, args: argparse.Namespace, workdir: Path) -> Figures:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = Path(sys.executable).with_name("docket")
    docket = [str(script)] if script.exists() else [sys.executable, "-c", SERVE_WITHOUT_SCRIPT]
    command = [*docket, "--database", url, "serve", "--port", str(port)]
    command += ["--workers", str(args.workers), "--threads", str(args.threads)]
    with (workdir / "server.log").open("w") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if call(f"{base}/openapi.json")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                # The log is in a scratch directory removed on the way out: show its end here.
                said = (workdir / "server.log").read_text(errors="replace").splitlines()
                raise SystemExit(
                    "the server did not start; its last words:\n" + "\n".join(said[-20:])
                )
            time.sleep(0.2)
        for client in setup.clients:
            status, body = call(
                f"{base}/api/session",
                {
                    "username": client.username,
                    "password": client.password,
                    "code": pyotp.TOTP(client.secret).now(),
                },
            )
            if status != 201:
                raise SystemExit(f"login of {client.username} refused: {status} {body}")
            client.token = body["token"]
        plan = {
            "base_url": base,
            "seconds": args.seconds,
            "run": uuid.uuid4().hex[:8],
            "weights": MIX,
            "hearing_on": (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30)).isoformat(),
            "offices": setup.offices,
            "clients": [
                {"token": c.token, "office": c.office, "own": c.own} for c in setup.clients
            ],
        }
        plan_path, result_path = workdir / "plan.json", workdir / "result.json"
        plan_path.write_text(json.dumps(plan))
        before = cpu_now(server.pid)
        clients = subprocess.run(
            [sys.executable, str(HERE / "api_load_clients.py"), str(plan_path), str(result_path)],
            check=False,
        )
        cpu = cpu_line("the load", before, cpu_now(server.pid), "load generator")
        if clients.returncode != 0:
            raise SystemExit(f"the load generator failed (exit {clients.returncode})")
    finally:
        server.terminate()
        server.wait(timeout=30)
    result = json.loads(result_path.read_text())
    return Figures(
        result["seconds"], result["samples"], result["errors"], cpu, result["error_examples"]
    )


# pgbench --------------------------------------------------------------------------------------
def run_pgbench(url: str, setup: Setup, args: argparse.Namespace, workdir: Path) -> Figures:
    plain = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    scripts = [f"--file={HERE / 'pgbench' / SCRIPTS[kind]}@{MIX[kind]}" for kind in MIX]
    command = [
        "pgbench",
        "--no-vacuum",
        "--protocol=prepared",
        f"--client={len(setup.clients)}",
        f"--jobs={min(len(setup.clients), os.cpu_count() or 1)}",
        f"--time={args.seconds}",
        f"--define=ncases={setup.cases}",
        f"--define=own_cases={OWN_CASES}",
        "--log",
        f"--log-prefix={workdir / 'pgbench'}",
        *scripts,
        plain,
    ]
    before = cpu_now()
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir)
    cpu = cpu_line("pgbench", before, cpu_now(), "pgbench")
    if done.returncode != 0 or "aborted" in done.stdout + done.stderr:
        print(done.stdout, done.stderr, sep="\n", file=sys.stderr)
        raise SystemExit(f"pgbench failed (exit {done.returncode})")
    kinds = list(MIX)
    samples: dict[str, list[float]] = {kind: [] for kind in kinds}
    errors: dict[str, int] = {}
    for log in workdir.glob("pgbench.*"):
        # client, transaction, microseconds (or why it failed), script, ...
        for line in log.read_text().splitlines():
            _client, _number, micros, script, *_ = line.split()
            kind = kinds[int(script)]
            if micros.isdigit():
                samples[kind].append(int(micros) / 1000)
            else:
                errors[kind] = errors.get(kind, 0) + 1
    duration = re.search(r"duration: (\d+) s", done.stdout)
    seconds = float(duration.group(1)) if duration else float(args.seconds)
    return Figures(seconds, samples, errors, cpu)


# The report -----------------------------------------------------------------------------------
def percentile(ordered: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)] if ordered else float("nan")


def summary(figures: Figures, kinds: tuple[str, ...]) -> dict[str, float]:
    values = sorted(v for kind in kinds for v in figures.samples.get(kind, []))
    return {
        "count": len(values),
        "rate": len(values) / figures.seconds,
        "p50": percentile(values, 0.50),
        "p95": percentile(values, 0.95),
        "p99": percentile(values, 0.99),
        "errors": sum(figures.errors.get(kind, 0) for kind in kinds),
    }


def print_report(api: Figures, pg: Figures, args: argparse.Namespace, setup: Setup) -> int:
    print(f"machine: {machine()}")
    mix = ", ".join(f"{kind} {weight}%" for kind, weight in MIX.items())
    print(
        f"load: {len(setup.clients)} clients, {args.seconds} s, no think time; {mix}; "
        f"{setup.cases:,} cases; docket serve --workers {args.workers} --threads {args.threads}"
    )
    header = f"{'':<22}{'count':>8}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}"
    print(header)
    rows: dict[str, dict[str, float]] = {}
    for label, figures, kinds in (
        ("API read", api, READS),
        *[(f"  {kind}", api, (kind,)) for kind in READS],
        ("API write", api, ("POST event",)),
        ("pgbench read", pg, READS),
        *[(f"  {SCRIPTS[kind]}", pg, (kind,)) for kind in READS],
        ("pgbench write", pg, ("POST event",)),
    ):
        row = rows[label] = summary(figures, kinds)
        print(
            f"{label:<22}{row['count']:>8,.0f}{row['rate']:>9,.1f}{row['p50']:>9.1f}"
            f"{row['p95']:>9.1f}{row['p99']:>9.1f}{row['errors']:>8.0f}"
        )
    read_ratio = rows["API read"]["rate"] / rows["pgbench read"]["rate"]
    write_ratio = rows["API write"]["rate"] / rows["pgbench write"]["rate"]
    print(f"throughput API / pgbench: read {read_ratio:.2f}, write {write_ratio:.2f}")
    print(api.cpu)
    print(pg.cpu)
    errors = int(rows["API read"]["errors"] + rows["API write"]["errors"])
    checks = (
        ("p95 read < 100 ms", rows["API read"]["p95"] < TARGETS["read_p95_ms"]),
        ("p95 write < 250 ms", rows["API write"]["p95"] < TARGETS["write_p95_ms"]),
        ("write throughput >= 0.25 of pgbench", write_ratio >= TARGETS["write_ratio"]),
        ("0 errors", errors == 0),
    )
    print("targets: " + "; ".join(f"{name}: {'met' if ok else 'NOT met'}" for name, ok in checks))
    for example in api.examples:
        print(f"  error: {example}", file=sys.stderr)
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a PostgreSQL server")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--cases", type=int, default=10_000)
    # The best of workers x threads measured on the 2-core development machine (README).
    parser.add_argument("--workers", type=int, default=3, help="docket serve --workers")
    parser.add_argument("--threads", type=int, default=2, help="docket serve --threads")
    args = parser.parse_args()
    if shutil.which("pgbench") is None:
        raise SystemExit(
            "pgbench is not installed: it is the baseline of this benchmark. Install it with "
            "the PostgreSQL client tools (Debian/Ubuntu: apt-get install postgresql-client)."
        )
    run = uuid.uuid4().hex[:10]
    api_name, pg_name = f"docket_load_{run}", f"docket_load_{run}_pgbench"
    made: list[str] = []
    with tempfile.TemporaryDirectory(prefix="docket-load-") as scratch:
        workdir = Path(scratch)
        try:
            made.append(api_name)
            url = create_database(args.database_url, api_name)
            print("setting up ...", file=sys.stderr)
            setup = set_up(url, args.cases, args.clients, workdir)
            made.append(pg_name)
            pg_url = create_database(args.database_url, pg_name, template=api_name)
            set_up_pgbench(pg_url, setup)
            print(f"API load, {args.seconds} s ...", file=sys.stderr)
            api = run_api_load(url, setup, args, workdir)
            print(f"pgbench, {args.seconds} s ...", file=sys.stderr)
            pg = run_pgbench(pg_url, setup, args, workdir)
        finally:
            for name in made:
                drop_database(args.database_url, name)
    sys.exit(print_report(api, pg, args, setup))


if __name__ == "__main__":
    main()
