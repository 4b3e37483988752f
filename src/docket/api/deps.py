"""What routes share: the wired-up Docket, the user behind the request, the access log."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Mapping
from typing import Annotated, Any, NoReturn, Protocol, TypeVar, cast

import orjson
from fastapi import Depends, Header, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator, Field
from pydantic_core import PydanticCustomError

from docket.api.request_lines import lines_checked
from docket.audit.access import AccessEntry, Outcome
from docket.bootstrap import Docket
from docket.cases.events import JSONValue
from docket.cases.fields import DAY_FORM, SPACES
from docket.cases.model import Case
from docket.cases.service import no_case
from docket.errors import AccessRefused, DocketError, NotFound, SessionInvalid
from docket.identity.model import User
from docket.identity.policy import Action, Decision, RecordScope, Relation, decide
from docket.identity.service import clients_of
from docket.identity.sessions import authenticate
from docket.storage.access_log import append_access
from docket.storage.engine import database_failure

T = TypeVar("T")

TEXT = r"^[^\x00]*$"
"""The pattern of every free-text input: anything but NUL, which no database text holds."""
NAMED = rf"^[^\x00]*[^\x00{SPACES}][^\x00]*$"
"""Text with something in it besides spaces (and no NUL)."""

PERSON_ID = r"^[A-Za-z0-9_-]+$"
"""The pattern of a person id in a path or a body."""


def _date_text(value: object) -> object:
    # Pydantic's lax mode would also take a unix timestamp, or a datetime at midnight, for a
    # date; a request's date is the spec's `format: date` (YYYY-MM-DD) and nothing else.
    if isinstance(value, str) and DAY_FORM.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "Input should be a date as YYYY-MM-DD")


IsoDate = Annotated[dt.date, BeforeValidator(_date_text)]
"""The type of every date a request carries, in its body or its query: a ``YYYY-MM-DD``
string naming a real day (the spec's ``type: string, format: date``), nothing else."""


def _json_number(value: object) -> object:
    # Pydantic's lax mode would take `true` as 1 and "12" as 12; a JSON number it is, then as
    # Pydantic takes it (12.0 is the integer 12, as JSON Schema has it; 12.5 is refused).
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


JSON_NUMBER = BeforeValidator(_json_number)
"""Marks a whole number in a request body as a JSON number (the spec's ``integer``), never a
boolean or a text: ``Annotated[int, Field(ge=1), JSON_NUMBER]`` (after the bounds, which the
spec shows only so)."""

JsonBool = Annotated[bool, Field(strict=True)]
"""The type of a yes or no in a request body: JSON's ``true`` or ``false``, never "yes", "off",
1 or 0 (which lax mode would take)."""

_WHOLE_NUMBER = re.compile(r"-?[0-9]+")


def _query_number(value: object) -> object:
    # A query's text, in digits: lax mode would also take "1.0", " 1", "+1" or "1_000".
    if isinstance(value, str) and not _WHOLE_NUMBER.fullmatch(value):
        raise PydanticCustomError("int_parsing", "Input should be a whole number in digits")
    return value


def _query_flag(value: object) -> object:
    # A query's boolean as the spec writes it; lax mode would also take "yes", "on", "1", "t".
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise PydanticCustomError("bool_parsing", "Input should be true or false")


QUERY_NUMBER = BeforeValidator(_query_number)
"""Marks a whole number in a query as digits (an optional ``-``), nothing else:
``Annotated[int, Query(ge=1), QUERY_NUMBER]`` (after the bounds, which the spec shows only
so)."""

QueryBool = Annotated[bool, BeforeValidator(_query_flag)]
"""The type of a yes or no in a query: ``true`` or ``false``, nothing else."""


def _key_text(value: object) -> object:
    # Before the length and the pattern, so that the answer says what is wrong. A server
    # strips spaces and tabs around a value, not a no-break space: one to Python.
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError(
            "idempotency_key", "Idempotency-Key: a key with more than spaces in it, e.g. a UUID"
        )
    return value


IdempotencyKey = Annotated[
    str,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=NAMED),
    BeforeValidator(_key_text),
]
"""The ``Idempotency-Key`` header a command takes: 1 to 200 characters, not all spaces."""

MAX_SEQ = 2**63 - 1
"""The largest sequence number a cursor may name (a 64-bit column)."""

POLICY_KEY = "x-policy-action"
"""Each route names, in its OpenAPI operation, the policy table's action it asks about (or
``public`` for logging in and out); a test fails for a route that names none."""


