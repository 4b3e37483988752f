"""What routes share: the wired-up Docket, the user behind the request, the access log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from docket.audit.access import AccessEntry, Outcome
from docket.bootstrap import Docket
from docket.errors import AccessRefused, SessionInvalid
from docket.identity.model import User
from docket.identity.policy import Action, RecordScope, decide
from docket.identity.service import authenticate


def docket_of(request: Request) -> Docket:
    docket: Docket = request.app.state.docket
    return docket


def bearer_token(authorization: Annotated[str | None, Header()] = None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SessionInvalid()
    return token.strip()


def current_user(
    docket: Annotated[Docket, Depends(docket_of)],
    token: Annotated[str, Depends(bearer_token)],
) -> User:
    return authenticate(users=docket.users, clock=docket.clock, token=token)


def source_of(request: Request) -> str:
    return request.client.host if request.client else ""


def authorise(
    request: Request,
    docket: Docket,
    user: User,
    action: Action,
    *,
    record_type: str,
    record_id: str,
    scope: RecordScope,
) -> None:
    """Ask the policy table and put the answer on the access log (with the purpose given in
    ``X-Purpose``); :class:`AccessRefused` if the answer is no."""
    decision = decide(user, action, scope)
    docket.access_log.record(
        [
            AccessEntry(
                at=docket.clock.now(),
                actor=user.username,
                action=action.value,
                record_type=record_type,
                record_id=record_id,
                outcome=Outcome.ALLOWED if decision.allowed else Outcome.REFUSED,
                purpose=request.headers.get("x-purpose", "")[:500],
                source=source_of(request),
                details={"relation": decision.relation.value},
            )
        ]
    )
    if not decision.allowed:
        raise AccessRefused(
            f"not allowed: {decision.reason}",
            details={"action": action.value, "relation": decision.relation.value},
        )
