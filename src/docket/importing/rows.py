"""The documented CSV format of legacy case records, and parsing one row of it.

Parsing checks shape only (columns, dates, enumerations, A-numbers, the codes of
``cases.codes``); whether the record agrees with the lifecycle is the case core's question
(``cases.legacy``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

from docket.cases import codes, legacy
from docket.cases.fields import parse_bool, parse_date
from docket.cases.model import (
    Address,
    BarKind,
    CaseState,
    CloseReason,
    Decision,
    IdentityDocument,
    Name,
    Person,
    PersonId,
)
from docket.cases.persons import normal_a_number
from docket.errors import InvalidInput

_E = TypeVar("_E", CaseState, Decision, CloseReason, BarKind)

REQUIRED_COLUMNS = (
    "case_ref",
    "a_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "citizenship",
    "address_line",
    "city",
    "postcode",
    "state",
    "document_number",
    "field_office",
    "state_of_case",
    "opened_on",
)
_DATE_COLUMNS = tuple(name for name in legacy.HISTORY_DATES if name != "opened_on")
OPTIONAL_COLUMNS = (
    "aliases",
    "language",
    "decision",
    "in_absentia",
    *_DATE_COLUMNS,
    "close_reason",
    "custody",
    "bars",
    "counsel",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
SEXES = ("F", "M", "X")


@dataclass(frozen=True)
class RowError:
    """Why one row was refused."""

    row: int
    """Line number in the file (the header is line 1)."""
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.reason}"


@dataclass(frozen=True)
class ParsedRow:
    """One row as a legacy case and the person it names."""

    line: int
    record: legacy.LegacyCase
    person: Person


class RowRefused(Exception):
    """A row breaks the format; ``column`` names where."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def normalise_a_number(value: str) -> str | None:
    """``A123456789`` from the common ways of writing an A-number (``persons.normal_a_number``);
    ``None`` when empty."""
    try:
        return normal_a_number(value)
    except InvalidInput as refusal:
        raise RowRefused("a_number", str(refusal)) from None


@functools.lru_cache(maxsize=1 << 16)
def _day(text: str) -> dt.date:
    # A file of a million cases has a few thousand distinct dates; parse each once.
    return parse_date(text, name="date")


def _date(row: Mapping[str, str], column: str) -> dt.date | None:
    value = row.get(column) or ""
    if not value.strip():
        return None
    try:
        return _day(value)
    except InvalidInput as exc:
        raise RowRefused(column, f"{value!r} is not a date in the form YYYY-MM-DD") from exc


def _choice(
    kind: type[_E], row: Mapping[str, str], column: str, value: str | None = None
) -> _E | None:
    text = (row.get(column, "") if value is None else value).strip()
    if not text:
        return None
    # A dictionary lookup: calling the enum class by value costs several times more, per row.
    member = cast("_E | None", _MEMBERS[kind].get(text))
    if member is None:
        allowed = ", ".join(member.value for member in kind)
        raise RowRefused(column, f"{text!r} is not one of {allowed}")
    return member


_MEMBERS: dict[type[StrEnum], dict[str, StrEnum]] = {
    kind: {member.value: member for member in kind}
    for kind in (CaseState, Decision, CloseReason, BarKind)
}


def _code(
    row: Mapping[str, str], column: str, known: frozenset[str], what: str, *, lower: bool = False
) -> str:
    """The code in ``column``, in the case ``known`` is written in; empty when absent."""
    text = (row.get(column) or "").strip()
    code = text.lower() if lower else text.upper()
    if code and code not in known:
        raise RowRefused(column, f"{text!r} is not {what}")
    return code


def _aliases(text: str) -> tuple[Name, ...]:
    names = []
    for alias in (part.strip() for part in text.split(";")):
        if alias:
            given, _, family = alias.rpartition(" ")
            names.append(Name(given_name=given, family_name=family))
    return tuple(names)


def parse_row(row: Mapping[str, str], *, line: int, person_id: PersonId) -> ParsedRow:
    """Turn one CSV row into a legacy case and a person; :class:`RowRefused` names the column."""
    case_ref = (row.get("case_ref") or "").strip()
    if not case_ref:
        raise RowRefused("case_ref", "required")
    given, family = (row.get("given_name") or "").strip(), (row.get("family_name") or "").strip()
    if not given and not family:
        raise RowRefused("family_name", "a given or a family name is required")
    # An office code, as users' offices are kept and the API asks for them: upper case.
    office = (row.get("field_office") or "").strip().upper()
    if not office:
        raise RowRefused("field_office", "required")
    state = _choice(CaseState, row, "state_of_case")
    if state is None:
        raise RowRefused("state_of_case", "required")
    opened_on = _date(row, "opened_on")
    if opened_on is None:
        raise RowRefused("opened_on", "required")
    sex = (row.get("sex") or "").strip().upper()
    if sex and sex not in SEXES:
        raise RowRefused("sex", f"{sex!r} is not one of {', '.join(SEXES)}")
    try:
        in_absentia = parse_bool(row.get("in_absentia") or "", name="in_absentia")
    except InvalidInput as exc:
        raise RowRefused("in_absentia", "must be true or false") from exc
    bars = tuple(
        bar
        for part in (row.get("bars") or "").split(";")
        if (bar := _choice(BarKind, row, "bars", part)) is not None
    )
    record = legacy.LegacyCase(
        case_ref=case_ref,
        field_office=office,
        state=state,
        opened_on=opened_on,
        decision=_choice(Decision, row, "decision"),
        in_absentia=in_absentia,
        close_reason=_choice(CloseReason, row, "close_reason"),
        custody=(row.get("custody") or "none").strip() or "none",
        bars=bars,
        **{column: _date(row, column) for column in _DATE_COLUMNS},
    )
    citizenship = _code(row, "citizenship", codes.COUNTRIES, "an ISO 3166-1 alpha-2 country code")
    document = (row.get("document_number") or "").strip()
    person = Person(
        person_id=person_id,
        name=Name(given, family),
        a_number=normalise_a_number(row.get("a_number") or ""),
        aliases=_aliases(row.get("aliases") or ""),
        date_of_birth=_date(row, "date_of_birth"),
        sex=sex,
        citizenship=citizenship,
        language=_code(row, "language", codes.LANGUAGES, "an ISO 639-1 language code", lower=True),
        address=Address(
            line=(row.get("address_line") or "").strip(),
            city=(row.get("city") or "").strip(),
            postcode=(row.get("postcode") or "").strip(),
            state=_code(row, "state", codes.US_STATES, "a USPS state or territory code"),
        ),
        documents=(IdentityDocument("passport", document, citizenship),) if document else (),
        counsel=(row.get("counsel") or "").strip(),
        version=1,  # as registering leaves it
    )
    return ParsedRow(line=line, record=record, person=person)
