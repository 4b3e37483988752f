"""``POST /api/cases/{case_ref}/events/{kind}``: one route per kind of lifecycle event, each with
a request body made from the lifecycle table's fields for that kind.

``Idempotency-Key`` is required: a retry with the same key and body answers with the first
result and records nothing; the same key with another body is 422. ``If-Match`` carries the case
version the client read: a stale one is 412. The access is logged in the same transaction as
the event, or on its own when it is refused or the case does not exist.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from pydantic_core import PydanticCustomError

from docket.api.cases import CaseRef
from docket.api.deps import (
    JSON_NUMBER,
    TEXT,
    IdempotencyKey,
    IsoDate,
    JsonBool,
    access_entry,
    current_user,
    decide_on_case,
    docket_of,
    found_or_logged,
    json_answer,
    log_in_transaction,
    logged_on_failure,
    policy,
    replayed,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.fields import MAX_NUMBER, FieldSpec, FieldType
from docket.cases.model import Case
from docket.cases.service import RecordResult, get_case, record_event
from docket.cases.table import TABLE
from docket.errors import VersionConflict
from docket.identity.model import User
from docket.identity.policy import Action, action_for

router = APIRouter(prefix="/api/cases")


class CommandResult(BaseModel):
    case_ref: str
    version: int
    state: str
    event_seqs: list[int]
    replayed: bool = Field(description="True when this answers a retry of an earlier request.")


def _field_type(spec: FieldSpec) -> Any:
    if spec.type is FieldType.DATE:
        kind: Any = IsoDate
    # Only their JSON types, as the dates are: in lax mode `true` would be taken as a
    # sentence of 1 month, and "yes", "on" or 1 as a yes.
    elif spec.type is FieldType.BOOL:
        kind = JsonBool
    elif spec.type is FieldType.CHOICE:
        kind = Literal[spec.choices]
    elif spec.type is FieldType.NUMBER:
        kind = Annotated[int, Field(ge=0, le=MAX_NUMBER), JSON_NUMBER]
    else:
        kind = Annotated[str, Field(min_length=1, max_length=2000, pattern=TEXT)]
    return kind if spec.required else kind | None


def request_model(kind: EventKind) -> type[BaseModel]:
    """The request body of ``kind``: its document, its date, and the table's fields."""
    fields: dict[str, Any] = {
        "document_ref": (
            str,
            Field(
                min_length=1,
                max_length=500,
                pattern=TEXT,
                description="Source document reference.",
            ),
        ),
        "occurred_on": (IsoDate | None, Field(None, description="Default: today.")),
    }
    for spec in TABLE[kind].fields:
        default = ... if spec.required else None
        fields[spec.name] = (_field_type(spec), Field(default, description=spec.help))
    name = "".join(part.title() for part in kind.value.split("_")) + "Request"
    model = create_model(name, __config__=ConfigDict(extra="forbid"), **fields)
    return cast(type[BaseModel], model)


IF_MATCH = r'^(W/)?"[0-9]+"$'
"""What ``If-Match`` takes: one entity tag (RFC 9110, 8.8.3) of the form a case's ``ETag``
has. A weak one is taken, and never matches (:func:`_version`)."""

_ENTITY_TAG = re.compile(IF_MATCH)


def _entity_tag(value: object) -> object:
    # Before the pattern, which says the same, so that the answer says what is wrong.
    if not isinstance(value, str) or _ENTITY_TAG.fullmatch(value):
        return value
    if value.strip() == "*":  # "any version": a command carries the one its writer read
        wrong = "* is not taken: a version is required"
    elif "," in value:
        wrong = "one version, not a list"
    else:
        wrong = "not an entity tag"
    raise PydanticCustomError(
        "if_match",
        'If-Match: {wrong}; send the case version you read (its ETag) in quotes, e.g. "3"',
        {"wrong": wrong},
    )


