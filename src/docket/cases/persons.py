"""Person streams: registering a person and recording the names other records use for them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable

from docket.cases import snapshot
from docket.cases.events import Event, EventKind, StreamType
from docket.cases.fields import SPACES, check_length
from docket.cases.model import Name, Person
from docket.cases.table import CREATION_LEGAL_BASIS
from docket.errors import InvalidInput

A_NUMBER_PATTERN = rf"^[{SPACES}]*[Aa]?-?[0-9]{{3}}-?[0-9]{{3}}-?[0-9]{{2,3}}[{SPACES}]*$"
"""How an alien registration number may be written: 8 or 9 digits, perhaps after ``A``, perhaps
in groups with dashes (``A012345678``, ``A-012-345-678``, ``12345678``). Its classes are written
out (:data:`~docket.cases.fields.SPACES`, ``[0-9]``): the API's spec publishes it."""
_A_NUMBER = re.compile(r"^A?-?(\d{3})-?(\d{3})-?(\d{2,3})$")


def normal_document_number(number: str) -> str:
    """An identity document's number in the one form it is stored and matched in: upper
    case, without spaces."""
    return "".join(number.upper().split())


def normal_a_number(value: str) -> str | None:
    """The A-number written ``value`` in its one stored form, ``A`` and 9 digits; ``None`` when
    empty. :class:`InvalidInput` when it is not an A-number."""
    value = value.strip().upper().replace(" ", "")
    if not value:
        return None
    match = _A_NUMBER.match(value)
    if not match:
        raise InvalidInput(
            f"{value!r} is not an A-number (A followed by 8 or 9 digits)",
            details={"field": "a_number"},
        )
    return "A" + "".join(match.groups()).zfill(9)


def composed(name: Name) -> Name:
    """``name`` in composed Unicode (NFC), the form departure reports are taken in: "José"
    typed as ``e`` and a combining accent (as some systems export it) is the same name as
    "José" with its one ``é``, and must compare, block and index as the same."""
    given = unicodedata.normalize("NFC", name.given_name)
    family = unicodedata.normalize("NFC", name.family_name)
    if (given, family) == (name.given_name, name.family_name):
        return name
    return Name(given, family)


def _check_name(name: Name, *, field: str | None = None) -> None:
    check_length("given_name", name.given_name, field=field)
    check_length("family_name", name.family_name, field=field)


def register_person(
    person: Person, *, actor: str, document_ref: str, recorded_at: dt.datetime
) -> tuple[Event, Person]:
    """The event that starts ``person``'s stream, and the person it leaves (version 1)."""
    name, aliases = composed(person.name), tuple(composed(alias) for alias in person.aliases)
    if person.version != 1 or name is not person.name or aliases != person.aliases:
        person = dataclasses.replace(person, version=1, name=name, aliases=aliases)
    if not person.name.given_name.strip() and not person.name.family_name.strip():
        raise InvalidInput("a person needs a given or a family name", details={"field": "name"})
    _check_name(person.name)
    for alias in person.aliases:
        _check_name(alias, field="aliases")
    for document in person.documents:
        check_length("document_number", document.number)
    event = Event(
        kind=EventKind.PERSON_REGISTERED,
        stream_type=StreamType.PERSON,
        stream_id=person.person_id,
        stream_version=1,
        occurred_on=recorded_at.date(),
        recorded_at=recorded_at,
        actor=actor,
        legal_basis=CREATION_LEGAL_BASIS[EventKind.PERSON_REGISTERED],
        document_ref=document_ref,
        data=snapshot.person_to_dict(person),
    )
    snapshot.prime_texts(event, person)
    return event, person


def record_alias(
    person: Person, name: Name, *, actor: str, document_ref: str, recorded_at: dt.datetime
) -> tuple[Event, Person] | None:
    """Record ``name`` as an alias unless the person already goes by it (then ``None``)."""
    name = composed(name)
    _check_name(name, field="aliases")
    if name == person.name or name in person.aliases:
        return None
    event = Event(
        kind=EventKind.PERSON_ALIAS_RECORDED,
        stream_type=StreamType.PERSON,
        stream_id=person.person_id,
        stream_version=person.version + 1,
        occurred_on=recorded_at.date(),
        recorded_at=recorded_at,
        actor=actor,
        legal_basis=CREATION_LEGAL_BASIS[EventKind.PERSON_ALIAS_RECORDED],
        document_ref=document_ref,
        data={"given_name": name.given_name, "family_name": name.family_name},
    )
    return event, evolve_person(person, event)


def evolve_person(person: Person | None, event: Event) -> Person:
    """Apply one recorded person event."""
    if event.kind is EventKind.PERSON_REGISTERED:
        return snapshot.person_from_dict(event.data)
    if person is None:
        raise AssertionError(f"{event.kind.value} before the person was registered")
    if event.kind is EventKind.PERSON_ALIAS_RECORDED:
        alias = Name(str(event.data["given_name"]), str(event.data["family_name"]))
        person = dataclasses.replace(person, aliases=(*person.aliases, alias))
    return dataclasses.replace(person, version=event.stream_version)


def rebuild_person(events: Iterable[Event]) -> Person:
    """The person as their events make them."""
    person: Person | None = None
    for event in events:
        person = evolve_person(person, event)
    if person is None:
        raise InvalidInput("no events to rebuild a person from")
    return person
