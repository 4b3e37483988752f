"""A caller who has not logged in is answered 401 before anything about a route's inputs.

FastAPI reads a request's body before any dependency runs, and an app-wide dependency runs
before a route's own: left so, a caller without a session would be told 422 for a body that
is not JSON, or a query parameter the route does not take, and so learn the route's inputs.
:func:`docket.api.deps.current_user` checks a request's lines once the session is known;
here the lines of a route without it are checked first, and a body that cannot be read is
answered 401 first when the route takes a session and the request has none."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from docket.api.deps import BEARER, bearer_token, current_user, docket_of, session_user
from docket.api.request_lines import lines_checked
from docket.errors import SessionInvalid

_AFTER_LOGIN = "docket_lines_after_login"
_SESSION = "docket_takes_session"


async def lines_checked_unless_after_login(request: Request) -> None:
    """The app-wide dependency: :func:`lines_checked`, unless the route takes
    :func:`current_user`, which checks them once the caller is known."""
    route = request.scope.get("route")
    if isinstance(route, APIRoute) and not _takes(route, _AFTER_LOGIN, current_user):
        lines_checked(request)


async def session_refused(request: Request) -> SessionInvalid | None:
    """For a request whose body could not be read (so no dependency ran): the 401 it gets
    first, if its route takes a session (:func:`bearer_token`) and it has no valid one."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not _takes(route, _SESSION, bearer_token):
        return None
    try:
        token = await bearer_token(request, await BEARER(request))
        await run_in_threadpool(session_user, await docket_of(request), token)
    except SessionInvalid as refused:
        return refused
    return None


def _takes(route: APIRoute, name: str, call: Callable[..., Any]) -> bool:
    """Whether ``route`` depends on ``call``: worked out once per route, kept as ``name``."""
    known: bool | None = getattr(route, name, None)
    if known is None:
        known = _depends_on(route.dependant, call)
        setattr(route, name, known)
    return known


def _depends_on(dependant: Dependant, call: Callable[..., Any]) -> bool:
    return any(sub.call is call or _depends_on(sub, call) for sub in dependant.dependencies)
