"""Row forms of events, persons and cases, as tuples in each table's column order.

Dates are ISO text: what SQLAlchemy's Date type keeps in SQLite and what PostgreSQL's COPY
reads, so the same tuples go to both. Bulk import makes them in worker processes, and tuples of
strings are cheap to send back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from docket.audit.chain import link_body
from docket.cases import snapshot
from docket.cases.events import Event
from docket.cases.model import Case, Person

Values = tuple[Any, ...]

EVENT_COLUMNS = (
    "stream_type",
    "stream_id",
    "stream_version",
    "kind",
    "occurred_on",
    "recorded_at",
    "actor",
    "legal_basis",
    "document_ref",
    "data",
)
HASHED_COLUMNS = ("seq", *EVENT_COLUMNS)
"""The columns a link's hash covers (``prev_hash`` is added by the chain itself)."""
STORED_EVENT_COLUMNS = (*HASHED_COLUMNS, "prev_hash", "hash")
PERSON_COLUMNS = (
    "person_id",
    "a_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "version",
    "data",
)
CASE_COLUMNS = (
    "case_id",
    "case_ref",
    "person_id",
    "field_office",
    "state",
    "opened_on",
    "version",
    "data",
)
BAR_COLUMNS = ("case_id", "kind")
DEADLINE_COLUMNS = ("case_id", "kind", "due_on")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def event_values(event: Event) -> Values:
    """``event`` in :data:`EVENT_COLUMNS` order (its place in the log is not known yet)."""
    return (
        event.stream_type.value,
        event.stream_id,
        event.stream_version,
        event.kind.value,
        event.occurred_on.isoformat(),
        event.recorded_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        event.actor,
        event.legal_basis,
        event.document_ref,
        snapshot.event_data_text(event),
    )


def encode_event(event: Event) -> tuple[Values, str]:
    """``event``'s values and the body of its hash."""
    values = event_values(event)
    return values, link_body(dict(zip(EVENT_COLUMNS, values, strict=True)))


def person_values(person: Person) -> Values:
    """``person`` in :data:`PERSON_COLUMNS` order."""
    return (
        person.person_id,
        person.a_number,
        person.name.given_name,
        person.name.family_name,
        _iso(person.date_of_birth),
        person.version,
        snapshot.person_text(person),
    )


def case_values(case: Case) -> Values:
    """``case`` in :data:`CASE_COLUMNS` order."""
    return (
        case.case_id,
        case.case_ref,
        case.person_id,
        case.field_office,
        case.state.value,
        case.opened_on.isoformat(),
        case.version,
        snapshot.case_text(case),
    )


def bar_values(cases: Sequence[Case]) -> list[Values]:
    """The ``case_bars`` rows of ``cases``: what ``case list --bar`` filters on."""
    return [(c.case_id, b.kind.value) for c in cases for b in c.bars]


def deadline_values(cases: Sequence[Case]) -> list[Values]:
    """The ``case_deadlines`` rows of ``cases``."""
    return [
        (c.case_id, kind, day.isoformat()) for c in cases for kind, day in c.deadlines().items()
    ]


EncodedRecords = tuple[
    list[tuple[Values, str]], list[Values], list[Values], list[Values], list[Values]
]
"""New records in row form, made ahead of the write (possibly in another process): events,
persons, cases, bars, deadlines. Events have no place in the log yet: each comes with the body
of its hash (``audit.chain.link_body``), and the write gives it its ``seq`` and chains it.
Plain tuples, lists and strings only, so a worker can ``marshal`` them."""


def encode_records(
    *, events: Sequence[Event], persons: Sequence[Person], cases: Sequence[Case]
) -> EncodedRecords:
    """This store's :class:`~docket.cases.ports.RecordEncoder`."""
    return (
        [encode_event(e) for e in events],
        [person_values(p) for p in persons],
        [case_values(c) for c in cases],
        bar_values(cases),
        deadline_values(cases),
    )
