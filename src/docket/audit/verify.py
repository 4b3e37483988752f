"""``audit verify``: recompute the event chain, compare it with its recorded head and any signed
checkpoints, and rebuild every case and person from its events to compare with what is stored;
compare each kept prioritisation run's output, and each kept linkage model, with the digest its
event put on the chain; then
recompute the access log's chain and the departure reports' chain and compare each with its
head."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from docket.audit.access import ACCESS_CHAIN
from docket.audit.chain import EVENTS_CHAIN, ChainHead, ChainReport, StoredLink, walk, words
from docket.audit.checkpoint import Checkpoint, check_signature
from docket.audit.models import model_on_log
from docket.audit.reports import DEPARTURES_CHAIN
from docket.cases import snapshot
from docket.cases.events import Event, EventKind, StreamType
from docket.cases.lifecycle import rebuild
from docket.cases.model import Case, Person
from docket.cases.persons import rebuild_person

Progress = Callable[[int], None]


class AuditStore(Protocol):
    """What verification reads from storage."""

    def snapshot(self) -> AbstractContextManager[None]:
        """Every read until it ends sees one state of the database (writers may go on)."""
        ...

    def chain_head(self, chain: str) -> ChainHead | None: ...

    def chain_links(self, chain: str) -> Iterator[StoredLink]:
        """Every link of ``chain`` in ``seq`` order."""
        ...

    def streams(self) -> Iterator[tuple[StreamType, str, list[Event]]]:
        """Every stream with its events in order, streams ordered by id."""
        ...

    def stored_cases(self, case_ids: Sequence[str]) -> dict[str, str]:
        """The stored text of each case found, by id."""
        ...

    def stored_persons(self, person_ids: Sequence[str]) -> dict[str, str]:
        """The stored text of each person found, by id."""
        ...

    def index_differences(
        self, cases: Sequence[Case], persons: Sequence[Person]
    ) -> dict[str, list[str]]:
        """What is kept beside each of these records' snapshots (the columns and index rows
        that lists, filters and departure linkage search: names and their keys, A-number,
        document numbers, state, office, bars, deadlines) and differs from what writing the
        record stores: by case or person id, the columns or tables that differ."""
        ...

    def projections_without_events(self) -> list[str]:
        """Ids of stored cases or persons that no event stream produced."""
        ...

    def kept_runs(self) -> Iterator[tuple[str, Mapping[str, str], str]]:
        """Every kept prioritisation ranking run: its id, what is kept of it as text
        (:data:`RUN_DETAILS`, the SHA-256 of its output as recorded with it among them), and
        the SHA-256 of the output as stored now."""
        ...

    def kept_models(self) -> Iterator[tuple[str, str]]:
        """Every kept linkage model: its version, and the SHA-256 of it as stored now
        (:func:`docket.audit.models.model_digest`)."""
        ...


RUN_DETAILS = (
    "output_sha256",
    "policy_hash",
    "as_of",
    "office",
    "cases_scored",
    "cases_shown",
    "ran_by",
    "purpose",
    "rescinded_allowed",
)
"""What is kept of a ranking run that its ``priority_ranked`` event vouches for (as text; an
event written before ``purpose`` and ``rescinded_allowed`` were on it vouches for the rest)."""


def run_details_on_log(event: Event) -> dict[str, str]:
    """What ``event`` (a ``priority_ranked`` one) says of its run, as :data:`RUN_DETAILS`."""
    said = {**event.data, "ran_by": event.actor}
    return {name: detail_text(said[name]) for name in RUN_DETAILS if name in said}


def detail_text(value: object) -> str:
    """A run's detail as text, as the event and the kept run are compared."""
    return "" if value is None else str(value)


@dataclass
class VerifyReport:
    """What verification checked and the first problem of each kind it found."""

    events: int = 0
    streams: int = 0
    access_entries: int = 0
    departure_reports: int = 0
    head_hash: str = ""
    checkpoints_checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def is_ok(self) -> bool:
        return not self.problems


