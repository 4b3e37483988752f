"""The review queue: reports the linkage model was unsure of, with their candidates field by
field, and a reviewer's decision on each (an event on the report's own stream)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docket.cases.fields import NOTHING_SHOWN, blank, check_length, storable
from docket.cases.ids import new_id
from docket.cases.ports import Clock
from docket.departures.linkage import explain, record
from docket.departures.model import (
    Report,
    ReviewDecision,
    Status,
    normal_record_id,
    review_event,
)
from docket.departures.ports import DepartureStore, DepartureWrite
from docket.departures.regroup import counted_moving, regroup, report_key
from docket.errors import Conflict, InvalidInput, NotFound


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
        shown = [pid for s in pending for pid, _ in s.candidates]
        persons = tx.persons(shown)
        a_numbers = tx.a_numbers_of(shown) if shown else {}
    queue = []
    for stored in pending:
        compared = record(stored.report.content())
        candidates = [
            {
                "person_id": pid,
                "probability": p,
                "fields": [
                    *explain(model, compared, persons[pid]),
                    _a_numbers(stored.report.a_number, a_numbers.get(pid)),
                ]
                if pid in persons
                else [],
            }
            for pid, p in stored.candidates
        ]
        queue.append(PendingReview(stored.report, stored.received_at, candidates))
    return queue


def _a_numbers(reported: str, held: str | None) -> dict[str, Any]:
    """The A-numbers of the report and the candidate, beside the fields the model compares:
    the model does not weigh them, yet one that differs is why a report goes to review."""
    level = "missing" if not reported or not held else "exact" if reported == held else "different"
    return {
        "field": "a_number",
        "report": reported or None,
        "person": held,
        "level": level,
        "weight": None,
    }


REASON_LENGTH = 2000
"""The longest a reviewer's reason may be, in characters."""


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
    if blank(actor):
        raise InvalidInput("a decision needs an actor", details={"field": "actor"})
    check_length("actor", actor)  # as every event's actor (the review event's among them)
    reason = reason.strip()
    if blank(reason):
        raise InvalidInput(
            f"a decision needs a reason ({NOTHING_SHOWN})", details={"field": "reason"}
        )
    if len(reason) > REASON_LENGTH:  # as the API takes it, so the command line is no way round
        raise InvalidInput(
            f"reason: at most {REASON_LENGTH} characters ({len(reason)} given)",
            details={"field": "reason"},
        )
    if not storable(reason):
        raise InvalidInput("reason: not valid text", details={"field": "reason"})
    named = person_id is not None and bool(person_id.strip())
    if (decision is ReviewDecision.LINK) != named or (person_id is not None and not named):
        raise InvalidInput(
            "link names the person; reject and no_case name nobody",
            details={"field": "person_id"},
        )
    # Looked up as intake keys it: the id as the source sent it finds the report.
    source_record_id = normal_record_id(source_record_id)
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
                # the probability the model gave the person linked (none: not a candidate)
                match_probability=dict(stored.candidates).get(person_id),
                counted=counted_moving(tx, person_id, tx.open_cases_of(person_id), stored.report),
                intake_departure_id=new_id(),
            )
        else:
            after = dataclasses.replace(stored, status=Status.UNLINKED)
        owners, recorded = regroup(tx, [(stored, after)], actor=actor, now=now)
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
    departure_id = owners[report_key(stored)]
    return Decided(source, source_record_id, decision, after.status, departure_id, recorded)
