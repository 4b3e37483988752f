"""``/api/audit``: the access log, for auditors. Reading it is itself on the log."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from docket.api.deps import (
    MAX_SEQ,
    QUERY_NUMBER,
    TEXT,
    authorise,
    current_user,
    docket_of,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases.events import JSONValue
from docket.identity.model import User
from docket.identity.policy import NO_RECORD, Action

router = APIRouter(prefix="/api/audit", tags=["audit"])


class AccessPage(BaseModel):
    entries: list[dict[str, Any]]
    next_after: int | None = Field(description="Pass as `after` for the next page.")


@router.get(
    "",
    response_model=AccessPage,
    openapi_extra=policy(Action.READ_AUDIT),
    responses=responses(401, 403),
)
def read_access_log(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    record_id: Annotated[str | None, Query(max_length=64, pattern=TEXT)] = None,
    actor: Annotated[str | None, Query(max_length=200, pattern=TEXT)] = None,
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Cursor: an entry's seq."), QUERY_NUMBER
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500), QUERY_NUMBER] = 100,
) -> AccessPage:
    """Entries of the access log in order, optionally of one record or one actor. This read
    is logged (with its filter) before the entries are fetched, so it appears in them."""
    # The filter goes whole into the entry's details: its record_id column holds 64
    # characters, too few for an actor and a record id together.
    filters: dict[str, JSONValue] = {
        k: v for k, v in {"record_id": record_id, "actor": actor}.items() if v
    }
    authorise(
        request,
        docket,
        user,
        Action.READ_AUDIT,
        record_type="access_log",
        record_id=json.dumps(filters, sort_keys=True)[:64] if filters else "",
        scope=NO_RECORD,
        details={"filter": filters} if filters else None,
    )
    rows = docket.access_log.entries(  # an empty filter is none, as it was logged
        record_id=record_id or None, actor=actor or None, after_seq=after, limit=limit + 1
    )
    page = rows[:limit]
    for row in page:
        row["details"] = json.loads(row["details"])
    return AccessPage(entries=page, next_after=page[-1]["seq"] if len(rows) > limit else None)
