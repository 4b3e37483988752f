"""``/api/cases``: a case with its timeline, for those the policy table lets read it."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from docket.api.deps import (
    MAX_SEQ,
    QUERY_NUMBER,
    TEXT,
    IsoDate,
    authorise,
    current_user,
    docket_of,
    found_or_logged,
    json_answer,
    policy,
)
from docket.api.errors import responses
from docket.bootstrap import Docket
from docket.cases import service, snapshot
from docket.cases.bars import BLOCKS
from docket.cases.events import Event, EventKind
from docket.cases.model import BarKind, Case, CaseState, CustodyStatus, ReleaseMode
from docket.cases.ports import CaseFilter
from docket.cases.service import CaseView, list_case_texts, no_case, show_case
from docket.identity.model import User
from docket.identity.policy import Action, RecordScope

router = APIRouter(prefix="/api/cases", tags=["cases"])

MAX_PAGE = 200


class CasePage(BaseModel):
    items: list[dict[str, Any]]
    next_after: str | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


@router.get(
    "",
    response_model=CasePage,
    openapi_extra=policy(Action.LIST_CASES),
    responses=responses(401, 403),
)
def list_cases_route(
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    office: Annotated[
        str | None, Query(max_length=16, pattern=TEXT, description="Default: yours.")
    ] = None,
    state: CaseState | None = None,
    bar: BarKind | None = None,
    deadline_before: IsoDate | None = None,
    after: Annotated[
        str | None, Query(max_length=64, pattern=TEXT, description="Cursor: a case_ref.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE), QUERY_NUMBER] = 50,
) -> Response:
    """Cases of one field office (yours unless you name another your role may see), by
    reference, a page at a time. The listing is on the access log."""
    # A blank office is the default, yours: not "no office", which would list every one.
    office = (office or "").strip().upper() or user.field_office or None
    authorise(
        request,
        docket,
        user,
        Action.LIST_CASES,
        record_type="field_office",
        record_id=office or "",
        scope=RecordScope(field_office=office or ""),
    )
    cases = list_case_texts(
        uow=docket.uow,
        case_filter=CaseFilter(
            state=state,
            field_office=office,
            bar=bar,
            deadline_before=deadline_before,
            after_case_ref=after,
            limit=limit + 1,
        ),
    )
    page = cases[:limit]
    return json_answer(  # each case as stored: its canonical text, which audit verify checks
        {
            "items": [orjson.Fragment(case.text) for case in page],
            "next_after": page[-1].case_ref if len(cases) > limit else None,
        }
    )


CaseRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")]


@router.get(
    "/{case_ref}",
    response_model=dict[str, Any],
    openapi_extra=policy(Action.READ_CASE),
    responses=responses(401, 403, 404),
)
def get_case(
    case_ref: CaseRef,
    request: Request,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> Response:
    """The case, its person's id and its timeline of events. Every read is on the access log,
    refused ones too. The ETag is the case version: send it back as If-Match to change it."""
    view = _readable_case(request, docket, user, case_ref)
    return json_answer(
        {
            "case": snapshot.case_to_dict(view.case),
            "timeline": [_event(event) for event in view.events],
        },
        version=view.case.version,
    )


def _event(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind.value,
        "occurred_on": event.occurred_on.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "actor": event.actor,
        "legal_basis": event.legal_basis,
        "document_ref": event.document_ref,
    }


def _readable_case(request: Request, docket: Docket, user: User, case_ref: str) -> CaseView:
    """The case with its events, once the policy table lets ``user`` read it (logged)."""
    view = found_or_logged(
        request,
        docket,
        user,
        Action.READ_CASE,
        ("case", case_ref),
        lambda: show_case(uow=docket.uow, case_ref=case_ref, with_person=False),
    )
    _authorise_read(request, docket, user, view.case)
    return view


def _readable_case_alone(
    request: Request, docket: Docket, user: User, case_ref: str, response: Response
) -> Case:
    """The case without its timeline, once the policy table lets ``user`` read it (logged);
    its version is the answer's ETag."""
    case = found_or_logged(
        request,
        docket,
        user,
        Action.READ_CASE,
        ("case", case_ref),
        lambda: service.get_case(uow=docket.uow, case_ref=case_ref),
    )
    _authorise_read(request, docket, user, case)
    response.headers["ETag"] = f'"{case.version}"'
    return case


