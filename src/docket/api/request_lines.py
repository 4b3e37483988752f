"""A request's lines beyond what its route declares: no query parameter the route does not
take, none given twice, and each header the route takes given once."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from docket.errors import InvalidInput

_QUERY_NAMES = "docket_query_names"
_HEADER_NAMES = "docket_header_names"


def lines_checked(request: Request) -> None:
    """:func:`known_query_only` and :func:`declared_headers_once` on ``request``: 422 naming
    each line that is wrong."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    fields = known_query_only(request, route) + declared_headers_once(request, route)
    if fields:
        raise InvalidInput("the request is not valid", details={"fields": fields})


def known_query_only(request: Request, route: APIRoute) -> list[dict[str, str]]:
    """Query parameters the route does not take (a misspelt filter would otherwise be
    ignored and answer with more than was asked for), and any given twice: every one is a
    single value, and all but the last would be ignored (``state=a&state=b`` is not "a or
    b"). No route takes a list in its query; schemathesis would find one refused."""
    if not request.query_params:
        return []
    names: frozenset[str] | None = getattr(route, _QUERY_NAMES, None)
    if names is None:  # worked out once per route
        names = frozenset(_query_names(route.dependant))
        setattr(route, _QUERY_NAMES, names)
    given = Counter(name for name, _ in request.query_params.multi_items())
    unknown = sorted(set(given) - names)
    repeated = sorted(name for name, times in given.items() if times > 1 and name in names)
    return [{"field": f"query.{n}", "message": "unknown"} for n in unknown] + [
        {"field": f"query.{n}", "message": "given more than once"} for n in repeated
    ]


def declared_headers_once(request: Request, route: APIRoute) -> list[dict[str, str]]:
    """A header the route takes (``If-Match``, ``Idempotency-Key``) given on more than one
    line: HTTP reads two lines as one list (RFC 9110, 5.3), so ``If-Match: "1"`` and
    ``If-Match: "7"`` are ``If-Match: "1", "7"``, which the header's pattern refuses, while
    FastAPI would take the first line alone and ignore the version, or the key, of the
    other. Refused naming the header, as a query parameter given twice is."""
    names: dict[str, str] | None = getattr(route, _HEADER_NAMES, None)
    if names is None:  # worked out once per route: the header as sent, and as named
        names = _header_names(route.dependant)
        setattr(route, _HEADER_NAMES, names)
    return [
        {"field": f"header.{shown}", "message": "given more than once"}
        for sent, shown in names.items()
        if len(request.headers.getlist(sent)) > 1
    ]


def _query_names(dependant: Dependant) -> set[str]:
    names = {param.alias for param in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def _header_names(dependant: Dependant) -> dict[str, str]:
    names: dict[str, str] = {}
    for param in dependant.header_params:
        sent = param.alias
        if param.name == param.alias and getattr(param.field_info, "convert_underscores", True):
            sent = sent.replace("_", "-")
        names[sent.lower()] = param.alias
    for sub in dependant.dependencies:
        names |= _header_names(sub)
    return names
