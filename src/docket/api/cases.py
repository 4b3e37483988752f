"""``/api/cases``: a case with its timeline, for those the policy table lets read it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from docket.api.deps import authorise, current_user, docket_of, policy
from docket.bootstrap import Docket
from docket.cases import snapshot
from docket.cases.service import show_case
from docket.identity.model import User
from docket.identity.policy import Action, RecordScope

router = APIRouter(prefix="/api/cases", tags=["cases"])

CaseRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


@router.get("/{case_ref}", openapi_extra=policy(Action.READ_CASE))
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