def verify(
    store: AuditStore,
    *,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    progress: Progress | None = None,
    rebuilding: Progress | None = None,
) -> VerifyReport:
    """Check the event log end to end, and the chains of the access log and of the departure
    reports; ``checkpoints`` of any chain are checked against it. Problems are listed, the
    first of each kind. ``progress`` is told of the events as the chain is walked,
    ``rebuilding`` of them again as the records are rebuilt from them and compared (a second
    pass, as long as the first)."""
    report = VerifyReport()
    for checkpoint in checkpoints:
        if public_key is None:
            raise ValueError("checking checkpoints needs the public key")
        check_signature(checkpoint, public_key)
    # One snapshot throughout: a write committed meanwhile is seen whole or not at all.
    with store.snapshot():
        chain = _walked(
            store,
            EVENTS_CHAIN,
            _counted(store.chain_links(EVENTS_CHAIN), progress),
            checkpoints,
            report,
        )
        report.events, report.head_hash = chain.length, chain.head_hash
        if chain.finding is None:
            ranked: dict[str, dict[str, str]] = {}
            trained: dict[str, str] = {}
            _check_projections(store, report, ranked, trained, rebuilding)
            _check_runs(store, ranked, report)
            _check_models(store, trained, report)
        access = _walked(store, ACCESS_CHAIN, store.chain_links(ACCESS_CHAIN), checkpoints, report)
        report.access_entries = access.length
        reports = _walked(
            store, DEPARTURES_CHAIN, store.chain_links(DEPARTURES_CHAIN), checkpoints, report
        )
        report.departure_reports = reports.length
    return report


def _walked(
    store: AuditStore,
    name: str,
    links: Iterator[StoredLink],
    checkpoints: Sequence[Checkpoint],
    report: VerifyReport,
) -> ChainReport:
    """Chain ``name`` walked from ``links``, its fault and its disagreements with the
    ``checkpoints`` of it put on ``report``."""
    chain = walk(
        name,
        links,
        recorded_head=store.chain_head(name),
        keep_hashes_at=frozenset(c.length for c in checkpoints if c.chain == name),
    )
    if chain.finding is not None:
        report.problems.append(str(chain.finding))
    for checkpoint in checkpoints:
        problem = _against_checkpoint(chain, checkpoint)
        report.checkpoints_checked += checkpoint.chain == name
        if problem:
            report.problems.append(problem)
    return chain


def _counted(links: Iterator[StoredLink], progress: Progress | None) -> Iterator[StoredLink]:
    pending = 0
    for link in links:
        yield link
        pending += 1
        if progress is not None and pending == 10_000:
            progress(pending)
            pending = 0
    if progress is not None and pending:
        progress(pending)


def _against_checkpoint(chain: ChainReport, checkpoint: Checkpoint) -> str | None:
    if checkpoint.chain != chain.chain:
        return None
    if chain.finding is not None and checkpoint.length > chain.length:
        return None  # the chain already failed before this point; that finding says enough
    w = words(chain.chain)
    log, links, link = w.log, w.links, w.link
    if checkpoint.length > chain.length:
        return (
            f"the {log} holds {chain.length} {links}, fewer than the {checkpoint.length} of the "
            f"checkpoint of {checkpoint.created_at} (rolled back to an older copy, or truncated)"
        )
    if checkpoint.length == 0:
        return None
    found = chain.hashes_at.get(checkpoint.length)
    if found != checkpoint.head_hash:
        return (
            f"{link} {checkpoint.length} does not match the checkpoint of "
            f"{checkpoint.created_at} (the {log} was rewritten)"
        )
    return None


def _check_projections(
    store: AuditStore,
    report: VerifyReport,
    ranked: dict[str, dict[str, str]],
    trained: dict[str, str],
    rebuilding: Progress | None = None,
    chunk: int = 500,
) -> None:
    """Rebuild every case and person and compare; note in ``ranked`` each ranking run the log
    names, with what its event says of it, and in ``trained`` each linkage model's digest."""
    batch: list[tuple[StreamType, str, list[Event]]] = []
    mismatch = _Mismatches()
    for stream in store.streams():
        kind, _, events = stream
        if kind is StreamType.PRIORITISATION:
            for event in events:
                if event.kind is EventKind.PRIORITY_RANKED:
                    ranked[str(event.data["run_id"])] = run_details_on_log(event)
        if kind is StreamType.LINKAGE:
            trained.update(model_on_log(event) for event in events)
        batch.append(stream)
        if len(batch) >= chunk:
            _compare(store, batch, mismatch)
            report.streams += len(batch)
            if rebuilding is not None:
                rebuilding(sum(len(events) for _, _, events in batch))
            batch = []
    _compare(store, batch, mismatch)
    report.streams += len(batch)
    if rebuilding is not None:
        rebuilding(sum(len(events) for _, _, events in batch))
    mismatch.report(report.problems)
    orphans = store.projections_without_events()
    if orphans:
        report.problems.append(
            f"{len(orphans)} stored records have no events behind them, e.g. {orphans[0]}"
        )