def policy(action: Action | str) -> dict[str, str]:
    """The ``openapi_extra`` of a route that asks the policy table about ``action``."""
    return {POLICY_KEY: action.value if isinstance(action, Action) else action}


def json_answer(content: Any, *, status_code: int = 200, version: int | None = None) -> Response:
    """``content``, made by the route in the shape its ``response_model`` documents, as the
    JSON answer (with the case ``version`` as its ``ETag``). Written here by orjson, so FastAPI
    neither validates it again against the model nor hands it to a thread to do so: the
    hottest routes answer this way, every request a little cheaper."""
    headers = {"ETag": f'"{version}"'} if version is not None else None
    return Response(
        orjson.dumps(content), status_code, headers=headers, media_type="application/json"
    )


async def docket_of(request: Request) -> Docket:
    """The wired-up Docket. (The dependencies that do no I/O are ``async``: FastAPI would run
    a plain function on the thread pool, one hand-off per dependency.)"""
    docket: Docket = request.app.state.docket
    return docket


BEARER = HTTPBearer(auto_error=False, description="The token `POST /api/session` answers with.")


async def bearer_token(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
) -> str:
    """The session token; :class:`SessionInvalid` (401) if there is none, or if the request
    has more than one ``Authorization`` header: which would count is up to each server and
    proxy on the way (the first, here), so neither does."""
    token = credentials.credentials.strip() if credentials is not None else ""
    if not token or len(request.headers.getlist("authorization")) > 1:
        raise SessionInvalid()
    return token


def session_user(
    docket: Annotated[Docket, Depends(docket_of)],
    token: Annotated[str, Depends(bearer_token)],
) -> User:
    """The user behind the request's session; :class:`SessionInvalid` (401) if there is none.

    A plain function, so FastAPI runs it on the thread pool: a second hand-off on top of the
    route's own. Checking a recent session on the event loop instead (one brief read) saved
    CPU in one process, but under the load benchmark it blocked the loop for every round
    trip to a busy database, and the server answered fewer reads (0.48 and 0.47 of pgbench,
    against 0.53 and 0.56 with this function, in alternating runs on 2026-12-06)."""
    return authenticate(users=docket.users, clock=docket.clock, token=token)


async def current_user(request: Request, user: Annotated[User, Depends(session_user)]) -> User:
    """The user behind the request's session (401 if there is none), and only then the
    request's lines checked (:func:`lines_checked`): a caller who has not logged in learns
    nothing of a route's inputs. (A route without it has them checked first:
    :mod:`docket.api.login_first`.)"""
    lines_checked(request)
    return user


def clients(docket: Docket, user: User) -> frozenset[str]:
    """The persons whose records ``user`` reads as their counsel, as of this request."""
    return clients_of(users=docket.users, user=user)


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
    unrelated: NotFound | None = None,
    details: Mapping[str, JSONValue] | None = None,
) -> None:
    """Ask the policy table and put the answer on the access log (with the purpose given in
    ``X-Purpose``, and ``details``); :class:`AccessRefused` if the answer is no
    (``unrelated``: see :func:`authorise_refusal`). For reads: a change logs its access in
    its own transaction instead."""
    decision = decide(user, action, scope, clients=clients(docket, user))
    if not decision.allowed:
        authorise_refusal(
            request,
            docket,
            user,
            decision,
            record_type,
            record_id,
            unrelated=unrelated,
            details=details,
        )
    docket.access_log.record(
        [access_entry(request, docket, user, decision, record_type, record_id, **(details or {}))]
    )


def decide_on_case(
    request: Request, docket: Docket, user: User, action: Action, case: Case
) -> Decision:
    """The policy table's answer for ``action`` on ``case``; a refusal is logged and raised
    (to a subject or counsel, as a missing case: :func:`authorise_refusal`)."""
    scope = RecordScope(field_office=case.field_office, person_id=case.person_id)
    decision = decide(user, action, scope, clients=clients(docket, user))
    if not decision.allowed:
        authorise_refusal(
            request, docket, user, decision, "case", case.case_id, unrelated=no_case(case.case_ref)
        )
    return decision


def authorise_refusal(
    request: Request,
    docket: Docket,
    user: User,
    decision: Decision,
    record_type: str,
    record_id: str,
    *,
    unrelated: NotFound | None = None,
    details: Mapping[str, JSONValue] | None = None,
) -> NoReturn:
    """Log a refused access and raise :class:`AccessRefused`; or ``unrelated``, when a subject
    or counsel asks for someone else's record: the error a missing record gets (404, word for
    word), so that a refusal does not tell them whose records exist. The access log still
    records the refusal as it is."""
    docket.access_log.record(
        [access_entry(request, docket, user, decision, record_type, record_id, **(details or {}))]
    )
    if unrelated is not None and decision.relation is Relation.UNRELATED:
        raise unrelated
    raise AccessRefused(
        f"not allowed: {decision.reason}",
        details={"action": decision.action.value, "relation": decision.relation.value},
    )


