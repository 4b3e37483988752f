"""Typed fields that an event kind carries, and their parsing from user input.

The lifecycle table names the fields of each kind; the CLI builds its options from them and the
HTTP API (`api/commands.py`) its request bodies, so there is one description of each event's input.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from docket.cases.events import JSONValue
from docket.errors import InvalidInput

TRUE_WORDS = frozenset({"true", "yes", "1", "y"})
FALSE_WORDS = frozenset({"false", "no", "0", "n", ""})


class FieldType(StrEnum):
    """How a field's value is written."""

    DATE = "date"
    TEXT = "text"
    BOOL = "bool"
    CHOICE = "choice"
    NUMBER = "number"
    """A whole number from 0 to MAX_NUMBER."""


MAX_NUMBER = 100_000

LIMITS: Mapping[str, int] = {
    "case_ref": 64,
    "field_office": 16,
    "given_name": 200,
    "family_name": 200,
    "document_number": 64,
    "actor": 200,
    "document_ref": 500,
}
"""The longest text each of these may be, in characters (the stored columns are this wide)."""


DAY_FORM = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""The one form a day is written in, wherever Docket reads one (CSV, API, CLI, NATS):
``YYYY-MM-DD`` in ASCII digits. ``date.fromisoformat`` alone would also read a week date
(``2026-W01-1``) or ``20260105``; match this first, then let it check the day exists."""

SPACES = r"\t\n\x0b\x0c\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
"""Every character Python strips as a space (``str.isspace``), written out for a regular
expression: ``\\s`` means other sets in a spec's regular expressions (ECMA 262's has U+FEFF
and not U+001C to U+001F) and in Pydantic's (Rust's), so a client generated from the spec
would send what the server then finds blank, or refuses."""


_UNSEEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zs", "Zl", "Zp", "Mn", "Me"})
"""Unicode categories of characters that show nothing by themselves: controls, format
characters (the zero-width space U+200B, the joiners, direction marks, the byte-order mark,
the soft hyphen, tags), spaces and separators, and combining marks (with nothing to sit on)."""
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
"""Letters drawn as nothing (the Hangul fillers) and the blank Braille pattern."""

NOTHING_SHOWN = (
    "spaces and invisible characters (such as the zero-width space U+200B) alone are none"
)
"""Why text that :func:`blank` finds is refused, for the messages that refuse it."""


def _shows(character: str) -> bool:
    return character not in _FILLERS and unicodedata.category(character) not in _UNSEEN_CATEGORIES


def blank(text: str) -> bool:
    """Whether ``text`` shows nothing: empty, or only spaces and invisible characters. Such
    text is no reason, nor any other required text: the one rule for what counts as blank
    (invisible characters inside text that shows something are kept as given)."""
    return not any(_shows(character) for character in text)


def shown_length(text: str) -> int:
    """How many characters of ``text`` show (what a minimum length of a reason counts)."""
    return sum(1 for character in text if _shows(character))


@dataclass(frozen=True)
class FieldSpec:
    """One field of an event kind."""

    name: str
    type: FieldType
    help: str
    required: bool = True
    choices: tuple[str, ...] = ()


def spec(
    name: str, kind: FieldType, help_: str, *, required: bool = True, choices: tuple[str, ...] = ()
) -> FieldSpec:
    """A field, briefly: the tables of moves and of facts are written with this."""
    return FieldSpec(name=name, type=kind, help=help_, required=required, choices=choices)


def check_length(name: str, value: str, *, field: str | None = None) -> None:
    """Refuse ``value`` if it is longer than :data:`LIMITS` allows for ``name``; the error
    names ``field`` (``name`` unless given)."""
    limit = LIMITS[name]
    if len(value) > limit:
        where = field or name
        reason = f"at most {limit} characters ({len(value)} given)"
        raise InvalidInput(f"{where}: {reason}", details={"field": where, "reason": reason})


def storable(text: str) -> bool:
    """Whether ``text`` is text a database column holds: no NUL, and no lone surrogate (what
    bytes that were not UTF-8 become, in a command-line argument or an environment
    variable)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


