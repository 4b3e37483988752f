"""Bulk import of persons with their cases from the documented CSV format (README, "CSV format").

Each good row becomes a registered person (or an alias on the person already known by that
A-number) and a case recorded as it stood, through the case core's own rules. A bad row is
reported with its row number, column and reason, and nothing of it is written. Rows are written
in batches, one transaction each; a case reference already present is skipped, so importing the
same file again creates nothing.

Preparing a batch (parsing the CSV, the lifecycle checks, building events and their text)
needs no database, so with ``workers > 1`` batches are prepared in worker processes while the
main process writes the previous ones; the main process only finds where records end
(``csv_batches``), and writing stays in file order, one batch at a time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import marshal
import multiprocessing
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from docket import collector
from docket.cases import legacy, lifecycle, persons
from docket.cases.ids import new_id
from docket.cases.model import CaseId, Person, PersonId
from docket.cases.periods import day_begun_somewhere
from docket.cases.ports import Clock, RecordEncoder, UnitOfWork, WriteTransaction
from docket.errors import InvalidInput
from docket.importing.csv_batches import (
    CsvFile,
    Lines,
    RawBatch,
    TextBatch,
    records,
    refusal,
)
from docket.importing.rows import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ParsedRow,
    RowError,
    RowRefused,
    normalise_a_number,
    parse_row,
)


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    cases_imported: int = 0
    already_present: int = 0
    persons_registered: int = 0
    aliases_recorded: int = 0
    errors: list[RowError] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    """Columns of the file's header that are no column of the format, so never read."""


class PreparedRow(NamedTuple):
    """A row that passed every check, encoded for the store as if its person were new.

    Plain values besides the opaque ``encoded``: cheap to send back from a worker. The rare row
    whose person turns out to be known already is prepared again from its fields (see
    ``_write_rows``), so nothing else of it travels.
    """

    first_line: int
    line: int
    case_ref: str
    a_number: str | None
    person_id: str
    encoded: object


@dataclass(frozen=True)
class PreparedBatch:
    """A batch after preparation: the rows to write (marshalled: a worker hands back one bytes
    object, far cheaper to send and read than pickled objects), the rows refused and, added by
    the process that reads the file, the batch as read (``source``)."""

    packed_rows: bytes
    errors: list[RowError]
    size: int
    recorded_at: dt.datetime
    source: TextBatch = field(default_factory=lambda: TextBatch(0, ""))

    @property
    def rows(self) -> list[PreparedRow]:
        # Made by prepare_batch in our own worker process, never read from outside.
        packed = marshal.loads(self.packed_rows)  # noqa: S302
        return [PreparedRow(*fields) for fields in packed]


def import_cases(
    *,
    uow: UnitOfWork,
    clock: Clock,
    path: Path,
    actor: str,
    batch_size: int = 5000,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    expected_rows: int = 0,
    notice: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import ``path``; returns what was imported, skipped and refused (with row and column).

    ``expected_rows``, the file's rows if known, lets the store prepare for a large load (see
    ``UnitOfWork.bulk``); ``notice`` is told of the store's own long steps."""
    if batch_size < 1 or workers < 1:
        raise InvalidInput(
            "batch size and workers must be at least 1", details={"field": "workers"}
        )
    report = ImportReport()
    seen_refs: set[str] = set()
    source = CsvFile(path, size=batch_size, required=REQUIRED_COLUMNS, known=COLUMNS)
    with source as batches, uow.bulk(rows=expected_rows, notice=notice), collector.paused():
        report.ignored_columns = source.unknown
        prepared = _prepare_all(
            batches, source.header, clock, path.name, actor, workers, uow.encoder()
        )
        for batch in prepared:
            report.rows += batch.size
            report.errors.extend(batch.errors)
            fresh = []
            for row in batch.rows:
                if row.case_ref in seen_refs:
                    report.errors.append(
                        RowError(row.line, "case_ref", "repeats an earlier row of this file")
                    )
                    continue
                seen_refs.add(row.case_ref)
                fresh.append(row)
            again = _Reparse(batch.source, source.header, path.name)
            with uow.write() as tx:
                _write_rows(tx, fresh, actor, batch.recorded_at, report, uow.encoder(), again)
            if progress is not None:
                progress(batch.size)
    if source.unclosed is not None:
        unclosed = source.unclosed
        report.errors.append(RowError(unclosed.line, unclosed.column, unclosed.reason))
    report.errors.sort(key=lambda error: error.row)
    return report


