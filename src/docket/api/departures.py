"""``/api/departure-reports`` and ``/api/metrics/departures``: departure intake and the live
exit metrics, through the same service as the CSV import and the NATS listener."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from docket.api.deps import (
    NAMED,
    TEXT,
    IsoDate,
    access_entry,
    authorise_refusal,
    current_user,
    docket_of,
    log_in_transaction,
    logged,
    logged_on_failure,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases.persons import A_NUMBER_PATTERN
from docket.departures.metrics import metrics
from docket.departures.model import Parsed, Source, Status, parse_report, refuse_future
from docket.departures.service import IntakeSummary, Outcome, accept_reports
from docket.errors import InvalidInput
from docket.identity.model import User
from docket.identity.policy import NO_RECORD, Action, decide

router = APIRouter(tags=["departures"])

MAX_BATCH = 1000

_Text = Annotated[str, Field(max_length=200, pattern=TEXT)]


class ReportIn(BaseModel):
    """One departure report. At least one name is required; dates are YYYY-MM-DD. An
    unreadable ``date_of_birth`` is missing for linkage, with a warning; its text is still
    part of the report's content (the same record id with another text is a conflict). An
    unknown field is ignored, with a warning (as an unknown CSV column is)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "anyOf": [
                {"required": ["given_name"], "properties": {"given_name": {"pattern": NAMED}}},
                {"required": ["family_name"], "properties": {"family_name": {"pattern": NAMED}}},
            ]
        },
    )

    source: Source
    source_record_id: Annotated[str, Field(max_length=200, pattern=NAMED)]
    departed_on: IsoDate
    given_name: _Text = ""
    family_name: _Text = ""
    date_of_birth: _Text = ""
    sex: _Text = ""
    citizenship: _Text = ""
    a_number: Annotated[str, Field(pattern=A_NUMBER_PATTERN)] = ""
    document_number: _Text = ""
    address_line: Annotated[str, Field(max_length=500, pattern=TEXT)] = ""
    city: _Text = ""
    postcode: _Text = ""
    state: _Text = ""
    port: _Text = ""
    destination_country: _Text = ""

    @model_validator(mode="after")
    def _named(self) -> ReportIn:
        if not (self.given_name.strip() or self.family_name.strip()):
            raise ValueError("at least one of given_name and family_name is required")
        return self


class ReportsIn(BaseModel):
    reports: list[ReportIn] = Field(min_length=1, max_length=MAX_BATCH)


class ReportResult(BaseModel):
    source: Source
    source_record_id: str
    outcome: Outcome = Field(description="accepted, or duplicate (recorded before, same content)")
    status: Status | None
    departure_id: str
    case_events: list[str] = Field(description="`case_ref:event_kind` recorded on cases.")
    warnings: list[str]


class ReportsOut(BaseModel):
    accepted: int
    duplicates: int
    results: list[ReportResult]


@router.post(
    "/api/departure-reports",
    status_code=201,
    response_model=ReportsOut,
    openapi_extra=policy(Action.RECORD_DEPARTURE_REPORT),
    responses=responses(401, 403, 409, 413),
)
def post_reports(
    body: ReportsIn,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> ReportsOut:
    """Take one or more departure reports, all or none: each is idempotent by (source,
    source_record_id), so a retry records nothing twice; the same key with different content
    refuses the batch (422). A record-based source confirms a departure, which is recorded
    on the person's open cases; a self-report alone leaves it unconfirmed."""
    decision = decide(user, Action.RECORD_DEPARTURE_REPORT, NO_RECORD)
    keys = ",".join(f"{r.source.value}/{r.source_record_id}" for r in body.reports[:20])
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "departure_report", keys[:64])
    entry = access_entry(
        request,
        docket,
        user,
        decision,
        "departure_report",
        keys[:64],
        reports=str(len(body.reports)),
    )

    def take() -> IntakeSummary:
        # The request schema holds the rules of parse_report that a JSON schema can say; the
        # others (a departure before EARLIEST_DEPARTURE) refuse the batch here, a 422 from the
        # domain like any other, before anything is written, and on the access log as well.
        parsed = [_checked(index, item, docket) for index, item in enumerate(body.reports)]
        return accept_reports(
            store=docket.departures,
            clock=docket.clock,
            actor=user.username,
            reports=parsed,
            also=log_in_transaction(entry),
        )

    summary = logged_on_failure(docket, entry, take)
    return ReportsOut(
        accepted=summary.accepted,
        duplicates=summary.duplicates,
        results=[
            ReportResult(
                source=Source(r.source),
                source_record_id=r.source_record_id,
                outcome=r.outcome,
                status=r.status,
                departure_id=r.departure_id,
                case_events=list(r.case_events),
                warnings=list(r.warnings),
            )
            for r in summary.results
        ],
    )


def _checked(index: int, item: ReportIn, docket: Docket) -> Parsed:
    """``item`` read as the intake reads it, or :class:`InvalidInput` naming the report of the
    batch it refuses (its place, as the request schema's errors give it, and its key): the
    field and reason alone leave a batch of a thousand reports to be searched by hand."""
    try:
        parsed = _parsed(item)
        refuse_future(parsed.report, docket.clock.now())
    except InvalidInput as refused:
        key = f"{item.source.value}/{item.source_record_id.strip()}"
        raise InvalidInput(
            f"reports[{index}] ({key}): {refused}",
            details={
                **refused.details,
                "report": f"body.reports.{index}",
                "source": item.source.value,
                "source_record_id": item.source_record_id.strip(),
            },
        ) from None
    return parsed


def _parsed(item: ReportIn) -> Parsed:
    unknown = sorted(item.model_extra or {})
    parsed = parse_report(
        item.source.value,
        {
            **item.model_dump(exclude={"source", *unknown}),
            "departed_on": item.departed_on.isoformat(),
        },
    )
    if not unknown:
        return parsed
    warning = f"fields ignored (unknown): {', '.join(unknown)}"
    return dataclasses.replace(parsed, warnings=(*parsed.warnings, warning))


@router.get(
    "/api/metrics/departures",
    openapi_extra=policy(Action.READ_AGGREGATES),
    responses=responses(401, 403),
)
def get_metrics(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    first: Annotated[
        IsoDate | None, Query(alias="from", description="First departure day counted.")
    ] = None,
    last: Annotated[
        IsoDate | None, Query(alias="to", description="Last departure day counted.")
    ] = None,
) -> dict[str, Any]:
    """The live exit metrics (current within a second of a report being accepted): unique
    departures by day, ISO week and month; by source, port, destination country and
    programme; voluntary-departure compliance; reports received against unique departures;
    the review backlog. Aggregates only: no person's record."""
    decision = decide(user, Action.READ_AGGREGATES, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "metrics", "departures")
    entry = access_entry(request, docket, user, decision, "metrics", "departures")
    return logged(  # a span that cannot be counted (from after to) is logged as failed
        docket,
        entry,
        lambda: metrics(
            store=docket.departures, clock=docket.clock, first_day=first, last_day=last
        ).to_dict(),
    )
