"""What the departures benchmark's parts share: runs of `docket` commands (wall time, peak
memory of the command and its children, its progress lines with their times), the
percentiles it prints, and the latest linkage model stored in the database."""

from __future__ import annotations

import contextlib
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.storage import schema as t

DOCKET = str(Path(sys.executable).with_name("docket"))
ACTOR = "bench"


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
    """The largest single process: the highest of each process's own peak (VmHWM) read every
    0.2 s, so growth in a process's last 0.2 s is missed. Not wait4's ru_maxrss: on Linux a
    child's starts at the resident size of the process that started it (this benchmark, which
    holds the reports), however little the command itself uses."""
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
    highest = [0]
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
                    highest[0] = max(highest[0], high_water(p.pid))
                peak[0] = max(peak[0], total)
                done.wait(0.2)
        except psutil.Error:
            return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, _usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    listener.join()
    said = [(at, line) for at, line in said if line]
    return Measured(proc.returncode, wall, highest[0] / 2**20, peak[0] / 2**20, out, said)


def high_water(pid: int) -> int:
    """The peak resident memory (bytes) of process ``pid`` since it began its program (VmHWM);
    0 once it has gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


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