def prepare_batch(
    batch: RawBatch,
    *,
    header: tuple[str, ...],
    file_name: str,
    actor: str,
    recorded_at: dt.datetime,
    encode: RecordEncoder,
) -> PreparedBatch:
    """Parse and check every row of ``batch``, build its events and encode them for the store.
    Needs no database."""
    prepared: list[tuple[object, ...]] = []
    errors: list[RowError] = []
    with collector.paused():
        for first_line, line, fields in batch:
            refused = refusal(header, fields)
            if refused is not None:
                errors.append(RowError(line, *refused))
                continue
            outcome = _prepare_row(
                first_line,
                line,
                dict(zip(header, fields, strict=False)),
                file_name,
                actor,
                recorded_at,
                encode,
            )
            if isinstance(outcome, RowError):
                errors.append(outcome)
            else:
                prepared.append(tuple(outcome))
        packed = marshal.dumps(prepared)
    return PreparedBatch(packed, errors, len(batch), recorded_at)


def _prepare_row(
    first_line: int,
    line: int,
    fields: dict[str, str],
    file_name: str,
    actor: str,
    recorded_at: dt.datetime,
    encode: RecordEncoder,
) -> PreparedRow | RowError:
    document_ref = document_ref_of(file_name, line)
    try:
        row = parse_row(fields, line=line, person_id=PersonId(new_id()))
        born = row.person.date_of_birth
        if born is not None and born > day_begun_somewhere(recorded_at):
            raise RowRefused("date_of_birth", f"{born} is in the future")
        if born is not None and born > row.record.opened_on:
            raise RowRefused("date_of_birth", f"{born} is after opened_on ({row.record.opened_on})")
        case = legacy.to_case(
            row.record,
            case_id=CaseId(new_id()),
            person_id=row.person.person_id,
            today=recorded_at.date(),
            document_ref=document_ref,
            latest=day_begun_somewhere(recorded_at),
        )
        person_event, person = persons.register_person(
            row.person, actor=actor, document_ref=document_ref, recorded_at=recorded_at
        )
    except RowRefused as refused:
        return RowError(line, refused.column, refused.reason)
    except InvalidInput as exc:
        column = str(exc.details.get("field", "?"))
        return RowError(line, column, str(exc.details.get("reason", exc)))
    history = row.record.history()
    case_event, case = lifecycle.import_case(
        case, history=history, actor=actor, document_ref=document_ref, recorded_at=recorded_at
    )
    return PreparedRow(
        first_line=first_line,
        line=line,
        case_ref=case.case_ref,
        a_number=person.a_number,
        person_id=person.person_id,
        encoded=encode(events=(person_event, case_event), persons=(person,), cases=(case,)),
    )


def document_ref_of(file_name: str, line: int) -> str:
    """The source-document reference of an imported row."""
    return f"import:{file_name}#row-{line}"


def _prepare_all(
    batches: Iterator[TextBatch],
    header: tuple[str, ...],
    clock: Clock,
    file_name: str,
    actor: str,
    workers: int,
    encode: RecordEncoder,
) -> Iterator[PreparedBatch]:
    """Prepared batches in file order: inline, or from ``workers`` processes kept busy a few
    batches ahead (bounded, so a large file is never all in memory)."""
    prepare = functools.partial(
        prepare_batch, header=header, file_name=file_name, actor=actor, encode=encode
    )
    if workers == 1:
        for batch in batches:
            ready = prepare(records(batch), recorded_at=clock.now())
            yield dataclasses.replace(ready, source=batch)
        return
    context = multiprocessing.get_context("spawn")  # no fork of a process holding connections
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[tuple[TextBatch, Future[PreparedBatch]]] = deque()
        for batch in batches:
            with _interrupts_held():  # for the workers a submit may start
                future = pool.submit(_prepare_text, prepare, batch, recorded_at=clock.now())
            pending.append((batch, future))
            if len(pending) > 2 * workers:
                done, future = pending.popleft()
                yield dataclasses.replace(future.result(), source=done)
        while pending:
            done, future = pending.popleft()
            yield dataclasses.replace(future.result(), source=done)


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Hold SIGINT back meanwhile. A process started meanwhile inherits it held, and never
    sees Ctrl-C, which a terminal sends to every process of the group: the import stops here
    alone, and shuts its workers down, without a stack trace from each of them."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # here, it arrives now


