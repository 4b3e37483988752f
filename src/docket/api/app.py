"""``create_app(settings)``: the API, built when called (nothing at import time)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from docket.api import (
    audit,
    cases,
    commands,
    departures,
    errors,
    persons,
    priority,
    priority_decisions,
    priority_oversight,
    reviews,
    sessions,
    users,
)
from docket.api.balance import ClientBalance, Tally
from docket.api.login_first import lines_checked_unless_after_login
from docket.bootstrap import bootstrap
from docket.cases.ports import Clock
from docket.config import Settings
from docket.storage.engine import database_failure

_log = logging.getLogger("docket.api")

MAX_BODY_BYTES = 1 << 20
"""Larger request bodies are refused with 413 before they are read."""

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
}


TELEMETRY_OFF: TelemetryConfig = {
    "tracing": False,
    "metrics": False,
    "logs": False,
    "operation_spans": False,
    "auto_configure": False,
}


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    threads: int | None = None,
    tally: Tally | None = None,
) -> FastAPI:
    """The API on ``settings``' database (which must be initialised: ``docket init``). No
    interactive documentation page; the spec is at ``/openapi.json``. CORS stays closed: no
    cross-origin headers are ever sent. ``threads``: how many requests the process works on
    at once (the routes run in a thread pool; anyio's default is 40). ``tally``: the counts
    of the other worker processes of ``serve --workers N``, to spread the clients evenly over
    them (:mod:`docket.api.balance`)."""
    docket = bootstrap(settings, clock=clock, long_running=True)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if threads is not None:
            # Under load, fewer threads than the default contend less for Python's lock and
            # hold the log's chain-head locks for less time (bench/api_load_bench.py).
            to_thread.current_default_thread_limiter().total_tokens = threads
        yield
        if tally is not None:
            tally.remove()
        docket.close()

    app = FastAPI(
        title="Docket",
        summary="Removal-proceedings case lifecycle with the law's safeguards built in.",
        version="0.1.0",
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json",
        lifespan=lifespan,
        # A request's lines beyond its route's parameters are checked; after authentication,
        # where the route needs a session (login_first.py).
        dependencies=[Depends(lines_checked_unless_after_login)],
        # A path with a trailing slash is an unknown path (404 in the error shape), not a
        # redirect: Starlette's would send the client, a login's password with it, to
        # whatever host the request's Host header named, in no error shape.
        redirect_slashes=False,
        # FastAPI's own OpenTelemetry off, whatever providers or environment the process has:
        # spans and logs would carry paths and queries (case references, person ids) out of
        # the server unseen by the access log. Each request also skips its checks (~2% CPU).
        telemetry=TELEMETRY_OFF,
    )
    app.state.docket = docket
    errors.install(app, headers=SECURITY_HEADERS)
    app.include_router(sessions.router)
    app.include_router(cases.router)
    app.include_router(commands.router)
    app.include_router(audit.router)
    app.include_router(persons.router)
    app.include_router(users.router)
    app.include_router(departures.router)
    app.include_router(reviews.router)
    app.include_router(priority.router)
    app.include_router(priority_decisions.router)
    app.include_router(priority_oversight.router)

    app.add_middleware(LimitsAndHeaders)
    if tally is not None:
        app.add_middleware(ClientBalance, tally=tally)

    return app


class BodyTooLarge(Exception):
    """A request body without a ``Content-Length`` (sent in chunks) grew past the limit."""


def _too_large() -> JSONResponse:
    return JSONResponse(
        errors.error_body(
            "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes"
        ),
        413,
        headers=SECURITY_HEADERS,
    )


class LimitsAndHeaders:
    """Refuse bodies over :data:`MAX_BODY_BYTES` with 413: before they are read when the
    request says its length, and in any case as soon as the limit is passed as they are read
    (the rest is not read). Put :data:`SECURITY_HEADERS` on every answer. Answer 503 when
    the database fails under a request (:func:`errors.database_unavailable`). Plain ASGI:
    Starlette's ``BaseHTTPMiddleware`` cost about a tenth of a request's time under load."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            await _too_large()(scope, receive, send)
            return
        received = 0
        over = started = False

        async def receive_within_limit() -> Message:
            nonlocal received, over
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    over = True
                    raise BodyTooLarge()
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if over:  # what the app answers to a body it could not read: the 413 instead
                if message["type"] == "http.response.start" and not started:
                    started = True
                    await _too_large()(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
            await send(message)

        try:
            # Every body is counted, one that says its length too: with Transfer-Encoding as
            # well, the body comes in chunks whatever length it claims (uvicorn's h11 server
            # reads it so), and the Content-Length checked above bounds nothing.
            await self.app(scope, receive_within_limit, send_with_headers)
        except BodyTooLarge:
            if not started:
                await _too_large()(scope, receive, send)
        except Exception as exc:
            # Caught here, not by an exception handler: Starlette's handler of last resort
            # re-raises, and an outage is no defect to log with a stack trace per request.
            reason = database_failure(exc)
            if reason is None or started:
                raise
            _log.warning("database unavailable: %s", reason)
            await errors.database_unavailable(headers=SECURITY_HEADERS)(scope, receive, send)