def _version(if_match: str, case: Case) -> int:
    """The case version ``if_match`` names (the header's pattern held); :class:`VersionConflict`
    if it names none: If-Match compares strongly (RFC 9110, 13.1.1), so a weak tag matches no
    ``ETag``, nor does ``"01"``, the tag of no version, ``"1"`` being version 1's."""
    weak = if_match.startswith("W/")
    digits = if_match.removeprefix("W/").strip('"')
    if weak or digits != str(int(digits)):
        raise VersionConflict(
            f"case {case.case_ref} is at version {case.version}; If-Match: {if_match} matches"
            f' no version (send its ETag as given, e.g. "{case.version}")',
            details={"case_ref": case.case_ref, "version": case.version},
        )
    return int(digits)


def _endpoint(kind: EventKind, model: type[BaseModel]) -> Callable[..., Response]:
    def endpoint(**arguments: Any) -> Response:
        request: Request = arguments["request"]
        docket: Docket = arguments["docket"]
        user: User = arguments["user"]
        body: BaseModel = arguments["body"]
        case_ref: str = arguments["case_ref"]
        case = found_or_logged(  # a probe for cases leaves a trace, as a read's does
            request,
            docket,
            user,
            action_for(kind),
            ("case", case_ref),
            lambda: get_case(uow=docket.uow, case_ref=case_ref),
        )
        decision = decide_on_case(request, docket, user, action_for(kind), case)
        entry = access_entry(
            request, docket, user, decision, "case", case.case_id, event=kind.value
        )

        values = body.model_dump(exclude={"document_ref", "occurred_on"}, exclude_none=True)

        def change() -> RecordResult:
            return record_event(
                uow=docket.uow,
                clock=docket.clock,
                case_ref=case.case_ref,
                kind=kind,
                fields=values,
                actor=user.username,
                document_ref=body.document_ref,  # type: ignore[attr-defined]
                occurred_on=body.occurred_on,  # type: ignore[attr-defined]
                expected_version=_version(arguments["if_match"], case),
                idempotency_key=arguments["idempotency_key"],
                also=log_in_transaction(entry),
                also_on_replay=log_in_transaction(replayed(entry)),
            )

        result = logged_on_failure(docket, entry, change)
        answer = {  # a CommandResult
            "case_ref": result.case_ref,
            "version": result.version,
            "state": result.state,
            "event_seqs": list(result.event_seqs),
            "replayed": result.replayed,
        }
        return json_answer(answer, status_code=201, version=result.version)

    parameter = inspect.Parameter
    keyword = parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            parameter("case_ref", keyword, annotation=CaseRef),
            parameter("body", keyword, annotation=model),
            parameter("request", keyword, annotation=Request),
            parameter("docket", keyword, annotation=Annotated[Docket, Depends(docket_of)]),
            parameter("user", keyword, annotation=Annotated[User, Depends(current_user)]),
            parameter(
                "idempotency_key",
                keyword,
                annotation=IdempotencyKey,
            ),
            parameter(
                "if_match",
                keyword,
                annotation=Annotated[
                    str,
                    Header(
                        alias="If-Match",
                        max_length=24,
                        pattern=IF_MATCH,
                        description=(
                            'The case version you read: its ETag, e.g. "3". A weak tag'
                            ' (W/"3") never matches (412); `*` or a list is refused (422).'
                        ),
                    ),
                    BeforeValidator(_entity_tag),
                ],
            ),
        ]
    )
    return endpoint


_TAGS = {Action.RECORD_BAR: "bars", Action.RECORD_CUSTODY: "custody"}
"""Bars and custody are placed and changed by their own events; the spec groups them so."""

for _kind, _move in TABLE.items():  # creation events are not moves, so not in the table
    _model = request_model(_kind)
    router.add_api_route(
        f"/{{case_ref}}/events/{_kind.value}",
        _endpoint(_kind, _model),
        methods=["POST"],
        status_code=201,
        response_model=CommandResult,
        summary=_move.summary,
        description=f"Legal basis: {_move.legal_basis}",
        operation_id=f"record_{_kind.value}",
        openapi_extra=policy(action_for(_kind)),
        tags=[_TAGS.get(action_for(_kind), "commands")],
        responses=responses(401, 403, 404, 409, 412, 413),
    )