def _authorise_read(request: Request, docket: Docket, user: User, case: Case) -> None:
    authorise(
        request,
        docket,
        user,
        Action.READ_CASE,
        record_type="case",
        record_id=case.case_id,
        scope=RecordScope(field_office=case.field_office, person_id=case.person_id),
        unrelated=no_case(case.case_ref),
    )


class TimelinePage(BaseModel):
    case_ref: str
    events: list[dict[str, Any]]
    next_after: int | None = Field(description="Pass as `after` for the next page.")


@router.get(
    "/{case_ref}/timeline",
    response_model=TimelinePage,
    openapi_extra=policy(Action.READ_CASE),
    responses=responses(401, 403, 404),
)
def get_timeline(
    case_ref: CaseRef,
    request: Request,
    response: Response,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
    after: Annotated[
        int, Query(ge=0, le=MAX_SEQ, description="Cursor: an event's seq."), QUERY_NUMBER
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE), QUERY_NUMBER] = 50,
) -> TimelinePage:
    """The case's events in order, a page at a time: what happened, when, on what legal
    basis and document, recorded by whom."""
    view = _readable_case(request, docket, user, case_ref)
    response.headers["ETag"] = f'"{view.case.version}"'
    later = [event for event in view.events if (event.seq or 0) > after]
    page = later[:limit]
    return TimelinePage(
        case_ref=view.case.case_ref,
        events=[_event(event) for event in page],
        next_after=page[-1].seq if len(later) > limit else None,
    )


class BarView(BaseModel):
    kind: BarKind
    placed_on: dt.date
    document_ref: str
    detail: str
    blocks: list[EventKind] = Field(description="The moves this bar stops while it stands.")


class BarsView(BaseModel):
    case_ref: str
    version: int
    bars: list[BarView]


@router.get(
    "/{case_ref}/bars",
    response_model=BarsView,
    tags=["bars"],
    openapi_extra=policy(Action.READ_CASE),
    responses=responses(401, 403, 404),
)
def get_bars(
    case_ref: CaseRef,
    request: Request,
    response: Response,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> BarsView:
    """The legal bars in force on the case (pending appeal, stay, citizenship claim, protected
    status, ...) and what each one stops. Bars are placed and lifted by their events: the
    `bars`-tagged command routes."""
    case = _readable_case_alone(request, docket, user, case_ref, response)
    return BarsView(
        case_ref=case.case_ref,
        version=case.version,
        bars=[
            BarView(
                kind=bar.kind,
                placed_on=bar.placed_on,
                document_ref=bar.document_ref,
                detail=bar.detail,
                blocks=sorted(BLOCKS[bar.kind]),
            )
            for bar in case.bars
        ],
    )


class CustodyView(BaseModel):
    case_ref: str
    version: int
    status: CustodyStatus
    since_on: dt.date | None
    facility: str
    release_mode: ReleaseMode | None
    review_due_on: dt.date | None = Field(
        description="Post-order custody review (8 CFR 241.4), 90 days into the removal period."
    )


@router.get(
    "/{case_ref}/custody",
    response_model=CustodyView,
    tags=["custody"],
    openapi_extra=policy(Action.READ_CASE),
    responses=responses(401, 403, 404),
)
def get_custody(
    case_ref: CaseRef,
    request: Request,
    response: Response,
    docket: Annotated[Docket, Depends(docket_of)],
    user: Annotated[User, Depends(current_user)],
) -> CustodyView:
    """The person's custody in this case: detained or released (and how), since when, and
    when the custody review is due. Changed by the `custody`-tagged command routes."""
    case = _readable_case_alone(request, docket, user, case_ref, response)
    custody = case.custody
    return CustodyView(
        case_ref=case.case_ref,
        version=case.version,
        status=custody.status,
        since_on=custody.since_on,
        facility=custody.facility,
        release_mode=custody.release_mode,
        review_due_on=custody.review_due_on,
    )