def found_or_logged(
    request: Request,
    docket: Docket,
    user: User,
    action: Action,
    record: tuple[str, str],
    find: Callable[[], T],
) -> T:
    """What ``find`` finds; if the ``record`` (type, id as asked for) does not exist, the
    attempt is put on the access log (refused, ``not_found``) before the 404 is raised. A probe
    for records leaves a trace for the auditors, and costs the commit a refused read costs, so
    that the time of the answer does not tell a subject or counsel what the words of the 404
    do not (:func:`authorise_refusal`)."""
    try:
        return find()
    except NotFound:
        record_type, record_id = record
        entry = _entry(request, docket, user, action, record_type, record_id, Outcome.REFUSED)
        docket.access_log.record([dataclasses.replace(entry, details={"failed": "not_found"})])
        raise


def access_entry(
    request: Request,
    docket: Docket,
    user: User,
    decision: Decision,
    record_type: str,
    record_id: str,
    **details: JSONValue,
) -> AccessEntry:
    """The access log's entry for ``decision`` on this request."""
    outcome = Outcome.ALLOWED if decision.allowed else Outcome.REFUSED
    entry = _entry(request, docket, user, decision.action, record_type, record_id, outcome)
    return dataclasses.replace(entry, details={"relation": decision.relation.value, **details})


def _entry(
    request: Request,
    docket: Docket,
    user: User,
    action: Action,
    record_type: str,
    record_id: str,
    outcome: Outcome,
) -> AccessEntry:
    """The access log's entry for ``user`` doing ``action`` on a record in this request (who,
    when, from where, with the purpose given in ``X-Purpose``)."""
    return AccessEntry(
        at=docket.clock.now(),
        actor=user.username,
        action=action.value,
        record_type=record_type,
        record_id=record_id,
        outcome=outcome,
        purpose=purpose_of(request),
        source=source_of(request),
    )


def purpose_of(request: Request) -> str:
    """The request's ``X-Purpose``, as the client wrote it (its first 500 characters); given
    on several lines, those lines joined by ", ", which HTTP takes them to mean, not the
    first alone. Starlette reads header bytes as ISO-8859-1; a client sends text beyond
    ASCII as UTF-8, which read so would be kept garbled ("revisiÃ³n"), so UTF-8 is read as
    UTF-8."""
    sent = ", ".join(request.headers.getlist("x-purpose"))
    try:
        return sent.encode("latin-1").decode("utf-8")[:500]
    except UnicodeDecodeError:  # not UTF-8: ISO-8859-1 it is
        return sent[:500]


class _InTransaction(Protocol):
    connection: Any  # the storage transaction's connection


def replayed(entry: AccessEntry) -> AccessEntry:
    """``entry`` for a command answered as a retry: it changed nothing, and the log says so."""
    return dataclasses.replace(entry, details={**entry.details, "replayed": True})


def log_in_transaction(entry: AccessEntry) -> Callable[[Any], None]:
    """A service's ``also`` hook: ``entry`` appended to the access log in the service's own
    write transaction, so it commits or rolls back with the change."""

    def log_access(tx: Any) -> None:
        append_access(cast(_InTransaction, tx).connection, [entry])

    return log_access


def logged_on_failure(docket: Docket, entry: AccessEntry, change: Callable[[], T]) -> T:
    """Run ``change`` (which logs ``entry`` in its own transaction); if it fails, it rolled
    back with the entry, so the request is logged on its own, with why it failed (the error's
    code, ``database_unavailable`` when the database failed, as the answer says, or
    ``internal_error`` for an unexpected one)."""
    try:
        return change()
    except DocketError as exc:
        _log_failed(docket, entry, exc.code)
        raise
    except Exception as exc:
        failed = "internal_error" if database_failure(exc) is None else "database_unavailable"
        _log_failed(docket, entry, failed)
        raise


def _log_failed(docket: Docket, entry: AccessEntry, code: str) -> None:
    docket.access_log.record(
        [dataclasses.replace(entry, details={**entry.details, "failed": code})]
    )


def logged(docket: Docket, entry: AccessEntry, read: Callable[[], T]) -> T:
    """Run ``read`` and log ``entry`` (with why, if it failed)."""
    result = logged_on_failure(docket, entry, read)
    docket.access_log.record([entry])
    return result
