"""``/api/persons``: a person's record, for those the policy table lets read it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response

from docket.api.deps import (
    PERSON_ID,
    access_entry,
    authorise_refusal,
    clients,
    current_user,
    docket_of,
    found_or_logged,
    json_answer,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases import snapshot
from docket.cases.service import no_person, show_person
from docket.identity.model import User
from docket.identity.policy import Action, RecordScope, decide_any

router = APIRouter(prefix="/api/persons", tags=["persons"])


@router.get(
    "/{person_id}",
    response_model=dict[str, Any],
    openapi_extra=policy(Action.READ_PERSON),
    responses=responses(401, 403, 404),
)
def get_person(
    person_id: Annotated[str, Path(min_length=1, max_length=64, pattern=PERSON_ID)],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    """The person's record and their cases. Staff may read it when one of the person's cases
    is in an office they may see; the read is on the access log, refused ones too."""
    view = found_or_logged(
        request,
        docket,
        user,
        Action.READ_PERSON,
        ("person", person_id),
        lambda: show_person(uow=docket.uow, person_id=person_id),
    )
    offices = sorted({office for _, office in view.cases}) or [""]
    scopes = [RecordScope(field_office=office, person_id=person_id) for office in offices]
    decision = decide_any(user, Action.READ_PERSON, scopes, clients=clients(docket, user))
    if not decision.allowed:
        authorise_refusal(
            request, docket, user, decision, "person", person_id, unrelated=no_person(person_id)
        )
    docket.access_log.record([access_entry(request, docket, user, decision, "person", person_id)])
    return json_answer(
        {
            "person": snapshot.person_to_dict(view.person),
            "cases": [{"case_ref": ref, "field_office": office} for ref, office in view.cases],
        }
    )
