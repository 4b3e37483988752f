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
    its output and the fact ids used, then every determination (who, what, why)."""
    with store.read() as tx:
        runs = tx.runs()
        if run_id is not None:
            runs = [r for r in runs if r.run_id == run_id]
            if not runs:
                raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
        for run in runs:
            entries = list(run_entries(tx, run.run_id))
            fact_ids = sorted(
                {f["fact_id"] for e in entries for c in e["contributions"] for f in c["facts"]}
            )
            yield {
                "type": "run",
                **{k: _plain(v) for k, v in dataclasses.asdict(run).items()},
                "fact_ids": fact_ids,
            }
            for entry in entries:
                yield {"type": "entry", "run_id": run.run_id, **entry}
        wanted = {r.run_id for r in runs}
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
