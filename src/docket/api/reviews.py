"""``/api/departure-reviews``: the departure reports the linkage model was unsure of, with
their candidates field by field, and a reviewer's decision on each, through the same service as
``docket departures review``."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from docket.api.deps import (
    NAMED,
    PERSON_ID,
    QUERY_NUMBER,
    access_entry,
    authorise_refusal,
    current_user,
    docket_of,
    log_in_transaction,
    logged_on_failure,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.departures.model import ReviewDecision, Source, Status
from docket.departures.review import decide_review, review_queue
from docket.identity.model import User
from docket.identity.policy import NO_RECORD, Action, decide

router = APIRouter(prefix="/api/departure-reviews", tags=["departures"])

MAX_QUEUE = 1000


_Reason = Annotated[
    str,
    Field(max_length=2000, pattern=NAMED, description="Why; kept with the decision for good."),
]


class FieldComparison(BaseModel):
    field: str
    report: str | None = Field(description="The report's value as compared (normalised).")
    person: str | None = Field(description="The candidate's value as compared (normalised).")
    level: str = Field(description="How far they agree: `exact`, `missing`, `different`, ...")
    weight: float | None = Field(
        description="The match weight (bits) this level adds; null for a field the model does "
        "not weigh (`a_number`), or when no model has been trained."
    )


class CandidateView(BaseModel):
    person_id: str
    probability: float
    fields: list[FieldComparison]


class PendingView(BaseModel):
    source: Source
    source_record_id: str
    received_at: dt.datetime
    report: dict[str, str] = Field(description="The report's fields, as received.")
    candidates: list[CandidateView] = Field(description="Best first.")


class ReviewQueue(BaseModel):
    items: list[PendingView] = Field(description="Oldest first.")


@router.get(
    "",
    response_model=ReviewQueue,
    openapi_extra=policy(Action.READ_DEPARTURE_REVIEW),
    responses=responses(401, 403),
)
def get_review_queue(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    limit: Annotated[int, Query(ge=1, le=MAX_QUEUE), QUERY_NUMBER] = 50,
) -> ReviewQueue:
    """Reports in review, oldest first, each with its candidates and, field by field, both
    values, the level they agree at and the weight it adds. The read is on the access log,
    one entry naming the candidate persons shown."""
    decision = decide(user, Action.READ_DEPARTURE_REVIEW, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "departure_review", "")
    queue = review_queue(store=docket.departures, limit=limit)
    shown = list(dict.fromkeys(c["person_id"] for item in queue for c in item.candidates))
    entry = access_entry(
        request, docket, user, decision, "departure_review", "", reports=str(len(queue))
    )
    docket.access_log.record(
        [dataclasses.replace(entry, details={**entry.details, "persons": shown})]
    )
    return ReviewQueue(
        items=[
            PendingView(
                source=item.report.source,
                source_record_id=item.report.source_record_id,
                received_at=item.received_at,
                report=item.report.content(),
                candidates=[
                    CandidateView(
                        person_id=c["person_id"],
                        probability=c["probability"],
                        fields=[FieldComparison(**row) for row in c["fields"]],
                    )
                    for c in item.candidates
                ],
            )
            for item in queue
        ]
    )


class LinkIn(BaseModel):
    """The report is this person's."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal[ReviewDecision.LINK]
    reason: _Reason
    person_id: str = Field(min_length=1, max_length=64, pattern=PERSON_ID)


class UnlinkIn(BaseModel):
    """``reject``: none of the candidates, it stays unlinked; ``no_case``: the traveller has no
    case here, it stays unlinked, counted under no case. Neither names a person."""

    model_config = ConfigDict(extra="forbid")

    decision: Literal[ReviewDecision.REJECT, ReviewDecision.NO_CASE]
    reason: _Reason


DecisionIn = Annotated[LinkIn | UnlinkIn, Field(discriminator="decision")]


class DecisionOut(BaseModel):
    source: Source
    source_record_id: str
    decision: ReviewDecision
    status: Status = Field(description="Where the report stands now: linked or unlinked.")
    departure_id: str
    case_events: list[str] = Field(description="`case_ref:event_kind` recorded on cases.")


@router.post(
    # ``path``: a source's record id may hold a slash.
    "/{source}/{source_record_id:path}/decision",
    status_code=201,
    response_model=DecisionOut,
    openapi_extra=policy(Action.DECIDE_DEPARTURE_REVIEW),
    responses=responses(401, 403, 404, 409, 413),
)
def post_decision(
    source: Source,
    source_record_id: Annotated[str, Path(max_length=200, pattern=NAMED)],
    body: Annotated[DecisionIn, Body()],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> DecisionOut:
    """Decide on a report in review, with a reason: `link` it to `person_id`, `reject` the
    candidates, or `no_case`. The decision is kept for good and taken once: a report no
    longer in review is 409. A link moves the report's departure to the person and, if that
    confirms it, records it on their open cases (in the same transaction as the decision and
    its access-log entry)."""
    key = f"{source.value}/{source_record_id}"
    decision = decide(user, Action.DECIDE_DEPARTURE_REVIEW, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "departure_report", key[:64])
    named = {"person_id": body.person_id} if isinstance(body, LinkIn) else {}
    entry = access_entry(
        request,
        docket,
        user,
        decision,
        "departure_report",
        key[:64],
        review_decision=body.decision.value,
        **named,
    )

    decided = logged_on_failure(
        docket,
        entry,
        lambda: decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor=user.username,
            source=source.value,
            source_record_id=source_record_id,
            decision=body.decision,
            reason=body.reason,
            person_id=body.person_id if isinstance(body, LinkIn) else None,
            also=log_in_transaction(entry),
        ),
    )
    return DecisionOut(
        source=Source(decided.source),
        source_record_id=decided.source_record_id,
        decision=decided.decision,
        status=decided.status,
        departure_id=decided.departure_id,
        case_events=list(decided.case_events),
    )
