"""Domain errors to HTTP, translated once: ``{"error": {"code", "message", "details"}}``, never a
stack trace or SQL."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from docket import errors

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


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(error: errors.DocketError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS:
            return STATUS[kind]
    return 400


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(errors.DocketError)
    async def _domain(_request: Request, exc: errors.DocketError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if status_of(exc) == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.details), status_of(exc), headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = [
            {"field": ".".join(str(part) for part in e["loc"]), "message": e["msg"]}
            for e in exc.errors()
        ]
        return JSONResponse(
            error_body("invalid_input", "the request is not valid", {"fields": fields}), 422
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(error_body(code, str(exc.detail)), exc.status_code)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        _log.exception("unexpected error", exc_info=exc)
        return JSONResponse(error_body("internal_error", "an unexpected error occurred"), 500)
