"""What the departure services need from storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from docket.cases.model import Case
from docket.cases.ports import WriteTransaction
from docket.departures.collapse import Counted, Departure
from docket.departures.counts import Counts, Totals
from docket.departures.linkage import Model
from docket.departures.model import Report, ReviewDecision, Status


@dataclass(frozen=True)
class StoredReport:
    """A report as kept: what it said, how it was resolved and counted."""

    report: Report
    content_hash: str
    received_at: dt.datetime
    recorded_by: str
    status: Status
    counted: Counted
    departure_id: str
    """The departure the report is counted in now."""
    intake_departure_id: str
    """The departure it joined (or started) when it was taken: the recount replays with it."""
    person_id: str | None = None
    link_method: str = ""
    """``a_number`` for an exact identifier match, ``model`` for a link by the linkage model;
    empty when not linked."""
    match_probability: float | None = None
    """The link's (or, in review, the best candidate's) match probability."""
    model_version: int | None = None
    """The linkage model that weighed the report, if one did."""
    candidates: tuple[tuple[str, float], ...] = ()
    """(person id, match probability) of the candidates the model weighed, best first."""
    seq: int = 0
    """Its place in the order reports were accepted (given when stored)."""


@dataclass(frozen=True)
class PersonsMark:
    """Where what resolving a report reads stood at one moment: the persons (the length of
    the event log then: a person changes only with an event on their stream) and the latest
    linkage model's version."""

    events: int
    model_version: int | None


class PersonLookup(Protocol):
    """What resolving reports to persons reads: in a read transaction or a write one."""

    def reports_by_key(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], StoredReport]:
        """The reports already received of ``keys`` ((source, source_record_id)), by key."""
        ...

    def linkage_model(self) -> Model | None:
        """The latest trained linkage model, if any."""
        ...

    def candidates_of(
        self, reports: Sequence[Mapping[str, str | None]]
    ) -> list[dict[str, dict[str, str | None]]]:
        """For each of ``reports`` (a ``linkage.record``), in order, the persons who may be
        the one it is of, by id: born the same day, or of the same names."""
        ...

    def persons_by_a_numbers(self, a_numbers: Sequence[str]) -> dict[str, str]:
        """Person id by A-number, for those of ``a_numbers`` that are someone's."""
        ...

    def persons_by_documents(self, numbers: Sequence[str]) -> dict[str, str]:
        """Person id by identity-document number, for those of ``numbers`` that are exactly
        one person's (a number two persons hold identifies neither)."""
        ...

    def a_numbers_of(self, person_ids: Sequence[str]) -> dict[str, str]:
        """A-number by person id, for those of ``person_ids`` who have one on record."""
        ...

    def decided_reports(self) -> set[str]:
        """``source/source_record_id`` of every report a reviewer has decided on."""
        ...

    def persons_mark(self) -> PersonsMark:
        """Where the persons and the linkage model stand as this transaction sees them (read
        before anything resolved with them)."""
        ...