EVERY_OFFICE = "*"
"""Stands for every field office (a prioritisation run over all of them): no case's office,
and no user's."""


def check_field_office(value: str) -> None:
    """Refuse ``value`` as a case's field office: too long, or :data:`EVERY_OFFICE`."""
    check_length("field_office", value)
    if value.strip() == EVERY_OFFICE:
        reason = f"{EVERY_OFFICE!r} stands for every office, and is no case's field office"
        raise InvalidInput(
            f"field_office: {reason}", details={"field": "field_office", "reason": reason}
        )


def parse_date(value: object, *, name: str) -> dt.date:
    """A date from ``YYYY-MM-DD`` text or a ``date``; :class:`InvalidInput` otherwise."""
    if isinstance(value, dt.datetime):
        raise InvalidInput(f"{name}: expected a date, got a date and time", details={"field": name})
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if DAY_FORM.fullmatch(text):
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                pass
    raise InvalidInput(
        f"{name}: {value!r} is not a date in the form YYYY-MM-DD", details={"field": name}
    )


def parse_bool(value: object, *, name: str) -> bool:
    """A boolean from ``true/false/yes/no/1/0`` or a ``bool``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise InvalidInput(f"{name}: {value!r} is not true or false", details={"field": name})


def parse_number(value: object, *, name: str) -> int:
    """A whole number from 0 to :data:`MAX_NUMBER`, from digits or an ``int``."""
    if isinstance(value, bool):
        raise InvalidInput(f"{name}: expected a whole number", details={"field": name})
    text = str(value).strip()
    if isinstance(value, int) or (text.isascii() and text.isdigit()):
        number = int(text)
        if 0 <= number <= MAX_NUMBER:
            return number
    raise InvalidInput(
        f"{name}: {value!r} is not a whole number from 0 to {MAX_NUMBER}", details={"field": name}
    )


def parse_fields(
    specs: tuple[FieldSpec, ...], raw: Mapping[str, object], *, kind: str
) -> dict[str, JSONValue]:
    """Check ``raw`` against ``specs`` and return JSON-safe values (dates as ISO text).

    Unknown fields, missing required fields and malformed values raise :class:`InvalidInput`
    naming the field.
    """
    known = {spec.name for spec in specs}
    unknown = sorted(set(raw) - known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise InvalidInput(
            f"{kind} takes no field {', '.join(unknown)} (fields: {allowed})",
            details={"fields": unknown},
        )
    parsed: dict[str, JSONValue] = {}
    for spec in specs:
        value = raw.get(spec.name)
        if value is None or (isinstance(value, str) and blank(value)):
            if spec.required and spec.type is not FieldType.BOOL:
                said = f": {NOTHING_SHOWN}" if value else ""
                raise InvalidInput(
                    f"{kind} needs {spec.name} ({spec.help}){said}", details={"field": spec.name}
                )
            parsed[spec.name] = False if spec.type is FieldType.BOOL else None
            continue
        parsed[spec.name] = _parse_one(spec, value)
    return parsed


def _parse_one(spec: FieldSpec, value: object) -> JSONValue:
    if spec.type is FieldType.DATE:
        return parse_date(value, name=spec.name).isoformat()
    if spec.type is FieldType.BOOL:
        return parse_bool(value, name=spec.name)
    if spec.type is FieldType.NUMBER:
        return parse_number(value, name=spec.name)
    text = str(value).strip()
    if spec.type is FieldType.CHOICE and text not in spec.choices:
        raise InvalidInput(
            f"{spec.name}: {text!r} is not one of {', '.join(spec.choices)}",
            details={"field": spec.name, "choices": list(spec.choices)},
        )
    if len(text) > 500:
        raise InvalidInput(f"{spec.name}: longer than 500 characters", details={"field": spec.name})
    return text


def date_field(data: Mapping[str, JSONValue], name: str) -> dt.date | None:
    """Read back a date that :func:`parse_fields` stored as ISO text."""
    value = data.get(name)
    return dt.date.fromisoformat(value) if isinstance(value, str) else None
