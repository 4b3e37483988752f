"""``/api/users``: admins add users, disable them and change their roles.

Each request is on the access log once, as a command's is: a refusal as ``manage_users``
refused; a change by the entry the change records in its own transaction (``user_added``,
``user_disabled``, ...), with the request's purpose; a change that fails (no such user, a
username taken, a role the user cannot have) as ``manage_users`` with why it failed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from docket.api.deps import (
    PERSON_ID,
    TEXT,
    access_entry,
    authorise_refusal,
    current_user,
    docket_of,
    logged_on_failure,
    policy,
)
from docket.api.errors import responses
from docket.audit.access import AccessEntry
from docket.bootstrap import Docket
from docket.identity.model import Role, User
from docket.identity.policy import NO_RECORD, Action, decide
from docket.identity.service import (
    NewUser,
    add_user,
    disable_user,
    link_client,
    reset_credentials,
    set_role,
    unlink_client,
)

router = APIRouter(prefix="/api/users", tags=["users"])

_UNKNOWN_REFUSED = ConfigDict(extra="forbid")
"""A field a user request does not take is a 422 naming it: ignored, a misspelt one would go
unseen (``office`` for ``field_office``: the user would stay in their old office, and the
answer would be 200)."""

Username = Annotated[str, Path(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


class NewUserRequest(BaseModel):
    model_config = _UNKNOWN_REFUSED

    username: str = Field(min_length=2, max_length=64, pattern=TEXT)
    role: Role
    field_office: str | None = Field(
        default=None, max_length=16, pattern=TEXT, description="Staff roles only, and required."
    )
    person_id: str | None = Field(
        default=None, max_length=64, pattern=TEXT, description="Subjects only, and required."
    )


class RoleRequest(BaseModel):
    model_config = _UNKNOWN_REFUSED

    role: Role
    field_office: str | None = Field(
        default=None,
        max_length=16,
        pattern=TEXT,
        description="Staff roles only; default: the current one.",
    )


class ClientRequest(BaseModel):
    model_config = _UNKNOWN_REFUSED

    person_id: str = Field(min_length=1, max_length=64, pattern=PERSON_ID)
    document_ref: str = Field(
        min_length=1,
        max_length=500,
        pattern=TEXT,
        description="The notice of appearance: Form G-28 or EOIR-28.",
    )


class ClientView(BaseModel):
    username: str
    person_id: str
    document_ref: str
    since: dt.datetime


class UserView(BaseModel):
    username: str
    role: Role
    field_office: str | None
    disabled: bool


class NewUserView(UserView):
    password: str = Field(description="Shown once; hand it to the user.")
    totp_uri: str | None = Field(description="Staff: for their authenticator app; shown once.")


def _view(user: User) -> UserView:
    return UserView(
        username=user.username,
        role=user.role,
        field_office=user.field_office,
        disabled=user.disabled,
    )


def _shown_once(made: NewUser) -> NewUserView:
    return NewUserView(
        **_view(made.user).model_dump(), password=made.password, totp_uri=made.totp_uri
    )


def _admin(
    request: Request, docket: Docket, user: User, record_id: str
) -> tuple[AccessEntry, dict[str, Any]]:
    """Authorise the admin (a refusal is logged and raised), then: the request's entry, for
    the log only if the change fails (the change records its own), and who, where from and
    why the change is recorded as."""
    decision = decide(user, Action.MANAGE_USERS, NO_RECORD)
    if not decision.allowed:
        authorise_refusal(request, docket, user, decision, "user", record_id)
    entry = access_entry(request, docket, user, decision, "user", record_id)
    by = {
        "users": docket.users,
        "clock": docket.clock,
        "actor": user.username,
        "source": entry.source,
        "purpose": entry.purpose,
    }
    return entry, by


_ADMIN = policy(Action.MANAGE_USERS)


@router.post(
    "",
    status_code=201,
    response_model=NewUserView,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 409, 413),
)
def create_user(
    body: NewUserRequest,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> NewUserView:
    """Add a user with a random password (and, for staff, a one-time-code secret)."""
    entry, by = _admin(request, docket, admin, body.username)
    made = logged_on_failure(
        docket,
        entry,
        lambda: add_user(
            **by,
            username=body.username,
            role=body.role,
            field_office=body.field_office,
            person_id=body.person_id,
            cases=docket.uow,
        ),
    )
    return _shown_once(made)


@router.post(
    "/{username}/disable",
    response_model=UserView,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 404, 409),
)
def disable(
    username: Username,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> UserView:
    """Disable a user; their sessions end on their next request. The last admin not disabled
    is not (409): add another first."""
    entry, by = _admin(request, docket, admin, username)
    return _view(logged_on_failure(docket, entry, lambda: disable_user(**by, username=username)))


@router.post(
    "/{username}/credentials",
    response_model=NewUserView,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 404),
)
def reset(
    username: Username,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> NewUserView:
    """Give a user a new random password and, for staff, a new one-time-code secret, each
    shown once (a forgotten password, a lost authenticator). Their sessions end on their next
    request; a lockout ends now."""
    entry, by = _admin(request, docket, admin, username)
    made = logged_on_failure(docket, entry, lambda: reset_credentials(**by, username=username))
    return _shown_once(made)


@router.put(
    "/{username}/role",
    response_model=UserView,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 404, 409, 413),
)
def change_role(
    username: Username,
    body: RoleRequest,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> UserView:
    """Give a user a new role (and office); their sessions end on their next request. The last
    admin not disabled keeps theirs (409): add another first."""
    entry, by = _admin(request, docket, admin, username)
    changed = logged_on_failure(
        docket,
        entry,
        lambda: set_role(**by, username=username, role=body.role, field_office=body.field_office),
    )
    return _view(changed)


@router.post(
    "/{username}/clients",
    status_code=201,
    response_model=ClientView,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 404, 409, 413),
)
def add_client(
    username: Username,
    body: ClientRequest,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> ClientView:
    """Counsel USERNAME represents the person (on their notice of appearance): from their next
    request they may read that person's record and cases."""
    entry, by = _admin(request, docket, admin, username)
    client = logged_on_failure(
        docket,
        entry,
        lambda: link_client(
            **by,
            cases=docket.uow,
            username=username,
            person_id=body.person_id,
            document_ref=body.document_ref,
        ),
    )
    return ClientView(
        username=username.lower(),
        person_id=client.person_id,
        document_ref=client.document_ref,
        since=client.since,
    )


@router.delete(
    "/{username}/clients/{person_id}",
    status_code=204,
    openapi_extra=_ADMIN,
    responses=responses(401, 403, 404),
)
def remove_client(
    username: Username,
    person_id: Annotated[str, Path(min_length=1, max_length=64, pattern=PERSON_ID)],
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    admin: Annotated[User, Depends(current_user)],
) -> Response:
    """Counsel USERNAME no longer represents the person: from their next request they may not
    read that person's record."""
    entry, by = _admin(request, docket, admin, username)
    logged_on_failure(
        docket, entry, lambda: unlink_client(**by, username=username, person_id=person_id)
    )
    return Response(status_code=204)
