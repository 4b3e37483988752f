"""Domain errors to HTTP, translated once: ``{"error": {"code", "message", "details"}}``, never a
stack trace or SQL."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

from docket import errors
from docket.api.login_first import session_refused

_log = logging.getLogger("docket.api")

STATUS: dict[type[errors.DocketError], int] = {
    errors.InvalidInput: 422,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.VersionConflict: 412,
    errors.IdempotencyConflict: 422,
    errors.RuleViolation: 409,
    errors.IllegalTransition: 409,
    errors.BarInForce: 409,
    errors.TamperDetected: 500,
    errors.ConfigurationError: 500,
    errors.LoginRefused: 401,
    errors.SessionInvalid: 401,
    errors.AccessRefused: 403,
    errors.DocketError: 400,
}
"""HTTP status of each error type (the most specific class wins)."""


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable: e.g. `bar_in_force`.")
    message: str = Field(description="For people; never a stack trace or SQL.")
    details: dict[str, Any] = Field(
        description="What the error is about: the rule and bar, the fields, the versions."
    )


class ErrorBody(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


_MEANING = {
    401: "session_invalid (no, unknown, expired or ended session) or login_refused",
    403: "access_refused: the policy table does not allow this",
    404: "not_found",
    409: "the move is illegal or a legal bar blocks it (names the rule and the bar)",
    412: "version_conflict: the case changed since the If-Match version",
    413: "payload_too_large",
    422: "invalid_input, with a message per field",
    503: "database_unavailable: try again after the `Retry-After` seconds",
}

_HEADERS: dict[int, dict[str, Any]] = {
    503: {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer", "minimum": 0},
        }
    }
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that may answer ``statuses`` (and 422 and 503
    always: any request may be invalid, and any may find the database unavailable), each with
    the one error shape."""
    return {
        status: {"model": ErrorBody, "description": _MEANING[status]}
        | ({"headers": _HEADERS[status]} if status in _HEADERS else {})
        for status in sorted({*statuses, 422, 503})
    }


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


RETRY_AFTER_SECONDS = 5
"""How long a client is asked to wait (``Retry-After``) when the database is unavailable."""


def database_unavailable(*, headers: dict[str, str]) -> JSONResponse:
    """The answer when the database fails under a request (connection refused or lost, server
    shutting down, lock not granted in time): 503 ``database_unavailable``, to be retried. The
    database's own reason stays in the server's log: it may name hosts and databases."""
    return JSONResponse(
        error_body(
            "database_unavailable", "the database is unavailable; try again in a few seconds"
        ),
        503,
        headers={**headers, "Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def status_of(error: errors.DocketError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def _not_json(content_type: str | None) -> str | None:
    """The media type of a request body FastAPI does not read as JSON, else ``None`` (no
    ``Content-Type``, which it reads as JSON, ``application/json`` or ``application/*+json``)."""
    media = (content_type or "").split(";")[0].strip().lower()
    if not media or media == "application/json":
        return None
    if media.startswith("application/") and media.endswith("+json"):
        return None
    return media[:100]  # said back in the answer: the client's own words, kept short


def install(app: FastAPI, *, headers: dict[str, str]) -> None:
    """Register the handlers on ``app``. ``headers`` go on the answer to an unexpected error,
    which Starlette sends from outside every other middleware."""

    @app.exception_handler(errors.DocketError)
    async def _domain(_request: Request, exc: errors.DocketError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if status_of(exc) == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), status_of(exc), headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        # A body that is not JSON is found before any dependency runs, the session's too.
        unread = [e["type"] for e in exc.errors()] == ["json_invalid"]
        if unread and (refused := await session_refused(request)) is not None:
            return await _domain(request, refused)
        # FastAPI reads no JSON from a body of another type, and would say that the body is
        # no object, where the client sees one: what is wrong is the type, so that is said.
        not_json = _not_json(request.headers.get("content-type"))
        wrong_type = (
            f"the body must be JSON, sent as Content-Type: application/json, not {not_json}"
        )
        fields = [
            {
                "field": ".".join(str(part) for part in e["loc"]),
                "message": wrong_type if not_json and tuple(e["loc"]) == ("body",) else e["msg"],
            }
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_input", "the request is not valid", {"fields": fields}), 422
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        if exc.status_code == 400:  # the body could not be parsed: bad input, like any other
            if (refused := await session_refused(request)) is not None:
                return await _domain(request, refused)
            fields = [{"field": "body", "message": str(exc.detail)}]
            return JSONResponse(
                error_body("invalid_input", "the request is not valid", {"fields": fields}), 422
            )
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error", exc_info=exc)
        return JSONResponse(
            error_body("internal_error", "an unexpected error occurred"), 500, headers=headers
        )