def _prepare_text(
    prepare: Callable[..., PreparedBatch], batch: TextBatch, *, recorded_at: dt.datetime
) -> PreparedBatch:
    """``prepare`` the records of ``batch`` (in a worker process)."""
    with collector.paused():
        return prepare(records(batch), recorded_at=recorded_at)


class _Reparse:
    """A batch's rows parsed again from the file's text, in the writing process: for the rare
    row whose person is known already (the worker could not know it), whose case and aliases
    are then built afresh for that person."""

    def __init__(self, source: TextBatch, header: tuple[str, ...], file_name: str) -> None:
        self.source, self.header, self.file_name = source, header, file_name
        self._lines: Lines | None = None

    def row(self, row: PreparedRow) -> ParsedRow:
        """``row`` parsed as the worker parsed it (it passed there)."""
        if self._lines is None:
            self._lines = Lines(self.source)
        fields = self._lines.record(row.first_line, row.line)
        named = dict(zip(self.header, fields, strict=False))
        return parse_row(named, line=row.line, person_id=PersonId(row.person_id))


def _write_rows(
    tx: WriteTransaction,
    rows: Sequence[PreparedRow],
    actor: str,
    recorded_at: dt.datetime,
    report: ImportReport,
    encode: RecordEncoder,
    again: _Reparse,
) -> None:
    present = tx.existing_case_refs([row.case_ref for row in rows])
    report.already_present += len(present)
    rows = [row for row in rows if row.case_ref not in present]
    known = tx.find_persons_by_a_number([row.a_number for row in rows if row.a_number])
    stored_versions = {p.person_id: p.version for p in known.values()}
    registering: dict[str, PreparedRow] = {}  # A-number -> the row registering it in this batch
    changed: dict[str, Person] = {}
    encoded: list[object] = []
    for row in rows:
        person = known.get(row.a_number) if row.a_number else None
        if person is None and row.a_number in registering:
            person = again.row(registering[row.a_number]).person  # as registering left it
        if person is None:
            encoded.append(row.encoded)
            report.persons_registered += 1
            if row.a_number:
                registering[row.a_number] = row
            continue
        # A person met again (re-encounter): the names on this record join the known person as
        # aliases, and the case is theirs, so it and its import event are built again with
        # their id.
        parsed = again.row(row)
        document_ref = document_ref_of(again.file_name, row.line)
        events = []
        for alias in (parsed.person.name, *parsed.person.aliases):
            recorded = persons.record_alias(
                person, alias, actor=actor, document_ref=document_ref, recorded_at=recorded_at
            )
            if recorded is not None:
                events.append(recorded[0])
                person = recorded[1]
                report.aliases_recorded += 1
        case = legacy.to_case(
            parsed.record,
            case_id=CaseId(new_id()),
            person_id=person.person_id,
            today=recorded_at.date(),
            document_ref=document_ref,
            latest=day_begun_somewhere(recorded_at),
        )
        case_event, case = lifecycle.import_case(
            case,
            history=parsed.record.history(),
            actor=actor,
            document_ref=document_ref,
            recorded_at=recorded_at,
        )
        assert row.a_number is not None
        known[row.a_number] = person
        # Whether registered in an earlier batch or earlier in this one (then written at
        # version 1 below), the person row is brought to its new version after the inserts.
        changed[person.person_id] = person
        encoded.append(encode(events=[*events, case_event], persons=(), cases=(case,)))
    tx.write_encoded(encoded)
    tx.save_persons([(p, stored_versions.get(p.person_id, 1)) for p in changed.values()])
    report.cases_imported += len(rows)


__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ImportReport",
    "RowError",
    "import_cases",
    "normalise_a_number",
    "prepare_batch",
]
