"""Each header a route takes is given once: two field lines of one name are one list."""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from docket.errors import InvalidInput

_HEADER_NAMES = "docket_header_names"


async def declared_headers_once(request: Request) -> None:
    """Refuse a header the route takes (``If-Match``, ``Idempotency-Key``) given on more than
    one line: HTTP reads two lines as one list (RFC 9110, 5.3), so ``If-Match: "1"`` and
    ``If-Match: "7"`` are ``If-Match: "1", "7"``, which the header's pattern refuses, while
    FastAPI would take the first line alone and ignore the version, or the key, of the
    other. 422 naming the header, as a query parameter given twice is."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    names: dict[str, str] | None = getattr(route, _HEADER_NAMES, None)
    if names is None:  # worked out once per route: the header as sent, and as named
        names = _header_names(route.dependant)
        setattr(route, _HEADER_NAMES, names)
    repeated = [shown for sent, shown in names.items() if len(request.headers.getlist(sent)) > 1]
    if repeated:
        fields = [
            {"field": f"header.{name}", "message": "given more than once"} for name in repeated
        ]
        raise InvalidInput("the request is not valid", details={"fields": fields})


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
