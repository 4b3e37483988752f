"""Use cases of prioritisation: rank, explain and decide (the switch, the oversight log and the
disparity report have their own modules).

A score is a recommendation: nothing here changes a case's state. Every ranking run is kept for
oversight with its policy (name, version, content hash), its output and the fact ids used, and
is named on the hash-chained log; every determination is an event on its case, by a person,
with the reason. While an admin has switched prioritisation off, no score is computed, shown or
used: ranking, explaining, deciding and the disparity report are all refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import queue
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson

from docket import collector
from docket.cases.events import Event, EventKind, StreamType
from docket.cases.fields import EVERY_OFFICE, check_length
from docket.cases.idempotency import prior_answer, remember, request_hash
from docket.cases.ids import new_id
from docket.cases.ports import Clock
from docket.errors import AccessRefused, Conflict, InvalidInput, NotFound
from docket.priority.oversight import run_lines
from docket.priority.packs import Pack
from docket.priority.ports import (
    PriorityRead,
    PriorityStore,
    PriorityWrite,
    RunRecord,
)
from docket.priority.scoring import Docket, Explanation, RankedCase, Scorer
from docket.priority.switch import named_actor, require_on, written_reason

MAX_PURPOSE = 500
"""The longest purpose a run keeps (the API's limit too)."""


class Determination(StrEnum):
    ACCEPT = "accept"
    OVERRIDE = "override"


# -- ranking ----------------------------------------------------------------------------------


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


def ranked_office(office: str) -> str:
    """The field office a ranking is limited to, as cases hold it: upper case, without spaces
    around it, so that ``--office atl`` ranks the office the API's ``"office": "atl"`` does.
    A blank or over-long office names no case's office, and is refused rather than ranking
    nothing and keeping that run."""
    named = office.strip().upper()
    if not named or named == EVERY_OFFICE:
        raise InvalidInput(
            "office: name one field office, or none to rank every office",
            details={"field": "office"},
        )
    check_length("field_office", named, field="office")
    return named


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
    """Rank the open cases (of ``office``, as :func:`ranked_office` reads it, or all) by
    ``pack`` as of ``as_of`` (today), give ``emit`` the first ``top`` (all when ``None``) with
    their explanations, best first, and keep the run for oversight. ``also`` runs in the
    transaction that keeps the run.

    ``emit`` sees entries before the run is kept, and the run is refused if prioritisation
    was switched off meanwhile: a surface shows nothing of them until this returns."""
    named_actor(actor, what="a ranking")
    office = None if office is None else ranked_office(office)
    purpose = purpose.strip()
    if len(purpose) > MAX_PURPOSE:  # kept as given or not at all, never cut
        raise InvalidInput(
            f"the purpose is longer than {MAX_PURPOSE} characters", details={"field": "purpose"}
        )
    now = clock.now()
    day = as_of or now.date()
    if top is not None and top < 1:
        raise InvalidInput("top must be 1 or more", details={"field": "top"})
    pack.check_date(day, today=now.date(), allow_rescinded=allow_rescinded)
    with collector.paused():
        with store.read() as tx:
            require_on(tx)
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
        purpose=purpose,
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
            "purpose": purpose,
            "rescinded_allowed": allow_rescinded,
        },
    )
    with store.write() as tx:
        require_on(tx)  # switched off meanwhile: nothing of this run is kept or used
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
    today = clock.now().date()
    day = as_of or today
    pack.check_date(day, today=today, allow_rescinded=allow_rescinded)
    with store.read() as tx:
        require_on(tx)
        rows = list(tx.docket(None, case_ref))
    if not rows:
        raise NotFound(f"no open case {case_ref}", details={"case_ref": case_ref})
    ranking = Scorer(pack, Docket.build(rows), day).rank()
    return ranking.explain(0, 0)


def _entry(tx: PriorityRead, run: RunRecord, case_ref: str) -> dict[str, Any] | None:
    # Each line opens with the case's reference (Explanation.to_dict's first key): only the
    # line sought is parsed, not the million of a full run.
    opening = b'{"case_ref":' + orjson.dumps(case_ref) + b","
    line = next((x for x in run_lines(tx, run.run_id) if x.startswith(opening)), None)
    return None if line is None else orjson.loads(line)


@dataclass(frozen=True)
class Decided:
    """A recorded determination: its case, what was decided, on which run, and the
    ``priority_determined`` event's place in the log."""

    case_ref: str
    determination: Determination
    run_id: str
    seq: int
    replayed: bool = False
    """True when an earlier request with the same idempotency key answered."""

    def to_json(self) -> str:
        fields = dataclasses.asdict(self)
        del fields["replayed"]
        return orjson.dumps(fields).decode()

    @classmethod
    def from_json(cls, text: str, *, replayed: bool) -> Decided:
        data = orjson.loads(text)
        data["determination"] = Determination(data["determination"])
        return cls(**data, replayed=replayed)


def decide(
    *,
    store: PriorityStore,
    clock: Clock,
    actor: str,
    case_ref: str,
    determination: Determination,
    reason: str | None,
    run_id: str | None = None,
    idempotency_key: str | None = None,
    also: Callable[[PriorityWrite], None] | None = None,
    readable: Callable[[RunRecord], bool] = lambda _: True,
    also_on_replay: Callable[[PriorityWrite], None] | None = None,
) -> Decided:
    """A person's determination on a case's recommendation in a run (the latest that ranked it
    when ``run_id`` is ``None``): accept it, or override it with a written reason. An event on
    the case; the case's state does not change. ``idempotency_key`` makes a retry answer with
    the first result instead of recording again. ``also`` runs in the same transaction
    (``also_on_replay`` instead of it for a retry's answer, if given).
    Only a run the person may read (``readable``) is decided on: a recommendation they could
    not see is not theirs to accept."""
    named_actor(actor, what="a determination")
    text = written_reason(
        reason, required=determination is Determination.OVERRIDE, what="an override"
    )
    now = clock.now()
    digest = request_hash(
        {
            "command": "decide_priority",
            "case_ref": case_ref,
            "determination": determination.value,
            "reason": text,
            "run_id": run_id,
            "actor": actor,
        }
    )
    with store.write() as tx:
        prior = prior_answer(tx, idempotency_key, digest, actor)
        if prior is not None:  # a retry: the determination is recorded already
            if (hook := also_on_replay or also) is not None:
                hook(tx)
            return Decided.from_json(prior, replayed=True)
        require_on(tx)
        case = tx.get_case_by_ref(case_ref)
        if case is None:
            raise NotFound(f"no case {case_ref}", details={"case_ref": case_ref})
        if not case.is_open:  # off the open docket: its recommendation no longer stands
            raise Conflict(
                f"case {case_ref} is {case.state.value}: a determination is made on an open "
                "case's recommendation",
                details={"case_ref": case_ref, "state": case.state.value, "rule": "case_not_open"},
            )
        runs = [r for r in reversed(tx.runs()) if readable(r)] if run_id is None else []
        if run_id is not None:
            given = tx.run(run_id)
            if given is None:
                raise NotFound(f"no ranking run {run_id}", details={"run_id": run_id})
            if not readable(given):
                raise AccessRefused(
                    f"not allowed: ranking run {run_id} is over "
                    f"{given.office or 'every office'}, whose runs you may not read",
                    details={"run_id": run_id},
                )
            runs = [given]
        found = next(((r, e) for r in runs if (e := _entry(tx, r, case_ref)) is not None), None)
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
        decided = Decided(case.case_ref, determination, run.run_id, seq)
        remember(tx, idempotency_key, actor, digest, decided.to_json(), now)
        if also is not None:
            also(tx)
    return decided
