"""``POST /api/cases/{case_ref}/priority-determination``: a person's determination on a case's
recommendation (accept it, or override it with a written reason), an event on the case, through
the same service as ``docket priority decide``. Its access-log entry is in the same
transaction; a retry with the same ``Idempotency-Key`` records nothing.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from docket.api.cases import CaseRef
from docket.api.deps import (
    NAMED,
    TEXT,
    IdempotencyKey,
    access_entry,
    current_user,
    decide_on_case,
    docket_of,
    found_or_logged,
    log_in_transaction,
    logged_on_failure,
    policy,
    replayed,
)
from docket.api.errors import responses
from docket.api.priority import RUN_ID
from docket.bootstrap import Docket
from docket.cases.service import get_case
from docket.identity.model import User
from docket.identity.policy import EVERY_OFFICE, Action, RecordScope, decide
from docket.priority import service, switch
from docket.priority.ports import RunRecord
from docket.priority.service import Determination

router = APIRouter(tags=["priority"])

_RunId = Annotated[
    str | None,
    Field(pattern=RUN_ID, description="The run whose recommendation (default: the latest)."),
]


class AcceptIn(BaseModel):
    """Accept the recommendation (a reason is optional)."""

    model_config = ConfigDict(extra="forbid")

    # plain text, not the enum: a refusal then names the tags as a client writes them
    determination: Literal["accept"]
    reason: Annotated[str, Field(max_length=switch.MAX_REASON, pattern=TEXT)] = ""
    run_id: _RunId = None


class OverrideIn(BaseModel):
    """Override the recommendation, with a written reason (at least 10 characters)."""

    model_config = ConfigDict(extra="forbid")

    determination: Literal["override"]
    reason: Annotated[str, Field(min_length=10, max_length=switch.MAX_REASON, pattern=NAMED)]
    run_id: _RunId = None


DeterminationIn = Annotated[AcceptIn | OverrideIn, Field(discriminator="determination")]


class DeterminationOut(BaseModel):
    case_ref: str
    determination: Determination
    run_id: str = Field(description="The ranking run whose recommendation was decided on.")
    event_seq: int = Field(description="The `priority_determined` event's place in the log.")
    replayed: bool = Field(description="True when this answers a retry of an earlier request.")


@router.post(
    "/api/cases/{case_ref}/priority-determination",
    status_code=201,
    response_model=DeterminationOut,
    openapi_extra=policy(Action.DECIDE_PRIORITY),
    responses=responses(401, 403, 404, 409, 413),
)
def post_determination(
    case_ref: CaseRef,
    body: Annotated[DeterminationIn, Body()],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    idempotency_key: IdempotencyKey,
) -> DeterminationOut:
    """A person's determination on the case's recommendation in a run (the latest run that
    ranked it unless `run_id` says which): `accept` it, or `override` it with a reason. It is
    an event on the case (`priority_determined`) and changes nothing else; its access-log
    entry is in the same transaction. `Idempotency-Key` is required: a retry with the same key
    and body answers with the first result and records nothing; the same key with another body
    is 422. Only a run the decider may read on the oversight log is decided on (for a
    supervisor, a run over their own office): another run named is 403. 404 if no such run
    ranked the case; 409 while prioritisation is switched off or once the case is no longer
    open (closed or removed)."""
    case = found_or_logged(
        request,
        docket,
        user,
        Action.DECIDE_PRIORITY,
        ("case", case_ref),
        lambda: get_case(uow=docket.uow, case_ref=case_ref),
    )
    decision = decide_on_case(request, docket, user, Action.DECIDE_PRIORITY, case)
    entry = access_entry(
        request,
        docket,
        user,
        decision,
        "case",
        case.case_id,
        determination=body.determination,
    )

    def readable(run: RunRecord) -> bool:  # a recommendation the decider could not see
        scope = RecordScope(field_office=run.office or EVERY_OFFICE)
        return decide(user, Action.READ_PRIORITY_OVERSIGHT, scope).allowed

    decided = logged_on_failure(
        docket,
        entry,
        lambda: service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor=user.username,
            case_ref=case.case_ref,
            determination=Determination(body.determination),
            reason=body.reason,
            run_id=body.run_id,
            idempotency_key=idempotency_key,
            also=log_in_transaction(entry),
            readable=readable,
            also_on_replay=log_in_transaction(replayed(entry)),
        ),
    )
    return DeterminationOut(
        case_ref=decided.case_ref,
        determination=decided.determination,
        run_id=decided.run_id,
        event_seq=decided.seq,
        replayed=decided.replayed,
    )
