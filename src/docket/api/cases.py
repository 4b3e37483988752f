"""``/api/cases``: a case with its timeline, for those the policy table lets read it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from docket.api.deps import TEXT, authorise, current_user, docket_of, policy
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases import snapshot
from docket.cases.model import BarKind, CaseState
from docket.cases.ports import CaseFilter
from docket.cases.service import list_cases, show_case
from docket.identity.model import User
from docket.identity.policy import Action, RecordScope

router = APIRouter(prefix="/api/cases", tags=["cases"])

MAX_PAGE = 200


class CasePage(BaseModel):
    items: list[dict[str, Any]]
    next_after: str | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


@router.get(
    "",
    response_model=CasePage,
    openapi_extra=policy(Action.LIST_CASES),
    responses=responses(401, 403),
)
def list_cases_route(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    office: Annotated[
        str | None, Query(max_length=16, pattern=TEXT, description="Default: yours.")
    ] = None,
    state: CaseState | None = None,
    bar: BarKind | None = None,
    deadline_before: dt.date | None = None,
    after: Annotated[
        str | None, Query(max_length=64, pattern=TEXT, description="Cursor: a case_ref.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> CasePage:
    """Cases of one field office (yours unless you name another your role may see), by
    reference, a page at a time. The listing is on the access log."""
    office = (office or user.field_office or "").strip().upper() or None
    authorise(
        request,
        docket,
        user,
        Action.LIST_CASES,
        record_type="field_office",
        record_id=office or "",
        scope=RecordScope(field_office=office or ""),
    )
    cases = list_cases(
        uow=docket.uow,
        case_filter=CaseFilter(
            state=state,
            field_office=office,
            bar=bar,
            deadline_before=deadline_before,
            after_case_ref=after,
            limit=limit + 1,
        ),
    )
    page = cases[:limit]
    return CasePage(
        items=[snapshot.case_to_dict(case) for case in page],
        next_after=page[-1].case_ref if len(cases) > limit else None,
    )


CaseRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


@router.get(
    "/{case_ref}", openapi_extra=policy(Action.READ_CASE), responses=responses(401, 403, 404)
)
def get_case(
    case_ref: CaseRef,
    request: Request,
    response: Response,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> dict[str, Any]:
    """The case, its person's id and its timeline of events. Every read is on the access log,
    refused ones too."""
    view = show_case(uow=docket.uow, case_ref=case_ref)
    case = view.case
    authorise(
        request,
        docket,
        user,
        Action.READ_CASE,
        record_type="case",
        record_id=case.case_id,
        scope=RecordScope(field_office=case.field_office, person_id=case.person_id),
    )
    response.headers["ETag"] = f'"{case.version}"'  # send it back as If-Match to change the case
    return {
        "case": snapshot.case_to_dict(case),
        "timeline": [
            {
                "seq": event.seq,
                "kind": event.kind.value,
                "occurred_on": event.occurred_on.isoformat(),
                "recorded_at": event.recorded_at.isoformat(),
                "actor": event.actor,
                "legal_basis": event.legal_basis,
                "document_ref": event.document_ref,
            }
            for event in view.events
        ],
    }
