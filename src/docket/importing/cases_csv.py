"""Bulk import of persons with their cases from the documented CSV format (README, "CSV format").

Each good row becomes a registered person (or an alias on the person already known by that
A-number) and a case recorded as it stood, through the case core's own rules. A bad row is
reported with its row number, column and reason, and nothing of it is written. Rows are written
in batches, one transaction each; a case reference already present is skipped, so importing the
same file again creates nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from docket.cases import legacy, lifecycle, persons
from docket.cases.events import Event
from docket.cases.fields import parse_bool, parse_date
from docket.cases.model import (
    Address,
    BarKind,
    Case,
    CaseId,
    CaseState,
    CloseReason,
    Decision,
    IdentityDocument,
    Name,
    Person,
    PersonId,
)
from docket.cases.ports import Clock, UnitOfWork, WriteTransaction
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
OPTIONAL_COLUMNS = (
    "aliases",
    "language",
    "decision",
    "in_absentia",
    "charged_on",
    "hearing_on",
    "decided_on",
    "appeal_filed_on",
    "vd_deadline_on",
    "final_on",
    "removal_scheduled_for",
    "removed_on",
    "closed_on",
    "close_reason",
    "custody",
    "custody_on",
    "bars",
    "counsel",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_DATE_COLUMNS = tuple(name for name in legacy.HISTORY_DATES if name != "opened_on")
_A_NUMBER = re.compile(r"^A?-?(\d{3})-?(\d{3})-?(\d{2,3})$")
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


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    cases_imported: int = 0
    already_present: int = 0
    persons_registered: int = 0
    aliases_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass(frozen=True)
class _Row:
    line: int
    record: legacy.LegacyCase
    person: Person


class _RowRefused(Exception):
    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def normalise_a_number(value: str) -> str | None:
    """``A123456789`` from the common ways of writing an A-number; ``None`` when empty."""
    value = value.strip().upper().replace(" ", "")
    if not value:
        return None
    match = _A_NUMBER.match(value)
    if not match:
        raise _RowRefused("a_number", f"{value!r} is not an A-number (A followed by 8 or 9 digits)")
    return "A" + "".join(match.groups()).zfill(9)


def _date(row: Mapping[str, str], column: str) -> dt.date | None:
    value = row.get(column) or ""
    if not value.strip():
        return None
    try:
        return parse_date(value, name=column)
    except InvalidInput as exc:
        raise _RowRefused(column, f"{value!r} is not a date in the form YYYY-MM-DD") from exc


def _choice(
    kind: type[_E], row: Mapping[str, str], column: str, value: str | None = None
) -> _E | None:
    text = (row.get(column, "") if value is None else value).strip()
    if not text:
        return None
    try:
        return kind(text)
    except ValueError as exc:
        allowed = ", ".join(member.value for member in kind)
        raise _RowRefused(column, f"{text!r} is not one of {allowed}") from exc


def _aliases(text: str) -> tuple[Name, ...]:
    names = []
    for alias in (part.strip() for part in text.split(";")):
        if alias:
            given, _, family = alias.rpartition(" ")
            names.append(Name(given_name=given, family_name=family))
    return tuple(names)


def parse_row(row: Mapping[str, str], *, line: int, person_id: PersonId) -> _Row:
    """Turn one CSV row into a legacy case and a person; :class:`_RowRefused` names the column."""
    case_ref = (row.get("case_ref") or "").strip()
    if not case_ref:
        raise _RowRefused("case_ref", "required")
    given, family = (row.get("given_name") or "").strip(), (row.get("family_name") or "").strip()
    if not given and not family:
        raise _RowRefused("family_name", "a given or a family name is required")
    office = (row.get("field_office") or "").strip()
    if not office:
        raise _RowRefused("field_office", "required")
    state = _choice(CaseState, row, "state_of_case")
    if state is None:
        raise _RowRefused("state_of_case", "required")
    opened_on = _date(row, "opened_on")
    if opened_on is None:
        raise _RowRefused("opened_on", "required")
    sex = (row.get("sex") or "").strip().upper()
    if sex and sex not in SEXES:
        raise _RowRefused("sex", f"{sex!r} is not one of {', '.join(SEXES)}")
    try:
        in_absentia = parse_bool(row.get("in_absentia") or "", name="in_absentia")
    except InvalidInput as exc:
        raise _RowRefused("in_absentia", "must be true or false") from exc
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
    citizenship = (row.get("citizenship") or "").strip().upper()
    document = (row.get("document_number") or "").strip()
    person = Person(
        person_id=person_id,
        name=Name(given, family),
        a_number=normalise_a_number(row.get("a_number") or ""),
        aliases=_aliases(row.get("aliases") or ""),
        date_of_birth=_date(row, "date_of_birth"),
        sex=sex,
        citizenship=citizenship,
        language=(row.get("language") or "").strip(),
        address=Address(
            line=(row.get("address_line") or "").strip(),
            city=(row.get("city") or "").strip(),
            postcode=(row.get("postcode") or "").strip(),
            state=(row.get("state") or "").strip().upper(),
        ),
        documents=(IdentityDocument("passport", document, citizenship),) if document else (),
        counsel=(row.get("counsel") or "").strip(),
        version=1,  # as registering leaves it
    )
    return _Row(line=line, record=record, person=person)


def import_cases(
    *,
    uow: UnitOfWork,
    clock: Clock,
    path: Path,
    actor: str,
    batch_size: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import ``path``; returns what was imported, skipped and refused (with row and column)."""
    if batch_size < 1:
        raise InvalidInput("batch size must be at least 1", details={"field": "batch_size"})
    report = ImportReport()
    seen_refs: set[str] = set()
    with _open_csv(path) as rows:
        for batch in _batches(rows, batch_size):
            _import_batch(uow, clock, path.name, actor, batch, report, seen_refs)
            if progress is not None:
                progress(len(batch))
    report.errors.sort(key=lambda error: error.row)
    return report


