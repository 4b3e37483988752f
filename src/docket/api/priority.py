"""``/api/priority`` and a case's ``/priority``: the shipped policies, rankings with their
explanations and one case's recommendation, through the same services as ``docket priority``
(a person's determination is in ``priority_decisions``; the disparity report, the switch and
the oversight log in ``priority_oversight``).

A score is a recommendation: it changes no case. A policy is named by its shipped pack only
(the API never reads a file a client names). Every request is on the access log: a change's
entry in the change's own transaction, a refused or failed request's on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, TypeVar, cast

from fastapi import APIRouter, Depends, Query, Request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from docket.api.cases import CaseRef
from docket.api.deps import (
    JSON_NUMBER,
    NAMED,
    TEXT,
    IsoDate,
    JsonBool,
    QueryBool,
    access_entry,
    authorise_refusal,
    current_user,
    decide_on_case,
    docket_of,
    found_or_logged,
    log_in_transaction,
    logged,
    logged_on_failure,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases.model import FactKind
from docket.cases.service import get_case
from docket.identity.model import User
from docket.identity.policy import NO_RECORD, Action, RecordScope, decide
from docket.priority import packs, service
from docket.priority.packs import Pack
from docket.priority.ports import PriorityWrite
from docket.priority.scoring import Explanation

router = APIRouter(tags=["priority"])

MAX_TOP = 1000
RUN_ID = r"^[A-Za-z0-9_-]{1,64}$"

T = TypeVar("T")


# -- policies are named, never given as paths -------------------------------------------------


def _shipped_names() -> list[str]:
    return [path.stem for path in packs.shipped()]


def _shipped(name: str) -> str:
    names = _shipped_names()
    if name not in names:
        raise ValueError(f"not a shipped policy pack (shipped: {', '.join(names)})")
    return name


def _list_shipped(schema: JsonDict) -> None:
    # Worked out when the spec is rendered, not at import time.
    schema["enum"] = cast(Any, _shipped_names())


PolicyName = Annotated[
    str,
    Field(
        max_length=64,
        description="A shipped policy pack, by name (`GET /api/priority/policies`).",
        json_schema_extra=_list_shipped,
    ),
    AfterValidator(_shipped),
]


def load_pack(name: str) -> Pack:
    return packs.load(_shipped(name))


class PolicyRef(BaseModel):
    name: str
    version: str
    content_hash: str = Field(description="SHA-256 of the pack's canonical JSON.")


def _ref(pack: Pack) -> PolicyRef:
    return PolicyRef(name=pack.name, version=pack.version, content_hash=pack.content_hash)


# -- explanations -----------------------------------------------------------------------------


class FactUsed(BaseModel):
    fact_id: str
    kind: FactKind
    on: dt.date
    event_id: str = Field(description="`CASE_ID@VERSION` of the event that recorded it.")
    document_ref: str


class MeasureUsed(BaseModel):
    measure: str
    value: int = Field(description="Whole years.")
    source: str = Field(
        alias="from", description="The fact it was worked out from, or `date_of_birth`."
    )


class ContributionView(BaseModel):
    rule: str = Field(description="`category:id`, `aggravating:id` or `mitigating:id`.")
    label: str
    points: int = Field(description="Signed; a case's contributions sum to its score.")
    facts: list[FactUsed]
    measures: list[MeasureUsed]


class ExplanationView(BaseModel):
    case_ref: str
    rank: int = Field(description="1 is first; 0 for a case scored alone.")
    category: str | None = Field(description="null: in no category, no priority.")
    category_label: str | None
    score: int
    contributions: list[ContributionView]


def explained(explanation: Explanation | dict[str, Any]) -> ExplanationView:
    data = explanation.to_dict() if isinstance(explanation, Explanation) else explanation
    return ExplanationView.model_validate(data)


# -- the shipped policies ---------------------------------------------------------------------


class RuleView(BaseModel):
    key: str
    label: str
    weight: int = Field(description="Signed: a mitigating factor's is negative.")


class PolicyView(BaseModel):
    name: str
    version: str
    title: str
    effective_from: dt.date
    rescinded_on: dt.date | None
    content_hash: str
    rules: list[RuleView]


class PoliciesOut(BaseModel):
    policies: list[PolicyView]


@router.get(
    "/api/priority/policies",
    response_model=PoliciesOut,
    openapi_extra=policy(Action.RANK_CASES),
    responses=responses(401, 403),
)
def get_policies(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> PoliciesOut:
    """The policy packs shipped with Docket, each with its version, dates, content hash and
    rules, for anyone who may rank or explain in their own office."""
    own = RecordScope(field_office=user.field_office) if user.field_office else NO_RECORD
    decision = decide(user, Action.RANK_CASES, own)
    if not decision.allowed:
        decision = decide(user, Action.EXPLAIN_PRIORITY, own)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "priority_policy", "")
    docket.access_log.record([access_entry(request, docket, user, decision, "priority_policy", "")])
    return PoliciesOut(
        policies=[
            PolicyView.model_validate(packs.describe(packs.load(n))) for n in _shipped_names()
        ]
    )


# -- rankings and explanations ----------------------------------------------------------------


class RankingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    policy: PolicyName
    office: Annotated[
        str,
        Field(max_length=16, pattern=NAMED, description="The field office whose cases rank."),
    ]
    top: Annotated[int, Field(ge=1, le=MAX_TOP, description="How many to show."), JSON_NUMBER] = 100
    as_of: IsoDate | None = Field(None, description="Default: today; a later day is refused.")
    allow_rescinded: JsonBool = Field(
        False, description="Apply a rescinded policy anyway (to review past decisions)."
    )
    purpose: Annotated[
        str, Field(max_length=service.MAX_PURPOSE, pattern=TEXT, description="Kept with the run.")
    ] = ""


class RankingOut(BaseModel):
    run_id: str = Field(description="The run as the oversight log keeps it.")
    policy: PolicyRef
    as_of: dt.date
    cases_scored: int
    cases_shown: int
    priorities: int = Field(description="Cases scored that fall in a category.")
    entries: list[ExplanationView] = Field(description="Best first.")


@router.post(
    "/api/priority/rankings",
    status_code=201,
    response_model=RankingOut,
    openapi_extra=policy(Action.RANK_CASES),
    responses=responses(401, 403, 409, 413),
)
def post_ranking(
    body: RankingIn,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> RankingOut:
    """Rank the open cases of an office by a shipped policy: the first `top` with each
    score's explanation (every rule that counted, its points and the documented facts behind
    it). A recommendation: no case changes. The run (policy, content hash, output) is kept for
    oversight, with the access-log entry naming the cases shown, in one transaction. 409 while
    prioritisation is switched off."""
    office = service.ranked_office(body.office)
    decision = decide(user, Action.RANK_CASES, RecordScope(field_office=office))
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "field_office", office)
    entry = access_entry(
        request, docket, user, decision, "field_office", office, policy=body.policy
    )
    shown: list[dict[str, Any]] = []

    def log_access(tx: PriorityWrite) -> None:
        # the entry names the cases shown, known only once the ranking has emitted them
        cases = [e["case_ref"] for e in shown]
        named = dataclasses.replace(entry, details={**entry.details, "cases": cases})
        log_in_transaction(named)(tx)

    def rank() -> service.RunSummary:
        return service.rank(
            store=docket.priority,
            clock=docket.clock,
            actor=user.username,
            pack=load_pack(body.policy),
            emit=lambda entry: shown.append(entry.to_dict()),
            office=office,
            top=body.top,
            as_of=body.as_of,
            allow_rescinded=body.allow_rescinded,
            purpose=body.purpose,
            also=log_access,
        )

    summary = logged_on_failure(docket, entry, rank)
    return RankingOut(
        run_id=summary.run_id,
        policy=_ref(summary.pack),
        as_of=summary.as_of,
        cases_scored=summary.scored,
        cases_shown=summary.shown,
        priorities=summary.priorities,
        entries=[explained(e) for e in shown],
    )


class CaseRecommendation(ExplanationView):
    policy: PolicyRef
    as_of: dt.date


@router.get(
    "/api/cases/{case_ref}/priority",
    response_model=CaseRecommendation,
    openapi_extra=policy(Action.EXPLAIN_PRIORITY),
    responses=responses(401, 403, 404, 409),
)
def get_case_priority(
    case_ref: CaseRef,
    policy_name: Annotated[PolicyName, Query(alias="policy")],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    as_of: Annotated[
        IsoDate | None, Query(description="Default: today; a later day is refused.")
    ] = None,
    allow_rescinded: QueryBool = False,
) -> CaseRecommendation:
    """One open case's recommendation by a shipped policy: its category, its score and every
    rule and documented fact that counted (rank 0: a case scored alone has none). The read is
    on the access log. 409 while prioritisation is switched off."""
    case = found_or_logged(
        request,
        docket,
        user,
        Action.EXPLAIN_PRIORITY,
        ("case", case_ref),
        lambda: get_case(uow=docket.uow, case_ref=case_ref),
    )
    decision = decide_on_case(request, docket, user, Action.EXPLAIN_PRIORITY, case)
    entry = access_entry(request, docket, user, decision, "case", case.case_id, policy=policy_name)
    day = as_of or docket.clock.now().date()

    def explain() -> CaseRecommendation:
        pack = load_pack(policy_name)
        explanation = service.explain(
            store=docket.priority,
            clock=docket.clock,
            case_ref=case.case_ref,
            pack=pack,
            as_of=day,
            allow_rescinded=allow_rescinded,
        )
        return CaseRecommendation(
            **explained(explanation).model_dump(by_alias=True), policy=_ref(pack), as_of=day
        )

    return logged(docket, entry, explain)
