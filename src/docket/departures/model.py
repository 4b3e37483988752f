"""Departure reports: what a report says and how it is read, which sources confirm, under what
a departure counts, and a reviewer's decision on a report (how reports of one departure
collapse into one is ``collapse.py``; what each adds to the exit metrics is ``counts.py``).

Pure Python, no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from docket.cases.events import Event, EventKind, StreamType
from docket.cases.fields import DAY_FORM, blank
from docket.cases.periods import day_begun_somewhere
from docket.cases.persons import normal_a_number, normal_document_number
from docket.errors import InvalidInput


class Source(StrEnum):
    """Where a departure report comes from."""

    EXIT_RECORD = "exit_record"
    CARRIER_MANIFEST = "carrier_manifest"
    CONSULAR_VERIFICATION = "consular_verification"
    OFFICER_WITNESSED = "officer_witnessed"
    SELF_REPORT = "self_report"

    @property
    def confirms(self) -> bool:
        """A record-based source confirms a departure; a self-report alone does not."""
        return self is not Source.SELF_REPORT


class Status(StrEnum):
    """Where a report stands with respect to a person."""

    LINKED = "linked"
    REVIEW = "review"
    UNLINKED = "unlinked"


class Programme(StrEnum):
    """Under what a departure happened, from the linked person's case when it was counted."""

    VD_JUDGE = "voluntary_departure_judge"
    VD_AGENCY = "voluntary_departure_agency"
    FINAL_ORDER = "final_order"
    OTHER_CASE = "other_open_case"
    NO_CASE = "no_case"


FIELDS = (
    "source_record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "sex",
    "citizenship",
    "a_number",
    "document_number",
    "address_line",
    "city",
    "postcode",
    "state",
    "departed_on",
    "port",
    "destination_country",
)
"""A report's fields, in the CSV's column order (README)."""

_LIMITS = {"source_record_id": 200, "address_line": 500}
_DEFAULT_LIMIT = 200
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Report:
    """One departure report as received. ``date_of_birth`` is ``None`` when missing or
    unreadable (a warning, not a refusal); an unreadable one is kept, as given, in
    ``date_of_birth_as_given``."""

    source: Source
    source_record_id: str
    departed_on: dt.date
    given_name: str = ""
    family_name: str = ""
    date_of_birth: dt.date | None = None
    sex: str = ""
    citizenship: str = ""
    a_number: str = ""
    document_number: str = ""
    address_line: str = ""
    city: str = ""
    postcode: str = ""
    state: str = ""
    port: str = ""
    destination_country: str = ""
    date_of_birth_as_given: str = ""
    """The text of an unreadable ``date_of_birth`` (empty when it was readable or missing): not
    compared by linkage, but part of the content, so that two reports under one key differing
    only there are not taken as one."""

    def content(self) -> dict[str, str]:
        """The report's fields as text, the form its content hash is taken over (with
        ``date_of_birth_as_given`` when there is one)."""
        values = {name: getattr(self, name) for name in (*FIELDS, "date_of_birth_as_given")}
        return {
            name: value.isoformat() if isinstance(value, dt.date) else str(value)
            for name, value in values.items()
            if value not in ("", None)
        }

    def content_hash(self) -> str:
        text = json.dumps(
            {"source": self.source.value, **self.content()},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.value, self.source_record_id)


EARLIEST_DEPARTURE = dt.date(1900, 1, 1)
"""No report of a departure before this day is taken: none is a record this system acts on,
and the 14-day window around a departure must stay within the calendar."""


@dataclass(frozen=True)
class Parsed:
    """A report read from a row or a request, with what was wrong but not refused."""

    report: Report
    warnings: tuple[str, ...] = ()


