"""Departure intake, the one service behind the API, the CSV import and the NATS listener.

For each report, in one transaction: refuse a conflicting duplicate, answer a true duplicate
with what was recorded the first time, resolve the report to a person, collapse it into its
departure, bring the exit-metric counts up to date by the departure's change, and, when the
departure has just become confirmed, record it on the person's open cases through the case core.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from docket.cases.departure_rules import concerns
from docket.cases.events import EventKind
from docket.cases.fields import blank
from docket.cases.ids import new_id
from docket.cases.model import BarKind, Case, CaseState
from docket.cases.ports import Clock
from docket.cases.service import record_on
from docket.departures.collapse import COLLAPSE_DAYS, Counted, Departure, absorb, cluster_key
from docket.departures.counts import Counts, delta, report_contributions, total
from docket.departures.model import Parsed, Programme, Report, Status, refuse_future
from docket.departures.ports import DepartureStore, DepartureWrite, StoredReport
from docket.departures.resolution import Resolutions, Resolved, resolve_all
from docket.errors import IdempotencyConflict, InvalidInput, RuleViolation


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
    ``reports`` with the same content is a duplicate of the earlier one; with different
    content it is refused unless ``repeats``, with which the later one is a conflict of the
    earlier, as in two transactions. ``also`` runs in the same transaction at
    the end (a surface records the access with it).

    The batch is looked up together (records already received, exact identifiers, the linkage
    model's candidates: one query each) and its counts are moved once; each report is
    otherwise taken in order, as if alone. ``resolved`` (from
    :func:`~docket.departures.resolution.resolve_reports`, before the write lock) is taken
    instead of resolving the reports again, unless a person or the model changed since."""
    if blank(actor):
        raise InvalidInput("an intake needs an actor", details={"field": "actor"})
    now = clock.now()
    for parsed in reports:
        refuse_future(parsed.report, now)
    contents: dict[tuple[str, str], set[str]] = {}
    for parsed in reports:
        contents.setdefault(parsed.report.key, set()).add(parsed.report.content_hash())
    differing = [key for key, hashes in contents.items() if len(hashes) > 1]
    if differing and not repeats:
        source, record_id = differing[0]
        raise InvalidInput(
            f"report {source}/{record_id} appears more than once in the batch with different "
            "content",
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
            counted = counted_for(tx, person_id, cases, report.departed_on)
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
            recorded = record_on_cases(tx, cases, departure, report, actor=actor, now=now)
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


def counted_for(
    tx: DepartureWrite, person_id: str, cases: Sequence[Case], departed_on: dt.date
) -> Counted:
    """How a departure of ``person_id`` on ``departed_on`` counts: under their voluntary
    departure (granted by a judge or by the agency), their final order, another open case, or
    no open case. A case counts only for a departure it can concern (:func:`concerns`)."""
    party = f"person:{person_id}"
    cases = [case for case in cases if concerns(case, departed_on)]
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


def record_on_cases(
    tx: DepartureWrite,
    cases: Sequence[Case],
    departure: Departure,
    report: Report,
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[str, ...]:
    """A departure just confirmed, on each open case of its person that it concerns
    (:func:`concerns`): it closes a voluntary departure left by the deadline; on any other
    open case it stops enforcement (a scheduled removal is called off) and waits for legal
    review, since leaving under an order has consequences of its own. A voluntary departure
    left after its deadline was not complied with: the alternate removal order takes effect
    (``voluntary_departure_expired``), then the departure is recorded for legal review. When
    the case core refuses the expiry (an appeal pending or its window open), the departure is
    recorded on the case still under the grant: its bar stops enforcement until legal review,
    and stands when the alternate order takes effect later."""
    recorded: list[str] = []
    document = f"departure:{report.source.value}:{report.source_record_id}"
    # The day a record-based source gives: a self-report's earlier day confirms nothing.
    departed_on = departure.confirmed_on or departure.first_on
    fields: dict[str, object] = {"departed_on": departed_on.isoformat()}
    # Recorded on the day it is dated when that day has begun somewhere but not yet in UTC
    # (a morning's exit record in Guam): the case core refuses a departure after its record.
    recorded_on = max(now.date(), departed_on)
    if departure.port:
        fields["port"] = departure.port
    for case in cases:
        if not concerns(case, departed_on):
            continue
        if case.state is CaseState.VOLUNTARY_DEPARTURE:
            if not case.left_after_vd_deadline(departed_on):
                kind = EventKind.DEPARTURE_CONFIRMED
            else:
                kind = EventKind.DEPARTURE_RECORDED
                if case.has_bar(BarKind.DEPARTURE_REPORTED):
                    continue  # recorded already, legal review pending
                try:
                    case, _ = record_on(
                        tx.cases,
                        case,
                        kind=EventKind.VOLUNTARY_DEPARTURE_EXPIRED,
                        fields={},
                        occurred_on=now.date(),
                        actor=actor,
                        document_ref=document,
                        recorded_at=now,
                    )
                except RuleViolation:
                    # Refused before anything was written (every rule is checked first): the
                    # voluntary departure is still open to appeal, or under appeal. The
                    # departure is recorded under the grant.
                    pass
                else:
                    recorded.append(
                        f"{case.case_ref}:{EventKind.VOLUNTARY_DEPARTURE_EXPIRED.value}"
                    )
        elif case.has_bar(BarKind.DEPARTURE_REPORTED):
            continue  # recorded already, legal review pending
        else:
            kind = EventKind.DEPARTURE_RECORDED
        record_on(
            tx.cases,
            case,
            kind=kind,
            fields=fields,
            # and not before the case entered its state, on a day begun somewhere but not
            # in UTC (a removal scheduled in Guam's morning): the case core refuses that
            occurred_on=max(recorded_on, case.state_since),
            actor=actor,
            document_ref=document,
            recorded_at=now,
        )
        recorded.append(f"{case.case_ref}:{kind.value}")
    return tuple(recorded)
