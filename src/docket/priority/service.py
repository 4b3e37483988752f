"""Use cases of prioritisation: rank, explain, decide, the switch, oversight and disparity.

A score is a recommendation: nothing here changes a case's state. Every ranking run is kept for
oversight with its policy (name, version, content hash), its output and the fact ids used, and
is named on the hash-chained log; every determination is an event on its case, by a person,
with the reason. While an admin has switched prioritisation off, no score is computed, shown or
used: ranking, explaining, deciding and the disparity report are all refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import hashlib
import queue
import statistics
import threading
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from docket.cases.events import Event, EventKind, StreamType
from docket.cases.ids import new_id
from docket.cases.ports import Clock
from docket.errors import Conflict, InvalidInput, NotFound
from docket.priority.packs import Pack
from docket.priority.ports import (
    SWITCH_STREAM,
    PriorityRead,
    PriorityStore,
    PriorityWrite,
    RunRecord,
)
from docket.priority.scoring import Docket, Explanation, RankedCase, Scorer

SWITCH_LEGAL_BASIS = "Agency oversight of prioritisation (the stop control)"
MIN_GROUP = 10
"""Groups smaller than this are suppressed in the disparity report."""
MAX_REASON = 2_000


class Determination(StrEnum):
    ACCEPT = "accept"
    OVERRIDE = "override"


class SwitchedOff(Conflict):
    """Prioritisation is switched off."""


def _reason(reason: str | None, *, required: bool, what: str) -> str:
    text = (reason or "").strip()
    if required and len(text) < 10:
        raise InvalidInput(
            f"{what} needs a written reason (at least 10 characters)", details={"field": "reason"}
        )
    if len(text) > MAX_REASON:
        raise InvalidInput(
            f"the reason is longer than {MAX_REASON} characters", details={"field": "reason"}
        )
    return text


# -- the switch -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SwitchState:
    on: bool
    changed_at: dt.datetime | None
    changed_by: str | None
    reason: str


def _state(events: list[Event]) -> SwitchState:
    if not events:
        return SwitchState(True, None, None, "")
    last = events[-1]
    return SwitchState(
        bool(last.data["on"]), last.recorded_at, last.actor, str(last.data["reason"])
    )


def switch_state(*, store: PriorityStore) -> SwitchState:
    """Whether prioritisation is on (it is until an admin switches it off), and the last
    change."""
    with store.read() as tx:
        return _state(tx.switch_events())


def _require_on(tx: PriorityRead) -> None:
    state = _state(tx.switch_events())
    if not state.on:
        raise SwitchedOff(
            f"prioritisation is switched off (by {state.changed_by} at "
            f"{state.changed_at:%Y-%m-%d %H:%M} UTC: {state.reason}); no score is computed, "
            "shown or used until an admin switches it on",
            details={"rule": "prioritisation_off"},
        )


def set_switch(
    *,
    store: PriorityStore,
    clock: Clock,
    actor: str,
    on: bool,
    reason: str,
    also: Callable[[PriorityWrite], None] | None = None,
) -> int:
    """Switch prioritisation on or off, with the reason; the change is an event on the
    hash-chained log. Its place in the log. ``also`` runs in the same transaction (a surface
    records its access there)."""
    text = _reason(reason, required=True, what="switching prioritisation on or off")
    now = clock.now()
    with store.write() as tx:
        events = tx.switch_events()
        if _state(events).on == on:
            raise Conflict(
                f"prioritisation is already {'on' if on else 'off'}",
                details={"rule": "switch_unchanged"},
            )
        event = Event(
            kind=EventKind.PRIORITISATION_SWITCHED,
            stream_type=StreamType.PRIORITISATION,
            stream_id=SWITCH_STREAM,
            stream_version=len(events) + 1,
            occurred_on=now.date(),
            recorded_at=now,
            actor=actor,
            legal_basis=SWITCH_LEGAL_BASIS,
            document_ref=f"prioritisation-switch:{len(events) + 1}",
            data={"on": on, "reason": text},
        )
        (seq,) = tx.append([event])
        if also is not None:
            also(tx)
    return seq


# -- ranking ----------------------------------------------------------------------------------


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off while the docket is read, scored and explained: these make
    millions of objects that live until the run ends (or that reference counting frees), and
    each collection would walk them all again; at a million cases that was a third of the
    run."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _RunOutput:
    """A run's output as it is written: JSON lines, their SHA-256 and their zlib-compressed
    bytes. Hashing and compressing run in a thread a megabyte at a time (both release the GIL
    on such buffers) beside the explanations being made: at a million cases they took a
    sixth of the run."""

    CHUNK = 1 << 20

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.packer = zlib.compressobj(6)
        self.packed: list[bytes] = []
        self.lines: list[bytes] = []
        self.size = 0
        self.chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)
        self.failed: BaseException | None = None
        self.worker = threading.Thread(target=self._pack, name="priority-run-output")

    def __enter__(self) -> _RunOutput:
        self.worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.worker.is_alive():  # left early (an emit failed, say): stop the thread
            self.chunks.put(None)
            self.worker.join()

    def write(self, line: bytes) -> None:
        """One line of output, without its newline."""
        self.lines.append(line)
        self.size += len(line) + 1
        if self.size >= self.CHUNK:
            self._send()

    def _send(self) -> None:
        if self.lines:
            self.chunks.put(b"\n".join(self.lines) + b"\n")
            self.lines, self.size = [], 0

    def _pack(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.failed is None:  # after a failure, keep taking chunks: write never blocks
                try:
                    self.digest.update(chunk)
                    self.packed.append(self.packer.compress(chunk))
                except BaseException as exc:  # raised again by close()
                    self.failed = exc

    def close(self) -> tuple[bytes, str]:
        """The compressed output and its SHA-256 (hex)."""
        self._send()
        self.chunks.put(None)
        self.worker.join()
        if self.failed is not None:
            raise self.failed
        self.packed.append(self.packer.flush())
        return b"".join(self.packed), self.digest.hexdigest()


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    seq: int
    """The run's place on the hash-chained log."""
    pack: Pack
    as_of: dt.date
    scored: int
    shown: int
    priorities: int
    """Cases in a category."""


