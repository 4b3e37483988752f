"""Docket driven through its command line for the linkage accuracy benchmark, on a fresh SQLite
database per data set and variant: what each command said and how long it took."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DOCKET = str(Path(sys.executable).with_name("docket"))


@dataclass
class DocketRun:
    """What one run of Docket's commands gave back."""

    links: list[dict[str, str]]
    metrics: dict[str, Any]
    review: list[dict[str, Any]]
    refused_cases: int
    rejected_reports: int
    seconds: dict[str, float] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    """What the commands said worth keeping: refused rows, the model, relink's summary."""


def docket(
    url: str, *args: str, cwd: Path, ok: Iterable[int] = (0,)
) -> subprocess.CompletedProcess[str]:
    """One command, run in ``cwd`` (where `init` leaves its signing key)."""
    done = subprocess.run(
        [DOCKET, "--database", url, *args], capture_output=True, text=True, check=False, cwd=cwd
    )
    if done.returncode not in tuple(ok):
        raise SystemExit(
            f"docket {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def _count(pattern: str, text: str, what: str) -> int:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"{what}: no {pattern!r} in its output:\n{text}")
    return int(found.group(1))


def run_docket(
    workdir: Path,
    cases_csv: Path,
    report_files: Sequence[tuple[Path, str, int]],
    window: tuple[dt.date, dt.date] | None = None,
) -> DocketRun:
    """Docket's commands in order on a fresh database in ``workdir``: each report file is
    (path, source, rows). The imports may refuse rows (exit status 1): their summaries must
    still account for every row. ``window``: the departure days the metrics count."""
    url = f"sqlite:///{workdir / 'docket.db'}"
    seconds: dict[str, float] = {}

    def step(name: str, *args: str, ok: Iterable[int] = (0,)) -> str:
        start = time.perf_counter()
        out = docket(url, *args, cwd=workdir, ok=ok)
        seconds[name] = time.perf_counter() - start
        return out.stdout + out.stderr

    step("init", "init")
    imported = step("import cases", "import", "cases", str(cases_csv), ok=(0, 1))
    read = _count(r"rows read: (\d+)", imported, "import cases")
    refused = _count(r"refused: (\d+)", imported, "import cases")
    if read != len(cases_csv.read_text().splitlines()) - 1 or refused > 10:
        raise SystemExit(f"import cases did not take the file:\n{imported}")
    took, rejected = "", 0
    for path, source, rows in report_files:
        said = step(
            f"departures import ({source})",
            "departures",
            "import",
            str(path),
            "--source",
            source,
            ok=(0, 1),
        )
        refusals = _count(r"rejected: (\d+)", said, "departures import")
        accepted = _count(r"accepted: (\d+)", said, "departures import")
        if accepted + refusals != rows or refusals > 10:
            raise SystemExit(f"departures import did not take {path}:\n{said}")
        took, rejected = took + said, rejected + refusals
    trained = step("linkage train", "linkage", "train")
    relinked = step("linkage relink", "linkage", "relink")
    links = list(csv.DictReader(io.StringIO(step("links", "departures", "links", "--csv"))))
    days = ("--from", window[0].isoformat(), "--to", window[1].isoformat()) if window else ()
    metrics = json.loads(step("metrics", "departures", "metrics", "--json", *days))
    review = json.loads(step("review", "departures", "review", "list", "--limit", "1000", "--json"))
    said = [
        line.strip()
        for line in (imported + took + trained + relinked).splitlines()
        if line.startswith(("model version", "  refused", "  rejected", "  note"))
        or re.match(r"[\d,]+ reports:", line)
    ]
    return DocketRun(
        links=links,
        metrics=metrics,
        review=review,
        refused_cases=refused,
        rejected_reports=rejected,
        seconds=seconds,
        said=said,
    )
