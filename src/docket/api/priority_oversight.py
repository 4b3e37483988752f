"""``/api/priority``: the disparity report, the stop switch and the oversight log of ranking
runs and determinations, through the same services as ``docket priority``. Every request is on
the access log; switching is logged in the switch's own transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from docket.api.deps import (
    MAX_SEQ,
    NAMED,
    QUERY_NUMBER,
    IsoDate,
    JsonBool,
    QueryBool,
    access_entry,
    authorise,
    authorise_refusal,
    current_user,
    docket_of,
    log_in_transaction,
    logged,
    logged_on_failure,
    policy,
)
from docket.api.errors import responses
from docket.api.priority import (
    RUN_ID,
    ExplanationView,
    PolicyName,
    PolicyRef,
    explained,
    load_pack,
)
from docket.audit.access import Outcome
from docket.bootstrap import Docket
from docket.errors import InvalidInput, NotFound
from docket.identity.model import User
from docket.identity.policy import EVERY_OFFICE, NO_RECORD, Action, RecordScope, decide
from docket.priority import disparity, oversight, switch
from docket.priority.service import Determination

router = APIRouter(tags=["priority"])

MAX_PAGE = 500


# -- the disparity report ---------------------------------------------------------------------


class GroupFigures(BaseModel):
    group: str
    cases: int
    categories: dict[str, float] = Field(description="Share of the group's cases per category.")
    priority_share: float
    mean_score: float | None = Field(description="Over the group's cases in a category.")
    median_score: float | None


class DimensionFigures(BaseModel):
    groups: list[GroupFigures]
    suppressed_groups: int = Field(
        description="Groups not shown: those too small, and the next smallest when those come "
        "to fewer than `minimum_group` cases together."
    )


class DisparityOut(BaseModel):
    policy: PolicyRef
    as_of: dt.date
    cases: int
    minimum_group: int = Field(description="Smaller groups are suppressed.")
    dimensions: dict[str, DimensionFigures]


@router.get(
    "/api/priority/disparity",
    response_model=DisparityOut,
    openapi_extra=policy(Action.READ_DISPARITY),
    responses=responses(401, 403, 409),
)
def get_disparity(
    policy_name: Annotated[PolicyName, Query(alias="policy")],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    as_of: Annotated[
        IsoDate | None, Query(description="Default: today; a later day is refused.")
    ] = None,
    allow_rescinded: QueryBool = False,
) -> DisparityOut:
    """Categories and scores of all open cases by a shipped policy across groups (citizenship
    country, sex, age band), aggregates only: a group of fewer than `minimum_group` cases is
    suppressed, and so is the next smallest where the suppressed come to fewer together. The
    group attributes never reach scoring. 409 while prioritisation is switched off."""
    decision = decide(user, Action.READ_DISPARITY, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "priority_disparity", policy_name)
    entry = access_entry(request, docket, user, decision, "priority_disparity", policy_name)
    report = logged(
        docket,
        entry,
        lambda: disparity.disparity(
            store=docket.priority,
            clock=docket.clock,
            pack=load_pack(policy_name),
            as_of=as_of,
            allow_rescinded=allow_rescinded,
        ),
    )
    return DisparityOut.model_validate(report)


# -- the switch -------------------------------------------------------------------------------


class SwitchOut(BaseModel):
    on: bool = Field(description="Prioritisation is on until an admin switches it off.")
    changed_at: dt.datetime | None
    changed_by: str | None
    reason: str


class SwitchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on: JsonBool
    reason: Annotated[
        str,
        Field(min_length=10, max_length=switch.MAX_REASON, pattern=NAMED, description="Why."),
    ]


class SwitchedOut(SwitchOut):
    event_seq: int = Field(description="The `prioritisation_switched` event's place in the log.")


def _switch_view(docket: Docket) -> SwitchOut:
    state = switch.switch_state(store=docket.priority)
    return SwitchOut(
        on=state.on, changed_at=state.changed_at, changed_by=state.changed_by, reason=state.reason
    )


@router.get(
    "/api/priority/switch",
    response_model=SwitchOut,
    openapi_extra=policy(Action.SWITCH_PRIORITISATION),
    responses=responses(401, 403),
)
def get_switch(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> SwitchOut:
    """Whether prioritisation is on, and who last changed it, when and why."""
    authorise(
        request,
        docket,
        user,
        Action.SWITCH_PRIORITISATION,
        record_type="prioritisation",
        record_id="switch",
        scope=NO_RECORD,
    )
    return _switch_view(docket)


@router.put(
    "/api/priority/switch",
    response_model=SwitchedOut,
    openapi_extra=policy(Action.SWITCH_PRIORITISATION),
    responses=responses(401, 403, 409, 413),
)
def put_switch(
    body: SwitchIn,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> SwitchedOut:
    """Switch prioritisation off (no score is then computed, shown or used: ranking,
    explaining, deciding and the disparity report answer 409) or back on, with the reason.
    The change is an event on the hash-chained log, with its access-log entry in the same
    transaction; asking for the state it is already in is 409."""
    decision = decide(user, Action.SWITCH_PRIORITISATION, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "prioritisation", "switch")
    entry = access_entry(
        request, docket, user, decision, "prioritisation", "switch", to="on" if body.on else "off"
    )

    seq = logged_on_failure(
        docket,
        entry,
        lambda: switch.set_switch(
            store=docket.priority,
            clock=docket.clock,
            actor=user.username,
            on=body.on,
            reason=body.reason,
            also=log_in_transaction(entry),
        ),
    )
    return SwitchedOut(**_switch_view(docket).model_dump(), event_seq=seq)


# -- oversight --------------------------------------------------------------------------------


class RunView(BaseModel):
    run_id: str
    ran_at: dt.datetime
    ran_by: str
    purpose: str
    policy_name: str
    policy_version: str
    policy_hash: str
    as_of: dt.date
    rescinded_allowed: bool
    office: str | None = Field(description="null: every office.")
    cases_scored: int
    cases_shown: int
    output_sha256: str = Field(description="SHA-256 of the output as kept (JSON lines).")


class RunsPage(BaseModel):
    runs: list[RunView] = Field(description="Oldest first.")
    next_after: str | None = Field(description="Pass as `after` for the next page.")


_Limit = Annotated[int, Query(ge=1, le=MAX_PAGE), QUERY_NUMBER]


@router.get(
    "/api/priority/runs",
    response_model=RunsPage,
    openapi_extra=policy(Action.READ_PRIORITY_OVERSIGHT),
    responses=responses(401, 403),
)
def get_runs(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    after: Annotated[
        str | None, Query(pattern=RUN_ID, description="Cursor: a run's `run_id`.")
    ] = None,
    limit: _Limit = 100,
) -> RunsPage:
    """The ranking runs kept for oversight, oldest first: who ran which policy (version and
    content hash), when, for what purpose, over which office, and what it scored."""
    decision = decide(user, Action.READ_PRIORITY_OVERSIGHT, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "priority_run", "")

    def read() -> RunsPage:
        runs = oversight.run_records(store=docket.priority)
        start = 0
        if after is not None:
            ids = [run.run_id for run in runs]
            if after not in ids:
                raise InvalidInput(f"no ranking run {after}", details={"field": "after"})
            start = ids.index(after) + 1
        page = runs[start : start + limit]
        return RunsPage(
            runs=[RunView.model_validate(dataclasses.asdict(run)) for run in page],
            next_after=page[-1].run_id if start + limit < len(runs) else None,
        )

    # an unknown cursor is logged with why it failed, not as a read that answered
    entry = access_entry(request, docket, user, decision, "priority_run", "")
    return logged(docket, entry, read)


class DeterminationView(BaseModel):
    seq: int
    case_id: str
    case_ref: str | None = None
    decided_by: str
    decided_at: dt.datetime
    determination: Determination
    reason: str
    rank: int
    category: str | None
    score: int


class RunOversight(BaseModel):
    run: RunView
    facts_used: int = Field(description="Distinct documented facts the run's output rests on.")
    entries: list[ExplanationView] = Field(description="This page of the output, by rank.")
    next_after: int | None = Field(description="Pass as `after` for the next page of entries.")
    determinations: list[DeterminationView] = Field(description="In the order they were made.")


@router.get(
    "/api/priority/runs/{run_id}",
    response_model=RunOversight,
    openapi_extra=policy(Action.READ_PRIORITY_OVERSIGHT),
    responses=responses(401, 403, 404),
)
def get_run(
    run_id: Annotated[str, Path(pattern=RUN_ID)],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="Cursor: a rank."), QUERY_NUMBER] = 0,
    limit: _Limit = 100,
) -> RunOversight:
    """One run as the oversight log keeps it: the run, its output a page at a time (each
    entry with its explanation and facts) and every determination made on it. The output
    names cases and the facts behind them, so the run is a record of its office: a supervisor
    reads their own office's runs, an auditor every run (one over every office included).
    The read is on the access log with the cases the page names."""
    try:
        kept = oversight.run_record(store=docket.priority, run_id=run_id)
    except NotFound:  # refused like a run over every office, else logged as a failed probe
        scope = RecordScope(field_office=EVERY_OFFICE)
        decision = decide(user, Action.READ_PRIORITY_OVERSIGHT, scope)
        if not decision.allowed:
            authorise_refusal(request, docket, user, decision, "priority_run", run_id)
        entry = access_entry(request, docket, user, decision, "priority_run", run_id)
        failed = {**entry.details, "failed": "not_found"}
        docket.access_log.record(
            [dataclasses.replace(entry, outcome=Outcome.REFUSED, details=failed)]
        )
        raise
    office = kept.office or EVERY_OFFICE  # a run over every office is no one's own
    decision = decide(user, Action.READ_PRIORITY_OVERSIGHT, RecordScope(field_office=office))
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "priority_run", run_id)
    page = oversight.run_page(store=docket.priority, run_id=run_id, after=after, limit=limit)
    # the page names cases and their facts: the entry names them, as a ranking's does
    cases = [e["case_ref"] for e in page.entries] + [
        d.get("case_ref") or d["case_id"] for d in page.determinations
    ]
    docket.access_log.record(
        [
            access_entry(
                request,
                docket,
                user,
                decision,
                "priority_run",
                run_id,
                cases=list(dict.fromkeys(cases)),
            )
        ]
    )
    return RunOversight(
        run=RunView.model_validate(page.run),
        facts_used=page.facts_used,
        entries=[explained(e) for e in page.entries],
        next_after=page.entries[-1]["rank"] if page.more else None,
        determinations=[DeterminationView.model_validate(d) for d in page.determinations],
    )