def rank(
    *,
    store: PriorityStore,
    clock: Clock,
    actor: str,
    pack: Pack,
    emit: Callable[[RankedCase], None],
    office: str | None = None,
    top: int | None = None,
    as_of: dt.date | None = None,
    allow_rescinded: bool = False,
    purpose: str = "",
    progress: Callable[[str], None] = lambda _: None,
    also: Callable[[PriorityWrite], None] | None = None,
) -> RunSummary:
    """Rank the open cases (of ``office``, or all) by ``pack`` as of ``as_of`` (today), give
    ``emit`` the first ``top`` (all when ``None``) with their explanations, best first, and keep
    the run for oversight. ``also`` runs in the transaction that keeps the run.

    ``emit`` sees entries before the run is kept, and the run is refused if prioritisation
    was switched off meanwhile: a surface shows nothing of them until this returns."""
    now = clock.now()
    day = as_of or now.date()
    if top is not None and top < 1:
        raise InvalidInput("top must be 1 or more", details={"field": "top"})
    pack.check_date(day, allow_rescinded=allow_rescinded)
    with collector_paused():
        with store.read() as tx:
            _require_on(tx)
            progress("reading the open docket and its facts")
            docket = Docket.build(tx.docket(office))
        progress(f"scoring {len(docket):,} cases")
        ranking = Scorer(pack, docket, day).rank()
        progress("writing the ranking and its explanations")
        shown = 0
        with _RunOutput() as output:
            for entry in ranking.entries(top):
                emit(entry)
                output.write(entry.to_json())
                shown += 1
            packed, sha256 = output.close()
    run_id = new_id()
    record = RunRecord(
        run_id=run_id,
        ran_at=now,
        ran_by=actor,
        purpose=purpose.strip()[:500],
        policy_name=pack.name,
        policy_version=pack.version,
        policy_hash=pack.content_hash,
        as_of=day,
        rescinded_allowed=allow_rescinded,
        office=office,
        cases_scored=len(docket),
        cases_shown=shown,
        output_sha256=sha256,
    )
    event = Event(
        kind=EventKind.PRIORITY_RANKED,
        stream_type=StreamType.PRIORITISATION,
        stream_id=f"priority-run:{run_id}",
        stream_version=1,
        occurred_on=day,
        recorded_at=now,
        actor=actor,
        legal_basis=f"Prioritisation policy {pack.name} {pack.version} (a recommendation)",
        document_ref=f"policy:{pack.name}:{pack.version}:{pack.content_hash}",
        data={
            "run_id": run_id,
            "policy_hash": pack.content_hash,
            "as_of": day.isoformat(),
            "office": office,
            "cases_scored": len(docket),
            "cases_shown": shown,
            "output_sha256": record.output_sha256,
        },
    )
    with store.write() as tx:
        _require_on(tx)  # switched off meanwhile: nothing of this run is kept or used
        tx.save_run(record, packed)
        (seq,) = tx.append([event])
        if also is not None:
            also(tx)
    priorities = int((ranking.category >= 0).sum())
    return RunSummary(run_id, seq, pack, day, len(docket), shown, priorities)