class _CsvRows:
    """Context manager yielding ``(line, row)`` after checking the header."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            self.handle = self.path.open(newline="", encoding="utf-8-sig")
        except OSError as exc:
            raise InvalidInput(f"cannot read {self.path}: {exc.strerror}") from exc
        reader = csv.DictReader(self.handle)
        header = reader.fieldnames or []
        missing = [column for column in REQUIRED_COLUMNS if column not in header]
        if missing:
            self.handle.close()
            raise InvalidInput(
                f"{self.path.name}: missing columns {', '.join(missing)}; nothing was imported",
                details={"missing_columns": missing},
            )
        return ((reader.line_num, row) for row in reader)

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _open_csv(path: Path) -> _CsvRows:
    return _CsvRows(path)


def _batches(
    rows: Iterator[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_batch(
    uow: UnitOfWork,
    clock: Clock,
    file_name: str,
    actor: str,
    batch: Sequence[tuple[int, dict[str, str]]],
    report: ImportReport,
    seen_refs: set[str],
) -> None:
    now = clock.now()
    today = now.date()
    parsed: list[_Row] = []
    for line, raw in batch:
        report.rows += 1
        try:
            row = parse_row(raw, line=line, person_id=PersonId(uuid.uuid4().hex))
        except _RowRefused as refused:
            report.errors.append(RowError(line, refused.column, refused.reason))
            continue
        if row.record.case_ref in seen_refs:
            report.errors.append(RowError(line, "case_ref", "repeats an earlier row of this file"))
            continue
        seen_refs.add(row.record.case_ref)
        parsed.append(row)
    with uow.write() as tx:
        present = tx.existing_case_refs([row.record.case_ref for row in parsed])
        report.already_present += len(present)
        fresh = [row for row in parsed if row.record.case_ref not in present]
        _write_rows(tx, fresh, file_name, actor, now, today, report)


def _write_rows(
    tx: WriteTransaction,
    rows: Sequence[_Row],
    file_name: str,
    actor: str,
    now: dt.datetime,
    today: dt.date,
    report: ImportReport,
) -> None:
    known = tx.find_persons_by_a_number(
        [row.person.a_number for row in rows if row.person.a_number is not None]
    )
    stored_versions = {p.person_id: p.version for p in known.values()}
    new_persons: dict[str, Person] = {}
    events: list[Event] = []
    cases: list[Case] = []
    for row in rows:
        document_ref = f"import:{file_name}#row-{row.line}"
        a_number = row.person.a_number
        person = known.get(a_number) if a_number else None
        try:
            case = legacy.to_case(
                row.record,
                case_id=CaseId(uuid.uuid4().hex),
                person_id=person.person_id if person else row.person.person_id,
                today=today,
                document_ref=document_ref,
            )
        except InvalidInput as exc:
            column = str(exc.details.get("field", "?"))
            report.errors.append(RowError(row.line, column, str(exc.details.get("reason", exc))))
            continue
        if person is None:
            event, person = persons.register_person(
                row.person, actor=actor, document_ref=document_ref, recorded_at=now
            )
            events.append(event)
            report.persons_registered += 1
        else:
            for alias in (row.person.name, *row.person.aliases):
                recorded = persons.record_alias(
                    person, alias, actor=actor, document_ref=document_ref, recorded_at=now
                )
                if recorded is not None:
                    events.append(recorded[0])
                    person = recorded[1]
                    report.aliases_recorded += 1
        if a_number:
            known[a_number] = person
        new_persons[person.person_id] = person
        event, case = lifecycle.import_case(
            case,
            history=row.record.history(),
            actor=actor,
            document_ref=document_ref,
            recorded_at=now,
        )
        events.append(event)
        cases.append(case)
    tx.append(events)
    created = [p for p in new_persons.values() if p.person_id not in stored_versions]
    tx.add_persons(created)
    for person in new_persons.values():
        if person.person_id in stored_versions:
            tx.save_person(person, expected_version=stored_versions[person.person_id])
    tx.add_cases(cases)
    report.cases_imported += len(cases)


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportReport",
    "RowError",
    "import_cases",
    "normalise_a_number",
]
