"""Collapsing departure reports into departures: reports of one person (or one unlinked
individual) within :data:`COLLAPSE_DAYS` of each other are one departure, counted once.

Pure Python, no I/O. The intake service (``service.py``) feeds reports through these functions
one at a time, in arrival order; the recount feeds all of them again from the start, and the
two must agree exactly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from docket.departures.model import Programme, Report, Source

COLLAPSE_DAYS = 14
"""Reports of the same person (or the same unlinked individual) within this many days of a
departure's reports are the same departure."""


def cluster_key(report: Report) -> str:
    """The key that groups the reports of one unlinked individual among themselves: the
    travel document if there is one, else the normalised name with the date of birth; a
    report with neither, or with names of no letter or digit at all (``?``, ``-``), stands
    alone."""
    if report.document_number:
        return f"doc:{report.document_number}"
    family, given = _normal(report.family_name), _normal(report.given_name)
    if report.date_of_birth is not None and (family or given):
        # Names of punctuation only (a manifest's "-" or "?" for a name not known) normalise
        # to nothing: grouped by the birth date alone, strangers' departures were one.
        return f"name:{family}|{given}|{report.date_of_birth.isoformat()}"
    return f"report:{report.source.value}:{report.source_record_id}"


def _normal(name: str) -> str:
    """``name`` case-folded, punctuation and symbols as spaces, spaces collapsed. Letters,
    digits, the underscore and combining marks are kept: in Devanagari, Thai, Tamil or
    Arabic the marks are vowels, and "सीता" and "सुता" are two names (without the marks,
    both would read "स त")."""
    kept = (
        c if c.isalnum() or c == "_" or c.isspace() or _is_mark(c) else " " for c in name.casefold()
    )
    return " ".join("".join(kept).split())


def _is_mark(character: str) -> bool:
    return unicodedata.category(character).startswith("M")


@dataclass(frozen=True)
class Departure:
    """Reports of one person (or one unlinked individual) within :data:`COLLAPSE_DAYS` of each
    other: one departure, counted once."""

    departure_id: str
    party: str
    """``person:<id>`` when linked, else the unlinked individual's :func:`cluster_key`."""
    first_on: dt.date
    last_on: dt.date
    sources: frozenset[Source]
    port: str
    destination_country: str
    programme: Programme
    vd_deadline_on: dt.date | None = None
    case_ref: str = ""
    reports: int = 1
    confirmed_on: dt.date | None = None
    """The earliest day a record-based source gives (exit record, manifest, consulate,
    officer): when the departure is confirmed to have taken place. A self-report's day, though
    it may be the departure's first, confirms nothing: the case and the compliance figures go
    by this day."""

    @property
    def confirmed(self) -> bool:
        return any(source.confirms for source in self.sources)

    def takes(self, party: str, on: dt.date) -> bool:
        """Whether a report of ``party`` departing ``on`` is this departure."""
        window = dt.timedelta(days=COLLAPSE_DAYS)
        return party == self.party and self.first_on - window <= on <= self.last_on + window

    def joined(self, report: Report) -> Departure:
        """This departure with one more report of it."""
        return dataclasses.replace(
            self,
            first_on=min(self.first_on, report.departed_on),
            last_on=max(self.last_on, report.departed_on),
            sources=self.sources | {report.source},
            port=self.port or report.port,
            destination_country=self.destination_country or report.destination_country,
            reports=self.reports + 1,
            confirmed_on=_earliest(self.confirmed_on, _confirming_day(report)),
        )

    def merged(self, other: Departure) -> Departure:
        """This departure and ``other`` as one (a report fell within reach of both)."""
        lead = other if self.programme is Programme.NO_CASE else self
        return dataclasses.replace(
            self,
            first_on=min(self.first_on, other.first_on),
            last_on=max(self.last_on, other.last_on),
            sources=self.sources | other.sources,
            port=self.port or other.port,
            destination_country=self.destination_country or other.destination_country,
            programme=lead.programme,
            vd_deadline_on=lead.vd_deadline_on,
            case_ref=lead.case_ref,
            reports=self.reports + other.reports,
            confirmed_on=_earliest(self.confirmed_on, other.confirmed_on),
        )


def _confirming_day(report: Report) -> dt.date | None:
    return report.departed_on if report.source.confirms else None


def _earliest(one: dt.date | None, other: dt.date | None) -> dt.date | None:
    return min(one, other) if one is not None and other is not None else one or other


@dataclass(frozen=True)
class Counted:
    """How a report was counted: who it is of and, when linked to a case, under what."""

    party: str
    programme: Programme = Programme.NO_CASE
    vd_deadline_on: dt.date | None = None
    case_ref: str = ""


def absorb(
    existing: Sequence[Departure], report: Report, counted: Counted, departure_id: str
) -> Departure:
    """The departure ``report`` belongs to: a new one (with ``departure_id``) when no
    ``existing`` departure of its party takes it, else the existing ones (oldest first) as one
    with the report added."""
    if not existing:
        return Departure(
            departure_id=departure_id,
            party=counted.party,
            first_on=report.departed_on,
            last_on=report.departed_on,
            sources=frozenset({report.source}),
            port=report.port,
            destination_country=report.destination_country,
            programme=counted.programme,
            vd_deadline_on=counted.vd_deadline_on,
            case_ref=counted.case_ref,
            confirmed_on=_confirming_day(report),
        )
    merged = existing[0]
    for other in existing[1:]:
        merged = merged.merged(other)
    return merged.joined(report)


def replay(
    reports: Sequence[tuple[Report, Counted, str]],
) -> tuple[list[Departure], list[str]]:
    """The departures ``reports`` (in the order they were accepted, each with how it counts and
    the departure id it took at intake) collapse into, from nothing, and each report's
    departure id. The recount, and a review decision that moves a report to another party,
    both come here, so they agree with what intake did report by report."""
    departures: list[Departure] = []
    owners: list[str] = []
    used: set[str] = set()
    for report, counted, intake_id in reports:
        window = sorted(
            (d for d in departures if d.takes(counted.party, report.departed_on)),
            key=lambda d: d.departure_id,
        )
        # A report that joined a departure at intake took that departure's id; when it starts
        # one of its own here (the report that bridged them has moved away), the id is derived
        # from it and the report, the same on every replay.
        own = intake_id if intake_id not in used else _derived_id(intake_id, report)
        after = absorb(window, report, counted, own)
        used.add(after.departure_id)
        gone = {d.departure_id for d in window}
        departures = [d for d in departures if d.departure_id not in gone] + [after]
        owners = [after.departure_id if owner in gone else owner for owner in owners]
        owners.append(after.departure_id)
    return departures, owners


def _derived_id(departure_id: str, report: Report) -> str:
    """A departure id of 32 hex digits, from ``departure_id`` and the report's key."""
    key = "\x1f".join((departure_id, *report.key))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