class DepartureWrite(PersonLookup, Protocol):
    """One write transaction: departure reports, departures and their counts, and the case
    store's own transaction (a confirmed departure is recorded on the case in it)."""

    @property
    def cases(self) -> WriteTransaction: ...

    def report(self, source: str, source_record_id: str) -> StoredReport | None: ...

    def add_report(self, stored: StoredReport) -> None:
        """Store a new report: written by the time the transaction commits or the reports are
        next read in it (a batch's reports may go in together)."""
        ...

    def reports(self) -> Iterator[StoredReport]:
        """Every report, in the order it was accepted."""
        ...

    def candidates(self, report: Mapping[str, str | None]) -> dict[str, dict[str, str | None]]:
        """Persons who may be the one ``report`` (a ``linkage.record``) is of, by id: born the
        same day, or of the same names."""
        ...

    def open_cases_of(self, person_id: str) -> list[Case]: ...

    def open_cases_of_persons(self, person_ids: Sequence[str]) -> dict[str, list[Case]]:
        """:meth:`open_cases_of` for many persons at once (every one of ``person_ids`` is a
        key, with no cases when none is open)."""
        ...

    def departures_taking(self, party: str, on: dt.date) -> list[Departure]:
        """The departures of ``party`` a report of ``on`` falls within reach of, by id."""
        ...

    def save_departure(self, departure: Departure, *, replacing: Sequence[Departure]) -> None:
        """Store ``departure`` in place of ``replacing`` (any of them may share its id);
        reports of the replaced departures move to it."""
        ...

    def add_counts(self, counts: Counts) -> None: ...

    def person_exists(self, person_id: str) -> bool: ...

    def persons_changed_since(self, mark: PersonsMark) -> bool:
        """Whether a person or the latest linkage model has changed since ``mark`` (what a
        resolution made then would no longer be sure to find now)."""
        ...

    def reports_of_parties(self, parties: Sequence[str]) -> dict[str, list[StoredReport]]:
        """The reports counted under each of ``parties``, in the order they were accepted."""
        ...

    def departures_of_parties(self, parties: Sequence[str]) -> dict[str, list[Departure]]: ...

    def update_reports(self, stored: Sequence[StoredReport]) -> None:
        """Store how reports are now resolved and counted (their content never changes)."""
        ...

    def replace_departures(
        self, old: Sequence[Departure], new: Sequence[Departure], owners: Mapping[str, str]
    ) -> None:
        """Put ``new`` departures in place of ``old``; ``owners``: report key
        (``source/source_record_id``) -> the departure it is now counted in."""
        ...

    def add_decision(
        self,
        *,
        report: Report,
        decision: ReviewDecision,
        person_id: str | None,
        reason: str,
        decided_by: str,
        decided_at: dt.datetime,
    ) -> None: ...


class DepartureRead(PersonLookup, Protocol):
    def pending_reviews(self, limit: int) -> list[StoredReport]:
        """Reports in review, oldest first."""
        ...

    def settled_reports(self, link_methods: Collection[str]) -> set[str]:
        """``source/source_record_id`` of every report linked by one of ``link_methods`` or
        decided on by a reviewer."""
        ...

    def persons(self, person_ids: Sequence[str]) -> dict[str, dict[str, str | None]]:
        """Persons as the linkage model compares them, by id."""
        ...

    def reports(self) -> Iterator[StoredReport]:
        """Every report, in the order it was accepted."""
        ...

    def departures(self) -> list[Departure]: ...

    def counts(
        self, first_day: dt.date | None, last_day: dt.date | None, dimensions: Sequence[str] = ()
    ) -> Counts:
        """The counts of the days from ``first_day`` to ``last_day`` (``None``: unbounded),
        of ``dimensions`` only if any are named."""
        ...

    def totals(self) -> Totals:
        """The counts summed over every day (kept as they are, not summed when read)."""
        ...

    def warm(self, person_ids: Sequence[str], parties: Sequence[str]) -> None:
        """Read (and drop) what taking reports of ``person_ids`` and ``parties`` will read
        and change, so that a write transaction taking them soon after finds it in memory:
        done before the write lock is taken, it shortens the time the lock is held. It
        changes nothing and answers nothing."""
        ...

    def vd_overdue(self, today: dt.date) -> int:
        """Open voluntary-departure cases whose deadline has passed."""
        ...


class DepartureStore(Protocol):
    def write(self) -> AbstractContextManager[DepartureWrite]: ...

    def read(self) -> AbstractContextManager[DepartureRead]: ...


Columns = dict[str, list[str | None]]
"""Records column by column: each column's values in one list, all lists the same length."""


class LinkageStore(Protocol):
    """What training the linkage model reads and where it keeps the result."""

    def linkage_columns(self) -> tuple[Columns, Columns]:
        """Every person and every departure report as the model compares them, column by
        column, ``unique_id`` first (what batch prediction reads)."""
        ...

    def training_records(
        self,
    ) -> tuple[list[dict[str, str | None]], list[dict[str, str | None]]]:
        """Every person and every departure report as the model compares them, each with its
        ``unique_id``."""
        ...

    def model_settings(self) -> tuple[int, dict[str, Any]] | None:
        """The latest model's version and its settings as Splink saved them, if any."""
        ...

    def save_model(
        self,
        *,
        trained_at: dt.datetime,
        trained_by: str,
        persons: int,
        reports: int,
        settings: Mapping[str, Any],
        term_frequency: Mapping[str, Any],
        notes: Sequence[str],
    ) -> int:
        """Keep a trained model as the next version; its version."""
        ...
