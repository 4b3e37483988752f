"""What the case services need from the outside world, as Protocols (implemented in storage)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Protocol

from docket.cases.events import Event
from docket.cases.model import BarKind, Case, CaseState, Person


class Clock(Protocol):
    """Where services get the time from; injected so tests can fix it."""

    def now(self) -> dt.datetime:
        """The current time, timezone-aware UTC."""
        ...


@dataclass(frozen=True)
class CommandRecord:
    """What an idempotent command did, kept under its key so a retry can be answered."""

    idempotency_key: str
    request_hash: str
    result: str
    """The command's result as JSON text."""
    recorded_at: dt.datetime


@dataclass(frozen=True)
class CaseFilter:
    """Which cases to list; every criterion is optional and they combine with AND."""

    state: CaseState | None = None
    field_office: str | None = None
    bar: BarKind | None = None
    deadline_before: dt.date | None = None
    after_case_ref: str | None = None
    """Cursor: list cases whose reference sorts after this one."""
    limit: int = 50


@dataclass(frozen=True)
class CaseText:
    """A stored case as its text: the canonical JSON of its plain form
    (:func:`docket.cases.snapshot.case_text`), which ``docket audit verify`` checks character
    by character against the case its events rebuild."""

    case_ref: str
    text: str


@dataclass(frozen=True)
class DocketSummary:
    """Counts that describe the docket at a glance."""

    cases_by_state: dict[str, int]
    bars_in_force: dict[str, int]
    deadlines_due: list[tuple[str, str, dt.date]] = field(default_factory=list)
    """(case_ref, deadline kind, due date) within the window asked for, soonest first."""
    persons: int = 0
    events: int = 0


class ReadTransaction(Protocol):
    """A consistent read of the store."""

    def get_case_by_ref(self, case_ref: str) -> Case | None: ...

    def get_person(self, person_id: str) -> Person | None: ...

    def cases_of_person(self, person_id: str) -> list[tuple[str, str]]:
        """(case_ref, field_office) of every case of the person, by reference."""
        ...

    def stream_events(self, stream_id: str) -> list[Event]: ...

    def list_cases(self, case_filter: CaseFilter) -> list[Case]: ...

    def list_case_texts(self, case_filter: CaseFilter) -> list[CaseText]:
        """What :meth:`list_cases` finds, as the stored texts (no case is rebuilt)."""
        ...

    def summary(self, *, due_from: dt.date, due_to: dt.date) -> DocketSummary: ...


class RecordEncoder(Protocol):
    """Turns new records into the store's own form, ahead of the write.

    Bulk import calls it in worker processes, so the store provides a picklable module-level
    function, and what it returns is plain data (tuples, lists, dicts, strings, numbers, None)
    that ``marshal`` can carry back; opaque here, it goes to ``WriteTransaction.write_encoded``.
    """

    def __call__(
        self, *, events: Sequence[Event], persons: Sequence[Person], cases: Sequence[Case]
    ) -> object: ...


class CommandLog(Protocol):
    """Where idempotent commands are remembered under their keys (in a write transaction)."""

    def get_command(self, idempotency_key: str) -> CommandRecord | None: ...

    def add_command(self, record: CommandRecord) -> None: ...


class WriteTransaction(ReadTransaction, CommandLog, Protocol):
    """A read-write transaction holding the log's write lock; everything commits together."""

    def find_persons_by_a_number(self, a_numbers: Collection[str]) -> dict[str, Person]: ...

    def existing_case_refs(self, case_refs: Collection[str]) -> set[str]: ...

    def add_persons(self, persons: Sequence[Person]) -> None: ...

    def save_person(self, person: Person, *, expected_version: int) -> None: ...

    def save_persons(self, saves: Sequence[tuple[Person, int]]) -> None:
        """Save each person over the version expected of it (``save_person`` for many)."""
        ...

    def add_cases(self, cases: Sequence[Case]) -> None: ...

    def save_case(self, case: Case, *, expected_version: int) -> None: ...

    def append(self, events: Sequence[Event]) -> list[int]:
        """Chain ``events`` onto the log; returns their sequence numbers."""
        ...

    def write_encoded(self, encoded: Sequence[object]) -> list[int]:
        """Write records made by the store's :class:`RecordEncoder`, in order: new persons and
        cases, and the events chained onto the log. Returns the events' sequence numbers."""
        ...


class UnitOfWork(Protocol):
    """Opens transactions. A write commits when its block ends without an error."""

    def write(self) -> AbstractContextManager[WriteTransaction]: ...

    def read(self, *, brief: bool = False) -> AbstractContextManager[ReadTransaction]:
        """A read transaction. ``brief``: a few small statements, nothing streamed, which
        then need not share one snapshot (the store may spare itself a transaction)."""
        ...

    def encoder(self) -> RecordEncoder:
        """The store's encoder (see :class:`RecordEncoder`)."""
        ...

    def bulk(
        self, *, rows: int = 0, notice: Callable[[str], None] | None = None
    ) -> AbstractContextManager[None]:
        """Declare that many large write transactions follow (bulk import, about ``rows`` rows
        in all), so the store may move its housekeeping off their path and put off index
        upkeep until the end (telling ``notice`` what it does then). Each transaction still
        commits as usual."""
        ...
