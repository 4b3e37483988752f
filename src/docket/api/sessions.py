"""``/api/session``: log in (password, and a one-time code for staff), log out, and change
one's own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from docket.api.deps import TEXT, bearer_token, docket_of, policy, source_of
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.identity.model import SESSION_IDLE, SESSION_MAX
from docket.identity.sessions import change_password, login, logout

router = APIRouter(prefix="/api/session", tags=["session"])


class LoginRequest(BaseModel):
    # a misspelt field (`otp` for `code`) is a 422 naming it, not a failed login counted
    # towards the lockout
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, pattern=TEXT)
    password: str = Field(min_length=1, max_length=1024, pattern=TEXT)
    code: str | None = Field(
        default=None, max_length=16, pattern=TEXT, description="One-time code (staff)."
    )


class SessionResponse(BaseModel):
    token: str = Field(description="Send as 'Authorization: Bearer <token>'.")
    idle_minutes: int
    max_hours: int


@router.post(
    "",
    status_code=201,
    response_model=SessionResponse,
    openapi_extra=policy("public"),
    responses=responses(401, 413),
)
def create_session(
    body: LoginRequest, request: Request, docket: Annotated[Docket, Depends(docket_of)]
) -> SessionResponse:
    """Log in. Every failure is the same 401 ``login_refused``."""
    token = login(
        users=docket.users,
        clock=docket.clock,
        username=body.username,
        password=body.password,
        code=body.code,
        source=source_of(request),
    )
    return SessionResponse(
        token=token,
        idle_minutes=SESSION_IDLE.seconds // 60,
        max_hours=SESSION_MAX.seconds // 3600,
    )


@router.delete("", status_code=204, openapi_extra=policy("public"), responses=responses(401))
def end_session(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    token: Annotated[str, Depends(bearer_token)],
) -> Response:
    """Log out: the session ends now."""
    logout(users=docket.users, clock=docket.clock, token=token, source=source_of(request))
    return Response(status_code=204)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=1024, pattern=TEXT)
    new_password: str = Field(
        min_length=1,
        max_length=1024,
        pattern=TEXT,
        description="At least 12 characters, not the username, not a common password.",
    )


@router.put(
    "/password",
    status_code=204,
    openapi_extra=policy("public"),
    responses=responses(401, 413, 422),
)
def change_own_password(
    body: PasswordChange,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    token: Annotated[str, Depends(bearer_token)],
) -> Response:
    """Change your own password, giving the current one. Every session of yours ends, this
    one too: log in again with the new password. A refused new password is 422 on
    ``new_password``; a wrong current password is 422 on ``current_password`` and counts as a
    failed login towards the lockout, and while the account is locked none is taken."""
    change_password(
        users=docket.users,
        clock=docket.clock,
        token=token,
        current_password=body.current_password,
        new_password=body.new_password,
        source=source_of(request),
    )
    return Response(status_code=204)
