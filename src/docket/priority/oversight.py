"""The oversight log of prioritisation: every ranking run kept (policy, hash, who, when, why,
and its output with the fact ids used), then every determination on it (who, what, why)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import zlib
from collections.abc import Iterator
from typing import Any

import orjson

from docket.errors import NotFound
from docket.priority.ports import PriorityRead, PriorityStore, RunRecord


def run_lines(tx: PriorityRead, run_id: str) -> Iterator[bytes]:
    """A run's output, line by line (decompressed a megabyte at a time as read)."""
    unpacker = zlib.decompressobj()
    data = tx.run_output(run_id)
    pending = b""
    for start in range(0, len(data), 1 << 20):
        pending += unpacker.decompress(data[start : start + (1 << 20)])
        *lines, pending = pending.split(b"\n")
        yield from lines
    pending += unpacker.flush()
    yield from (line for line in pending.split(b"\n") if line)


def run_entries(tx: PriorityRead, run_id: str) -> Iterator[dict[str, Any]]:
    """A run's output, entry by entry."""
    for line in run_lines(tx, run_id):
        yield orjson.loads(line)


def run_records(*, store: PriorityStore) -> list[RunRecord]:
    """Every ranking run, oldest first (their outputs apart)."""
    with store.read() as tx:
        return tx.runs()


def oversight(*, store: PriorityStore, run_id: str | None = None) -> Iterator[dict[str, Any]]:
    """The oversight log as records: each run (policy, hash, who, when, what it scored) with
    its output and the fact ids used, then every determination (who, what, why). The output
    is read twice, once for the fact ids and once for the entries, rather than held whole."""
    with store.read() as tx:
        runs = tx.runs()
        if run_id is not None:
            runs = [r for r in runs if r.run_id == run_id]
            if not runs:
                raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
        for run in runs:
            yield {"type": "run", **_run_header(run, sorted(_fact_ids(tx, run.run_id)))}
            for entry in run_entries(tx, run.run_id):
                yield {"type": "entry", "run_id": run.run_id, **entry}
        yield from _determinations(tx, {r.run_id for r in runs})


@dataclasses.dataclass(frozen=True)
class RunPage:
    """One run as the oversight log keeps it, with a page of its output."""

    run: dict[str, Any]
    """The run's own fields (policy, hash, who, when, what it scored)."""
    facts_used: int
    entries: list[dict[str, Any]]
    more: bool
    """Whether entries follow the page."""
    determinations: list[dict[str, Any]]


def run_record(*, store: PriorityStore, run_id: str) -> RunRecord:
    """A kept run, its output apart; :class:`NotFound` if there is none."""
    with store.read() as tx:
        run = tx.run(run_id)
    if run is None:
        raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
    return run


def run_page(*, store: PriorityStore, run_id: str, after: int, limit: int) -> RunPage:
    """The run ``run_id`` with the entries ranked after ``after``, at most ``limit`` of them,
    and every determination on it. The output is read through once and only the page is kept
    (a run over a million cases would otherwise be held whole for one page)."""
    with store.read() as tx:
        run = tx.run(run_id)
        if run is None:
            raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
        fact_ids: set[Any] = set()
        entries: list[dict[str, Any]] = []
        more = False
        for entry in run_entries(tx, run_id):
            fact_ids.update(_entry_fact_ids(entry))
            if entry["rank"] > after:
                if len(entries) < limit:
                    entries.append({"run_id": run_id, **entry})
                else:
                    more = True
        determinations = [
            {k: v for k, v in d.items() if k != "type"} for d in _determinations(tx, {run_id})
        ]
    return RunPage(
        run=_run_fields(run),
        facts_used=len(fact_ids),
        entries=entries,
        more=more,
        determinations=determinations,
    )


def _entry_fact_ids(entry: dict[str, Any]) -> Iterator[Any]:
    return (f["fact_id"] for c in entry["contributions"] for f in c["facts"])


def _fact_ids(tx: PriorityRead, run_id: str) -> set[Any]:
    return {fact_id for e in run_entries(tx, run_id) for fact_id in _entry_fact_ids(e)}


def _run_fields(run: RunRecord) -> dict[str, Any]:
    return {k: _plain(v) for k, v in dataclasses.asdict(run).items()}


def _run_header(run: RunRecord, fact_ids: list[Any]) -> dict[str, Any]:
    return {**_run_fields(run), "fact_ids": fact_ids}


def _determinations(tx: PriorityRead, wanted: set[str]) -> Iterator[dict[str, Any]]:
    for event in tx.determinations():
        if event.data.get("run_id") in wanted:
            yield {
                "type": "determination",
                "seq": event.seq,
                "case_id": event.stream_id,
                "decided_by": event.actor,
                "decided_at": event.recorded_at.isoformat(),
                **dict(event.data),
            }


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
