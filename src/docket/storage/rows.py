"""Row forms of events, persons and cases, as tuples in each table's column order.

Dates are ISO text: what SQLAlchemy's Date type keeps in SQLite and what PostgreSQL's COPY
reads, so the same tuples go to both. Bulk import makes them in worker processes, and tuples of
strings are cheap to send back.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from docket.cases import snapshot
from docket.cases.events import Event
from docket.cases.model import Case, Name, Person
from docket.cases.persons import normal_document_number
from docket.departures.linkage import normal_name, person_record

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
    "given_name_key",
    "family_name_key",
    "sex_key",
    "postcode_key",
    "document_key",
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
DOCUMENT_COLUMNS = ("number", "person_id")
DEADLINE_COLUMNS = ("case_id", "kind", "due_on")


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


@functools.lru_cache(maxsize=64)
def instant_text(instant: dt.datetime) -> str:
    """The stored text of a moment: UTC, ISO 8601, to the microsecond. Cached: every event of
    an imported batch carries the same moment."""
    return instant.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_values(event: Event) -> Values:
    """``event`` in :data:`EVENT_COLUMNS` order (its place in the log is not known yet)."""
    return (
        event.stream_type.value,
        event.stream_id,
        event.stream_version,
        event.kind.value,
        event.occurred_on.isoformat(),
        instant_text(event.recorded_at),
        event.actor,
        event.legal_basis,
        event.document_ref,
        snapshot.event_data_text(event),
    )


def event_body(values: Values) -> str:
    """``audit.chain.link_body`` of an event in :data:`EVENT_COLUMNS` order (tests check that
    the two agree). Written out, names in order: bulk import builds two bodies per row, and the
    general function sorts and formats the names every time."""
    stream_type, stream_id, version, kind, occurred, recorded, actor, basis, ref, data = (
        value if type(value) is str else str(value) for value in values
    )
    return (
        f"\nactor:{len(actor)}:{actor}\ndata:{len(data)}:{data}"
        f"\ndocument_ref:{len(ref)}:{ref}\nkind:{len(kind)}:{kind}"
        f"\nlegal_basis:{len(basis)}:{basis}\noccurred_on:{len(occurred)}:{occurred}"
        f"\nrecorded_at:{len(recorded)}:{recorded}\nstream_id:{len(stream_id)}:{stream_id}"
        f"\nstream_type:{len(stream_type)}:{stream_type}"
        f"\nstream_version:{len(version)}:{version}"
    )


def encode_event(event: Event) -> tuple[Values, bytes]:
    """``event``'s values and the body of its hash, UTF-8 encoded (as the chain hashes it)."""
    values = event_values(event)
    return values, event_body(values).encode()


def name_keys(name: Name) -> tuple[str, str]:
    """The stored ``given_name_key`` and ``family_name_key`` of ``name``: each name as the
    departure linkage compares it (``departures.linkage.normal_name``), so a report's
    candidates are found by equality on an index, the same on SQLite and PostgreSQL (whose
    ``lower()`` differ from each other and from case folding)."""
    return normal_name(name.given_name), normal_name(name.family_name)


def linkage_keys(person: Person) -> tuple[str | None, str | None, str | None]:
    """The stored ``sex_key``, ``postcode_key`` and ``document_key`` of ``person``: the
    rest of what the departure linkage compares, as it compares it (``person_record``), so a
    report's candidates come whole out of an index, no snapshot read."""
    fields = person_record(person)
    return fields["sex"], fields["postcode"], fields["document_number"]


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
        *name_keys(person.name),
        *linkage_keys(person),
    )


def document_values(persons: Sequence[Person]) -> list[Values]:
    """The ``person_documents`` rows of ``persons``: what a departure report's document
    number is matched on exactly."""
    return [
        (number, p.person_id)
        for p in persons
        for number in sorted({normal_document_number(d.number) for d in p.documents} - {""})
    ]


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
    # One row a kind: several protected statuses are a bar each, of one kind.
    return [
        (c.case_id, kind) for c in cases for kind in dict.fromkeys(b.kind.value for b in c.bars)
    ]


def deadline_values(cases: Sequence[Case]) -> list[Values]:
    """The ``case_deadlines`` rows of ``cases``."""
    return [
        (c.case_id, kind, day.isoformat()) for c in cases for kind, day in c.deadlines().items()
    ]


EncodedRecords = tuple[
    list[tuple[Values, bytes]], list[Values], list[Values], list[Values], list[Values], list[Values]
]
"""New records in row form, made ahead of the write (possibly in another process): events,
persons, cases, bars, deadlines, identity documents. Events have no place in the log yet:
each comes with the body of its hash (``audit.chain.link_body``, UTF-8), and the write gives it its
``seq`` and chains it. Plain tuples, lists and strings only, so a worker can ``marshal``
them."""


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
        document_values(persons),
    )


# PostgreSQL: COPY text ------------------------------------------------------------------------


NULL_FIELD = "\\N"
"""NULL in COPY text."""


def copy_field(value: object) -> str:
    r"""``value`` as one field of PostgreSQL's COPY text format: ``\N`` for NULL, and
    backslash, newline, carriage return and tab escaped with a backslash."""
    if value is None:
        return NULL_FIELD
    text = value if type(value) is str else str(value)
    if "\\" in text:
        text = text.replace("\\", "\\\\")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    return text


def copy_line(values: Values) -> str:
    """One row of COPY text, newline included."""
    return _copy_fields(values) + "\n"


def _copy_fields(values: Values) -> str:
    # Most rows hold none of the characters COPY escapes: test the row's text once (at C
    # speed) and escape field by field only when one of them turns up. The only backslashes
    # then are those of the NULL markers.
    texts = [
        NULL_FIELD if value is None else value if type(value) is str else str(value)
        for value in values
    ]
    plain = "".join(texts)
    if plain.count("\\") != values.count(None) or "\n" in plain or "\r" in plain or "\t" in plain:
        return "\t".join([copy_field(value) for value in values])
    return "\t".join(texts)


COPY_TAG = "copy-text"
"""First element of what :func:`encode_copy_records` makes, so a write can tell the forms
apart."""

CopyRecords = tuple[str, list[tuple[bytes, bytes]], bytes, bytes, bytes, bytes, bytes]
"""New records as PostgreSQL COPY text, made ahead of the write (possibly in another process):
the tag, then the events as (the COPY fields from ``stream_type`` to ``data``, the body of the
hash), then the COPY lines of persons, cases, bars, deadlines and identity documents. All of it
UTF-8 bytes, as COPY and the hash take them: a worker encodes each text once, and bytes cost
``marshal`` a copy where text costs it an encoding in the worker and a decoding in the writer.
The write puts ``seq`` before each event's fields and the previous and own hash after them,
and sends each table's bytes in one COPY: no per-row work in the writing process beyond the
chain itself."""


def encode_copy_records(
    *, events: Sequence[Event], persons: Sequence[Person], cases: Sequence[Case]
) -> CopyRecords:
    """The PostgreSQL store's :class:`~docket.cases.ports.RecordEncoder`."""
    encoded_events = []
    for event in events:
        values = event_values(event)
        encoded_events.append((_copy_fields(values).encode(), event_body(values).encode()))
    return (
        COPY_TAG,
        encoded_events,
        "".join([copy_line(person_values(p)) for p in persons]).encode(),
        "".join([copy_line(case_values(c)) for c in cases]).encode(),
        "".join([copy_line(row) for row in bar_values(cases)]).encode(),
        "".join([copy_line(row) for row in deadline_values(cases)]).encode(),
        "".join([copy_line(row) for row in document_values(persons)]).encode(),
    )