def explain(
    *,
    store: PriorityStore,
    clock: Clock,
    case_ref: str,
    pack: Pack,
    as_of: dt.date | None = None,
    allow_rescinded: bool = False,
) -> Explanation:
    """One open case's recommendation by ``pack``: its category, score and every fact that
    counted (rank 0: a case scored alone has no rank; a run's output has it)."""
    day = as_of or clock.now().date()
    pack.check_date(day, allow_rescinded=allow_rescinded)
    with store.read() as tx:
        _require_on(tx)
        rows = list(tx.docket(None, case_ref))
    if not rows:
        raise NotFound(f"no open case {case_ref}", details={"case_ref": case_ref})
    ranking = Scorer(pack, Docket.build(rows), day).rank()
    return ranking.explain(0, 0)


def run_entries(tx: PriorityRead, run_id: str) -> Iterator[dict[str, Any]]:
    """A run's output, entry by entry (decompressed as read)."""
    unpacker = zlib.decompressobj()
    data = tx.run_output(run_id)
    pending = b""
    for start in range(0, len(data), 1 << 20):
        pending += unpacker.decompress(data[start : start + (1 << 20)])
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield orjson.loads(line)
    pending += unpacker.flush()
    for line in pending.split(b"\n"):
        if line:
            yield orjson.loads(line)


def _entry(tx: PriorityRead, run: RunRecord, case_ref: str) -> dict[str, Any] | None:
    return next((e for e in run_entries(tx, run.run_id) if e["case_ref"] == case_ref), None)


def decide(
    *,
    store: PriorityStore,
    clock: Clock,
    actor: str,
    case_ref: str,
    determination: Determination,
    reason: str | None,
    run_id: str | None = None,
    also: Callable[[PriorityWrite], None] | None = None,
) -> int:
    """A person's determination on a case's recommendation in a run (the latest that ranked it
    when ``run_id`` is ``None``): accept it, or override it with a written reason. An event on
    the case; the case's state does not change. Its place in the log. ``also`` runs in the
    same transaction."""
    text = _reason(reason, required=determination is Determination.OVERRIDE, what="an override")
    now = clock.now()
    with store.write() as tx:
        _require_on(tx)
        case = tx.get_case_by_ref(case_ref)
        if case is None:
            raise NotFound(f"no case {case_ref}", details={"case_ref": case_ref})
        runs = [tx.run(run_id)] if run_id is not None else list(reversed(tx.runs()))
        if run_id is not None and runs[0] is None:
            raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
        found = None
        for run in runs:
            assert run is not None
            entry = _entry(tx, run, case_ref)
            if entry is not None:
                found = (run, entry)
                break
        if found is None:
            where = f"run {run_id}" if run_id else "any ranking run"
            raise NotFound(
                f"case {case_ref} is not in {where}: rank it first", details={"case_ref": case_ref}
            )
        run, entry = found
        event = Event(
            kind=EventKind.PRIORITY_DETERMINED,
            stream_type=StreamType.CASE,
            stream_id=case.case_id,
            stream_version=case.version + 1,
            occurred_on=now.date(),
            recorded_at=now,
            actor=actor,
            legal_basis=(
                f"Prioritisation policy {run.policy_name} {run.policy_version}: a "
                "recommendation, determined by a person"
            ),
            document_ref=f"priority-run:{run.run_id}",
            data={
                "run_id": run.run_id,
                "case_ref": case.case_ref,
                "determination": determination.value,
                "reason": text,
                "policy_name": run.policy_name,
                "policy_version": run.policy_version,
                "policy_hash": run.policy_hash,
                "rank": entry["rank"],
                "category": entry["category"],
                "score": entry["score"],
            },
        )
        (seq,) = tx.append([event])
        tx.save_case(
            dataclasses.replace(case, version=event.stream_version), expected_version=case.version
        )
        if also is not None:
            also(tx)
    return seq