def parse_report(source: str, fields: Mapping[str, object]) -> Parsed:
    """A :class:`Report` from ``fields`` (text values, as from a CSV row or a JSON body).

    :class:`InvalidInput` names the field and the reason for anything that makes the report
    unusable: an unknown source, no ``source_record_id``, no name at all, no readable
    ``departed_on`` (or one before :data:`EARLIEST_DEPARTURE`), a NUL character, a lone
    surrogate or an over-long value (once normalised, :func:`_normal_text`), an A-number that
    is not 8 or 9 ASCII digits. An unreadable
    ``date_of_birth`` is kept as missing, with a warning, and its text in
    ``date_of_birth_as_given``."""
    try:
        kind = Source(source)
    except ValueError:
        raise _invalid(
            "source", f"unknown source {source!r}; one of {', '.join(s.value for s in Source)}"
        ) from None
    values: dict[str, str] = {}
    for name in FIELDS:
        raw = fields.get(name)
        text = "" if raw is None else str(raw).strip()
        if "\x00" in text:
            raise _invalid(name, "contains a NUL character")
        if not text.isascii() and _SURROGATE.search(text):
            # JSON may escape one half of a UTF-16 pair ("\ud800"): no UTF-8 text holds it,
            # and hashing or storing the report would fail after its batch had begun.
            raise _invalid(name, "contains a lone surrogate (not valid Unicode text)")
        text = _normal_text(name, text)
        limit = _LIMITS.get(name, _DEFAULT_LIMIT)
        if len(text) > limit:
            raise _invalid(name, f"longer than {limit} characters")
        values[name] = text
    # Text that shows nothing (a zero-width space, a soft hyphen) is no value, by the one rule
    # for blank text: a report keyed or named by it could not be told from another by anyone.
    if blank(values["source_record_id"]):
        raise _invalid("source_record_id", "required")
    if blank(values["given_name"]) and blank(values["family_name"]):
        raise _invalid("given_name", "at least one of given_name and family_name is required")
    if not values["departed_on"]:
        raise _invalid("departed_on", "required")
    departed_on = _date(values["departed_on"])
    if departed_on is None:
        raise _invalid("departed_on", f"not a date (YYYY-MM-DD): {values['departed_on']!r}")
    if departed_on < EARLIEST_DEPARTURE:
        raise _invalid("departed_on", f"{departed_on} is before {EARLIEST_DEPARTURE}")
    a_number = ""
    if values["a_number"]:
        try:
            if not values["a_number"].isascii():  # digits of another script
                raise InvalidInput(values["a_number"])
            a_number = normal_a_number(values["a_number"]) or ""
        except InvalidInput:
            raise _invalid(
                "a_number",
                f"not an A-number (A followed by 8 or 9 digits): {values['a_number']!r}",
            ) from None
    warnings: list[str] = []
    born = _date(values["date_of_birth"]) if values["date_of_birth"] else None
    if values["date_of_birth"] and born is None:
        warnings.append(f"date_of_birth {values['date_of_birth']!r} is not a date: kept as missing")
    report = Report(
        source=kind,
        source_record_id=values["source_record_id"],
        departed_on=departed_on,
        given_name=values["given_name"],
        family_name=values["family_name"],
        date_of_birth=born,
        sex=values["sex"],
        citizenship=values["citizenship"].upper(),
        a_number=a_number,
        document_number=normal_document_number(values["document_number"]),
        address_line=values["address_line"],
        city=values["city"],
        postcode=values["postcode"],
        state=values["state"],
        port=values["port"].upper(),
        destination_country=values["destination_country"].upper(),
        date_of_birth_as_given=values["date_of_birth"] if born is None else "",
    )
    return Parsed(report, tuple(warnings))


def refuse_future(report: Report, at: dt.datetime) -> None:
    """:class:`InvalidInput` for a report, taken at ``at``, of a departure after the latest
    day begun anywhere on Earth (a port's own date: in Guam, ten hours ahead of UTC, the
    morning's departures are dated a day after UTC's)."""
    if report.departed_on > day_begun_somewhere(at):
        raise _invalid("departed_on", f"{report.departed_on} is in the future")


_IDENTIFIERS = frozenset({"a_number", "document_number"})


def normal_record_id(text: str) -> str:
    """A ``source_record_id`` as intake stores it (spaces around it dropped, composed
    Unicode): the form to look a report up by, so that the key a source sent is found however
    it was written, as intake finds it when the report is sent again."""
    return _normal_text("source_record_id", text.strip())


def _normal_text(name: str, text: str) -> str:
    """``text`` in the one form its content is hashed and stored in, so that the same words
    sent again in another form are a duplicate, not a conflict: composed Unicode (NFC), and
    runs of spaces as one space (except in the record id, the source's own key). An
    identifier is taken in compatibility form (NFKC): full-width ``Ａ０１２`` is ``A012``."""
    text = unicodedata.normalize("NFKC" if name in _IDENTIFIERS else "NFC", text)
    return text if name == "source_record_id" else " ".join(text.split())


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if DAY_FORM.fullmatch(text) else None
    except ValueError:
        return None


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", details={"field": field, "reason": message})


REVIEW_LEGAL_BASIS = (
    "5 U.S.C. 552a(e)(5) (records used in a determination about a person kept accurate, "
    "relevant, timely and complete): reviewer's determination of whose departure a report is"
)


def review_event(
    report: Report,
    decision: ReviewDecision,
    *,
    person_id: str | None,
    reason: str,
    actor: str,
    at: dt.datetime,
) -> Event:
    """A reviewer's decision on ``report``, as the event that goes on the hash-chained log
    (the report's own stream; a report is decided once)."""
    return Event(
        kind=EventKind.DEPARTURE_REPORT_REVIEWED,
        stream_type=StreamType.DEPARTURE_REPORT,
        stream_id=f"departure:{report.source.value}:{report.source_record_id}",
        stream_version=1,
        occurred_on=at.date(),
        recorded_at=at,
        actor=actor,
        legal_basis=REVIEW_LEGAL_BASIS,
        document_ref=f"departure:{report.source.value}:{report.source_record_id}",
        data={"decision": decision.value, "person_id": person_id, "reason": reason},
    )


class ReviewDecision(StrEnum):
    """A reviewer's answer on a report in review."""

    LINK = "link"
    """It is this person's."""
    REJECT = "reject"
    """None of the candidates: it stays unlinked."""
    NO_CASE = "no_case"
    """The traveller has no case here: it stays unlinked, counted under no case."""
