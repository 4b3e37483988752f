"""Departure intake, the one service behind the API, the CSV import and the NATS listener.

For each report, in one transaction: refuse a conflicting duplicate, answer a true duplicate
with what was recorded the first time, resolve the report to a person, collapse it into its
departure, bring the exit-metric counts up to date by the departure's change, and, when the
departure has just become confirmed, record it on the person's open cases through the case core.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from docket.cases.events import EventKind
from docket.cases.ids import new_id
from docket.cases.model import BarKind, Case, CaseState
from docket.cases.ports import Clock
from docket.cases.service import record_on
from docket.departures.linkage import (
    explain,
    record,
)
from docket.departures.model import (
    COLLAPSE_DAYS,
    Counted,
    Counts,
    Departure,
    Parsed,
    Programme,
    Report,
    ReviewDecision,
    Status,
    absorb,
    cluster_key,
    contributions,
    delta,
    refuse_future,
    replay,
    report_contributions,
    review_event,
    total,
)
from docket.departures.ports import DepartureStore, DepartureWrite, StoredReport
from docket.departures.resolution import Resolutions, Resolved, resolve_all
from docket.errors import Conflict, IdempotencyConflict, InvalidInput, NotFound


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    """The same (source, source_record_id) with the same content: nothing recorded."""
    CONFLICT = "conflict"
    """The same (source, source_record_id) with different content: refused."""


@dataclass(frozen=True)
class Intake:
    """What became of one report."""

    source: str
    source_record_id: str
    outcome: Outcome
    status: Status | None = None
    departure_id: str = ""
    case_events: tuple[str, ...] = ()
    """``case_ref:event_kind`` for each event recorded on a case."""
    warnings: tuple[str, ...] = ()


@dataclass
class IntakeSummary:
    accepted: int = 0
    duplicates: int = 0
    conflicts: int = 0
    results: list[Intake] = field(default_factory=list)

    def add(self, intake: Intake) -> None:
        self.results.append(intake)
        if intake.outcome is Outcome.ACCEPTED:
            self.accepted += 1
        elif intake.outcome is Outcome.DUPLICATE:
            self.duplicates += 1
        else:
            self.conflicts += 1


def accept_reports(
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    reports: Sequence[Parsed],
    refuse_conflicts: bool = True,
    repeats: bool = False,
    also: Callable[[DepartureWrite], None] | None = None,
    resolved: Resolutions | None = None,
) -> IntakeSummary:
    """Take ``reports`` in one transaction. With ``refuse_conflicts`` a conflicting duplicate
    raises :class:`IdempotencyConflict` and nothing of the batch is written; without, it is
    reported as a :attr:`Outcome.CONFLICT` and the others are taken. A record id repeated in
    ``reports`` is refused unless ``repeats``; with it, the later one is a duplicate or a
    conflict of the earlier, as in two transactions. ``also`` runs in the same transaction at
    the end (a surface records the access with it).

    The batch is looked up together (records already received, exact identifiers, the linkage
    model's candidates: one query each) and its counts are moved once; each report is
    otherwise taken in order, as if alone. ``resolved`` (from
    :func:`~docket.departures.resolution.resolve_reports`, before the write lock) is taken
    instead of resolving the reports again, unless a person or the model changed since."""
    if not actor.strip():
        raise InvalidInput("an intake needs an actor", details={"field": "actor"})
    now = clock.now()
    for parsed in reports:
        refuse_future(parsed.report, now.date())
    keys = Counter(parsed.report.key for parsed in reports)
    repeated = [key for key, n in keys.items() if n > 1]
    if repeated and not repeats:
        source, record_id = repeated[0]
        raise InvalidInput(
            f"report {source}/{record_id} appears more than once in the batch",
            details={"field": "source_record_id", "source_record_id": record_id},
        )
    summary = IntakeSummary()
    with store.write() as tx:
        batch = _Batch.look_up(tx, reports, resolved)
        for parsed in reports:
            intake = batch.take(tx, parsed, actor=actor, now=now)
            if intake.outcome is Outcome.CONFLICT and refuse_conflicts:
                raise IdempotencyConflict(
                    f"report {intake.source}/{intake.source_record_id} was already received "
                    "with different content",
                    details={"source": intake.source, "source_record_id": intake.source_record_id},
                )
            summary.add(intake)
        tx.add_counts(total(batch.counts))
        if also is not None:
            also(tx)
    return summary


@dataclass
class _Batch:
    """What a batch of reports needs from the database, looked up for all of them at once:
    the reports received before, each new report's resolution (persons do not change while
    the batch is taken), the open cases of the persons and the departures of the parties it
    is of (kept up to date as the batch writes them), and the counts it moves."""

    known: dict[tuple[str, str], tuple[str, Status, str]]
    """(source, source_record_id) -> content hash, status and departure of a report received
    before, or earlier in the batch."""
    resolved: dict[tuple[str, str], Resolved]
    cases: dict[str, list[Case]]
    """Open cases by person id (dropped once a report records on them: read again)."""
    departures: dict[str, list[Departure]]
    """Every departure of each party, by id."""
    counts: list[Counts] = field(default_factory=list)

    @classmethod
    def look_up(
        cls, tx: DepartureWrite, reports: Sequence[Parsed], resolved: Resolutions | None
    ) -> _Batch:
        known = {
            key: (stored.content_hash, stored.status, stored.departure_id)
            for key, stored in tx.reports_by_key([p.report.key for p in reports]).items()
        }
        first: dict[tuple[str, str], Report] = {}
        for parsed in reports:
            if parsed.report.key not in known:
                first.setdefault(parsed.report.key, parsed.report)
        fresh = list(first.values())
        found: dict[tuple[str, str], Resolved] = {}
        if resolved is not None and not tx.persons_changed_since(resolved.as_of):
            # Resolved before the lock was taken, against the persons and the model as
            # they still are: the same as resolving them now.
            found = {r.key: of for r in fresh if (of := resolved.of(r)) is not None}
        found |= resolve_all(tx, [r for r in fresh if r.key not in found])
        persons = sorted({v.person_id for v in found.values() if v.person_id is not None})
        parties = [f"person:{pid}" for pid in persons]
        parties += [cluster_key(r) for r in fresh if found[r.key].person_id is None]
        cases = tx.open_cases_of_persons(persons)
        departures = tx.departures_of_parties(sorted(set(parties)))
        return cls(known, found, cases, departures)

    def take(self, tx: DepartureWrite, parsed: Parsed, *, actor: str, now: dt.datetime) -> Intake:
        report = parsed.report
        source, record_id = key = report.key
        content_hash = report.content_hash()
        if key in self.known:
            known_hash, known_status, known_departure = self.known[key]
            outcome = Outcome.DUPLICATE if known_hash == content_hash else Outcome.CONFLICT
            return Intake(source, record_id, outcome, known_status, known_departure)
        resolved = self.resolved[key]
        person_id, status = resolved.person_id, resolved.status
        cases: list[Case] = []
        if person_id is not None:
            if person_id not in self.cases:
                self.cases[person_id] = tx.open_cases_of(person_id)
            cases = self.cases[person_id]
            counted = _counted(tx, person_id, cases)
        else:
            counted = Counted(party=cluster_key(report))
        existing = self._taking(counted.party, report.departed_on)
        departure = absorb(existing, report, counted, new_id())
        tx.save_departure(departure, replacing=existing)
        gone = {d.departure_id for d in existing}
        self.departures[counted.party] = sorted(
            [d for d in self.departures.get(counted.party, []) if d.departure_id not in gone]
            + [departure],
            key=lambda d: d.departure_id,
        )
        tx.add_report(
            StoredReport(
                report=report,
                content_hash=content_hash,
                received_at=now,
                recorded_by=actor,
                status=status,
                counted=counted,
                departure_id=departure.departure_id,
                intake_departure_id=departure.departure_id,
                person_id=person_id,
                link_method=resolved.method,
                match_probability=resolved.probability,
                model_version=resolved.version,
                candidates=resolved.weighed,
            )
        )
        self.known[key] = (content_hash, status, departure.departure_id)
        self.counts.append(delta(existing, departure))
        self.counts.append(report_contributions(report, status))
        recorded: tuple[str, ...] = ()
        if departure.confirmed and not any(d.confirmed for d in existing):
            recorded = _record_on_cases(tx, cases, departure, report, actor=actor, now=now)
            if person_id is not None:
                self.cases.pop(person_id, None)  # changed: read again when next needed
        return Intake(
            source,
            record_id,
            Outcome.ACCEPTED,
            status,
            departure.departure_id,
            recorded,
            parsed.warnings,
        )

    def _taking(self, party: str, on: dt.date) -> list[Departure]:
        """What ``DepartureWrite.departures_taking`` answers, from the batch's own copy."""
        window = dt.timedelta(days=COLLAPSE_DAYS)
        return [
            d
            for d in self.departures.get(party, [])
            if d.first_on <= on + window and d.last_on >= on - window
        ]


