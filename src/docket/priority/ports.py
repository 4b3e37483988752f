"""What prioritisation needs from storage."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from docket.cases.events import Event
from docket.cases.model import Case, Fact
from docket.cases.ports import CommandLog

SWITCH_STREAM = "prioritisation"
"""The stream of the prioritisation switch's events (on and off)."""

DocketRow = tuple[str, str, dt.date, dt.date | None, Sequence[Fact]]
"""An open case as scoring sees it: reference, person id, opened on, the person's date of birth
(for age), and its facts in force."""

GroupRow = tuple[str, str, str, dt.date | None]
"""For the disparity report only: case reference, and the person's citizenship country, sex and
date of birth. Never given to scoring."""


@dataclass(frozen=True)
class RunRecord:
    """One ranking run, as the oversight log keeps it (its output apart)."""

    run_id: str
    ran_at: dt.datetime
    ran_by: str
    purpose: str
    policy_name: str
    policy_version: str
    policy_hash: str
    as_of: dt.date
    rescinded_allowed: bool
    office: str | None
    cases_scored: int
    cases_shown: int
    output_sha256: str


class PriorityRead(Protocol):
    def docket(self, office: str | None, case_ref: str | None = None) -> Iterator[DocketRow]:
        """Open cases in case-reference order (of one office, or the one case), read as they
        are taken (within the transaction)."""
        ...

    def groups(self) -> Iterator[GroupRow]: ...

    def switch_events(self) -> list[Event]: ...

    def runs(self) -> list[RunRecord]:
        """Every run, oldest first."""
        ...

    def run(self, run_id: str) -> RunRecord | None: ...

    def run_output(self, run_id: str) -> bytes:
        """The run's output as stored: zlib-compressed JSON lines."""
        ...

    def determinations(self) -> list[Event]:
        """Every ``priority_determined`` event, in log order."""
        ...


class PriorityWrite(PriorityRead, CommandLog, Protocol):
    def save_run(self, record: RunRecord, output: bytes) -> None: ...

    def append(self, events: Sequence[Event]) -> list[int]: ...

    def get_case_by_ref(self, case_ref: str) -> Case | None: ...

    def save_case(self, case: Case, *, expected_version: int) -> None: ...


class PriorityStore(Protocol):
    def read(self) -> AbstractContextManager[PriorityRead]: ...

    def write(self) -> AbstractContextManager[PriorityWrite]: ...