# -- oversight --------------------------------------------------------------------------------


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


# -- disparity --------------------------------------------------------------------------------


def age_band(born: dt.date | None, on: dt.date) -> str:
    if born is None:
        return "unknown"
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for top, band in ((17, "under 18"), (24, "18-24"), (34, "25-34"), (49, "35-49"), (64, "50-64")):
        if age <= top:
            return band
    return "65 and over"


def disparity(
    *,
    store: PriorityStore,
    clock: Clock,
    pack: Pack,
    as_of: dt.date | None = None,
    allow_rescinded: bool = False,
) -> dict[str, Any]:
    """Categories and scores across groups (citizenship country, sex, age band), from
    aggregates only; a group of fewer than :data:`MIN_GROUP` cases is suppressed. The group
    attributes are read after scoring and never reach it."""
    day = as_of or clock.now().date()
    pack.check_date(day, allow_rescinded=allow_rescinded)
    with store.read() as tx, collector_paused():
        _require_on(tx)
        docket = Docket.build(tx.docket(None))
        ranking = Scorer(pack, docket, day).rank()
        labels = [r.id for r in ranking.rules]
        outcome = {
            ref: (labels[int(c)] if c >= 0 else "none", int(s))
            for ref, c, s in zip(docket.case_refs, ranking.category, ranking.score, strict=True)
        }
        tallies: dict[str, dict[str, list[tuple[str, int]]]] = {
            "citizenship_country": defaultdict(list),
            "sex": defaultdict(list),
            "age_band": defaultdict(list),
        }
        for ref, citizenship, sex, born in tx.groups():
            if ref not in outcome:
                continue
            tallies["citizenship_country"][citizenship or "unknown"].append(outcome[ref])
            tallies["sex"][sex or "unknown"].append(outcome[ref])
            tallies["age_band"][age_band(born, day)].append(outcome[ref])
    del outcome
    categories = [r.id for r in pack.categories] + ["none"]
    report: dict[str, Any] = {
        "policy": {"name": pack.name, "version": pack.version, "content_hash": pack.content_hash},
        "as_of": day.isoformat(),
        "cases": len(docket),
        "minimum_group": MIN_GROUP,
        "dimensions": {},
    }
    for dimension, groups in tallies.items():
        rows = []
        suppressed = 0
        for group, outcomes in sorted(groups.items()):
            if len(outcomes) < MIN_GROUP:
                suppressed += 1
                continue
            rows.append(_aggregate(group, outcomes, categories))
        report["dimensions"][dimension] = {"groups": rows, "suppressed_groups": suppressed}
    return report


def _aggregate(
    group: str, outcomes: list[tuple[str, int]], categories: list[str]
) -> dict[str, Any]:
    counts: defaultdict[str, int] = defaultdict(int)
    for category, _ in outcomes:
        counts[category] += 1
    scores = [score for category, score in outcomes if category != "none"]
    return {
        "group": group,
        "cases": len(outcomes),
        "categories": {c: round(counts.get(c, 0) / len(outcomes), 4) for c in categories},
        "priority_share": round(sum(1 for c, _ in outcomes if c != "none") / len(outcomes), 4),
        "mean_score": round(statistics.fmean(scores), 2) if scores else None,
        "median_score": statistics.median(scores) if scores else None,
    }