def _counted(tx: DepartureWrite, person_id: str, cases: Sequence[Case]) -> Counted:
    """How a departure of ``person_id`` counts: under their voluntary departure (granted by a
    judge or by the agency), their final order, another open case, or no open case."""
    party = f"person:{person_id}"
    for case in cases:
        if case.state is CaseState.VOLUNTARY_DEPARTURE:
            grants = [
                e
                for e in tx.cases.stream_events(case.case_id)
                if e.kind is EventKind.VOLUNTARY_DEPARTURE_GRANTED
            ]
            agency = bool(grants) and grants[-1].data.get("granted_by") == "agency"
            programme = Programme.VD_AGENCY if agency else Programme.VD_JUDGE
            return Counted(party, programme, case.vd_deadline_on, case.case_ref)
    for case in cases:
        if case.state in (CaseState.FINAL_ORDER, CaseState.REMOVAL_SCHEDULED):
            return Counted(party, Programme.FINAL_ORDER, None, case.case_ref)
    if cases:
        return Counted(party, Programme.OTHER_CASE, None, cases[0].case_ref)
    return Counted(party)


def _record_on_cases(
    tx: DepartureWrite,
    cases: Sequence[Case],
    departure: Departure,
    report: Report,
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[str, ...]:
    """A departure just confirmed, on each open case of its person: it closes a voluntary
    departure; on any other open case it stops enforcement (a scheduled removal is called
    off) and waits for legal review, since leaving under an order has consequences of its
    own."""
    recorded: list[str] = []
    document = f"departure:{report.source.value}:{report.source_record_id}"
    fields: dict[str, object] = {"departed_on": departure.first_on.isoformat()}
    if departure.port:
        fields["port"] = departure.port
    for case in cases:
        if case.state is CaseState.VOLUNTARY_DEPARTURE:
            kind = EventKind.DEPARTURE_CONFIRMED
        elif case.has_bar(BarKind.DEPARTURE_REPORTED):
            continue  # recorded already, legal review pending
        else:
            kind = EventKind.DEPARTURE_RECORDED
        record_on(
            tx.cases,
            case,
            kind=kind,
            fields=fields,
            occurred_on=now.date(),
            actor=actor,
            document_ref=document,
            recorded_at=now,
        )
        recorded.append(f"{case.case_ref}:{kind.value}")
    return tuple(recorded)


# Review ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class PendingReview:
    """A report in review, with the candidates the model weighed, field by field."""

    report: Report
    received_at: dt.datetime
    candidates: list[dict[str, Any]]
    """Each: ``person_id``, ``probability`` and ``fields`` (see ``linkage.explain``)."""


def review_queue(*, store: DepartureStore, limit: int = 50) -> list[PendingReview]:
    """Reports in review, oldest first, each with why it might be each candidate's."""
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit must be between 1 and 1000", details={"field": "limit"})
    with store.read() as tx:
        pending = tx.pending_reviews(limit)
        model = tx.linkage_model()
        persons = tx.persons([pid for s in pending for pid, _ in s.candidates])
    queue = []
    for stored in pending:
        compared = record(stored.report.content())
        candidates = [
            {
                "person_id": pid,
                "probability": p,
                "fields": explain(model, compared, persons[pid])
                if model is not None and pid in persons
                else [],
            }
            for pid, p in stored.candidates
        ]
        queue.append(PendingReview(stored.report, stored.received_at, candidates))
    return queue


@dataclass(frozen=True)
class Decided:
    source: str
    source_record_id: str
    decision: ReviewDecision
    status: Status
    departure_id: str
    case_events: tuple[str, ...] = ()


def decide_review(
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    source: str,
    source_record_id: str,
    decision: ReviewDecision,
    reason: str,
    person_id: str | None = None,
    also: Callable[[DepartureWrite], None] | None = None,
) -> Decided:
    """A reviewer's decision on a report in review, with its reason, kept for good. ``link``
    moves the report to ``person_id`` (its departures are collapsed again on both sides, and
    a departure it confirms is recorded on the person's open cases); ``reject`` and
    ``no_case`` leave it unlinked. Either way it leaves the review backlog."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput("a decision needs a reason", details={"field": "reason"})
    if (decision is ReviewDecision.LINK) != (person_id is not None):
        raise InvalidInput(
            "link names the person; reject and no_case name nobody",
            details={"field": "person_id"},
        )
    now = clock.now()
    with store.write() as tx:
        stored = tx.report(source, source_record_id)
        if stored is None:
            raise NotFound(
                f"no departure report {source}/{source_record_id}",
                details={"source": source, "source_record_id": source_record_id},
            )
        if stored.status is not Status.REVIEW:
            raise Conflict(
                f"report {source}/{source_record_id} is not in review (it is {stored.status})",
                details={"status": stored.status.value},
            )
        if decision is ReviewDecision.LINK:
            assert person_id is not None
            if not tx.person_exists(person_id):
                raise NotFound(f"no person {person_id}", details={"person_id": person_id})
            after = dataclasses.replace(
                stored,
                status=Status.LINKED,
                person_id=person_id,
                link_method="review",
                counted=_counted(tx, person_id, tx.open_cases_of(person_id)),
                intake_departure_id=new_id(),
            )
        else:
            after = dataclasses.replace(stored, status=Status.UNLINKED)
        owners, recorded = _regroup(tx, [(stored, after)], actor=actor, now=now)
        tx.cases.append(
            [
                review_event(
                    stored.report, decision, person_id=person_id, reason=reason, actor=actor, at=now
                )
            ]
        )
        tx.add_decision(
            report=stored.report,
            decision=decision,
            person_id=person_id,
            reason=reason,
            decided_by=actor,
            decided_at=now,
        )
        if also is not None:
            also(tx)
    departure_id = owners[_key(stored)]
    return Decided(source, source_record_id, decision, after.status, departure_id, recorded)


def _key(stored: StoredReport) -> str:
    return "/".join(stored.report.key)


def _regroup(
    tx: DepartureWrite,
    moves: Sequence[tuple[StoredReport, StoredReport]],
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Reports resolved anew, each as (before, after): store them, collapse every party they
    leave or join into departures again from its reports (as the recount would), move the
    counts by the change, and record a departure that has just become confirmed for a person
    on the person's open cases. The departure each moved report is now in, and the case
    events recorded."""
    tx.update_reports([after for _, after in moves])
    change: list[Counts] = []
    moved = {_key(after): after for _, after in moves}
    for before, after in moves:
        change.append(report_contributions(after.report, after.status))
        change.append(_negated(report_contributions(before.report, before.status)))
    parties = list(dict.fromkeys(p for b, a in moves for p in (b.counted.party, a.counted.party)))
    members: dict[str, list[StoredReport]] = {party: [] for party in parties}
    for party, reports in tx.reports_of_parties(parties).items():
        members[party].extend(s for s in reports if _key(s) not in moved)
    for after in moved.values():
        members[after.counted.party].append(after)
    old_departures = tx.departures_of_parties(parties)
    owners: dict[str, str] = {}
    replaced: list[Departure] = []
    created: list[Departure] = []
    confirmed: list[tuple[str, Departure, Report]] = []
    for party in parties:
        reports = sorted(members[party], key=lambda s: s.seq)
        old = old_departures.get(party, [])
        new, owned = replay([(s.report, s.counted, s.intake_departure_id) for s in reports])
        owners.update(zip([_key(s) for s in reports], owned, strict=True))
        replaced.extend(old)
        created.extend(new)
        change.append(_change(old, new))
        person_id = reports[0].person_id if reports else None
        if person_id is None:
            continue
        was_confirmed = {d.departure_id for d in old if d.confirmed}
        for departure in new:
            mine = [s for s, o in zip(reports, owned, strict=True) if o == departure.departure_id]
            arrived = [s for s in mine if _key(s) in moved]
            stayed = [s for s in mine if _key(s) not in moved]
            if (
                departure.confirmed
                and arrived
                and not any(s.departure_id in was_confirmed for s in stayed)
            ):
                confirmed.append((person_id, departure, arrived[0].report))
    tx.replace_departures(replaced, created, owners)
    tx.add_counts(total(change))
    recorded: list[str] = []
    opened = tx.open_cases_of_persons(list(dict.fromkeys(p for p, _, _ in confirmed)))
    for person_id, departure, report in confirmed:
        # Recording a departure changes the person's cases: a second one reads them again.
        cases = opened.pop(person_id) if person_id in opened else tx.open_cases_of(person_id)
        recorded.extend(_record_on_cases(tx, cases, departure, report, actor=actor, now=now))
    return owners, tuple(recorded)


def _change(old: Sequence[Departure], new: Sequence[Departure]) -> Counts:
    """The counts' change when the departures ``old`` become ``new``."""
    out: Counts = Counter()
    for departure in new:
        out.update(contributions(departure))
    for departure in old:
        out.subtract(contributions(departure))
    return Counter({key: n for key, n in out.items() if n})


def _negated(counts: Counts) -> Counts:
    return Counter({key: -n for key, n in counts.items()})