def _check_runs(store: AuditStore, ranked: dict[str, dict[str, str]], report: VerifyReport) -> None:
    """Each kept ranking run against the ``priority_ranked`` event that named it: the
    oversight record is only as trustworthy as this comparison."""
    mismatch = _Mismatches()
    kept = set()
    for run_id, details, actual in store.kept_runs():
        kept.add(run_id)
        on_log = ranked.get(run_id)
        if on_log is None:
            mismatch.append(f"ranking run {run_id}: kept, but no event on the log names it")
            continue
        if not details.get("output_sha256") == actual == on_log["output_sha256"]:
            mismatch.append(
                f"ranking run {run_id}: its kept output does not match the digest on the log "
                "(changed after the run)"
            )
        differing = [
            name
            for name, said in on_log.items()
            if name != "output_sha256" and details.get(name) != said
        ]
        if differing:
            mismatch.append(
                f"ranking run {run_id}: its kept {', '.join(differing)} differ from what the "
                "log says of it (changed after the run)"
            )
    for run_id in sorted(ranked.keys() - kept):
        mismatch.append(f"ranking run {run_id}: named on the log, but its record is missing")
    mismatch.report(report.problems)


def _check_models(store: AuditStore, trained: Mapping[str, str], report: VerifyReport) -> None:
    """Each kept linkage model against the digest its ``linkage_model_trained`` event gives
    (:mod:`docket.audit.models`)."""
    mismatch = _Mismatches()
    kept = set()
    for version, actual in store.kept_models():
        kept.add(version)
        on_log = trained.get(version)
        if on_log is None:
            mismatch.append(f"linkage model {version}: kept, but no event on the log names it")
        elif on_log != actual:
            mismatch.append(
                f"linkage model {version}: the kept model does not match the digest on the "
                "log (changed after its training)"
            )
    for version in sorted(trained.keys() - kept, key=int):
        mismatch.append(f"linkage model {version}: named on the log, but the model is missing")
    mismatch.report(report.problems)


@dataclass
class _Mismatches:
    """The first record that differs from its events, and how many do (not all of them: a
    wholesale corruption must not fill memory)."""

    first: str | None = None
    count: int = 0

    def append(self, problem: str) -> None:
        self.first = self.first or problem
        self.count += 1

    def report(self, problems: list[str]) -> None:
        if self.first is not None:
            more = f" (and {self.count - 1} more)" if self.count > 1 else ""
            problems.append(f"{self.first}{more}")


def _compare(
    store: AuditStore, batch: list[tuple[StreamType, str, list[Event]]], mismatch: _Mismatches
) -> None:
    case_ids = [sid for kind, sid, _ in batch if kind is StreamType.CASE]
    person_ids = [sid for kind, sid, _ in batch if kind is StreamType.PERSON]
    cases = store.stored_cases(case_ids) if case_ids else {}
    persons = store.stored_persons(person_ids) if person_ids else {}
    agreeing: dict[str, tuple[str, Case | Person]] = {}
    for kind, stream_id, events in batch:
        if kind in (StreamType.DEPARTURE_REPORT, StreamType.PRIORITISATION, StreamType.LINKAGE):
            continue  # review decisions, the switch, runs, models: no projection to rebuild
        # The stored text itself must be the one the events give (the API passes it on as it
        # is), so a change that leaves the record's fields alone is caught too.
        rebuilt: Case | Person
        if kind is StreamType.CASE:
            rebuilt, stored = rebuild(events), cases.get(stream_id)
            label, text = f"case {rebuilt.case_ref}", snapshot.case_text(rebuilt)
        else:
            rebuilt, stored = rebuild_person(events), persons.get(stream_id)
            label, text = f"person {stream_id}", snapshot.person_text(rebuilt)
        if stored is None:
            mismatch.append(f"{label}: its events are in the log but the record is missing")
        elif stored != text:
            fields = _differing(stored, rebuilt)
            mismatch.append(f"{label}: stored record differs from its events in {fields}")
        else:
            agreeing[stream_id] = (label, rebuilt)
    records = [record for _, record in agreeing.values()]
    differences = store.index_differences(
        [r for r in records if isinstance(r, Case)],
        [r for r in records if isinstance(r, Person)],
    )
    for record_id, columns in sorted(differences.items()):
        label = agreeing[record_id][0]
        mismatch.append(
            f"{label}: stored {', '.join(columns)} differ from its events (the record's "
            "columns or index rows were changed)"
        )


def _differing(text: str, rebuilt: Case | Person) -> str:
    """What differs between a stored record's ``text`` and the record its events rebuild."""
    try:
        data = snapshot.parse_json(text)
        stored = (
            snapshot.case_from_dict(data)
            if isinstance(rebuilt, Case)
            else snapshot.person_from_dict(data)
        )
    except Exception:
        return "its text, which is not a readable record"
    if stored == rebuilt:
        return "its text (content beyond the record's fields, or not in the stored form)"
    names = [
        f.name
        for f in dataclasses.fields(stored)
        if getattr(stored, f.name) != getattr(rebuilt, f.name, None)
    ]
    return ", ".join(names) or "type"
