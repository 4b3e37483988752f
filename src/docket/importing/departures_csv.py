"""Departure reports from a CSV file (README, "Departure reports: CSV format"), through the one
intake service.

Each row is checked on its own: a refused row is reported with its row number, column and
reason and nothing of it is written; the good rows are taken in batches, one transaction each.
A row whose (source, source_record_id) was already received is a duplicate when its content is
the same (nothing recorded) and refused when it differs. Unknown columns are ignored, with a
warning; an unreadable date of birth is kept as missing, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from docket.cases.ports import Clock
from docket.departures.model import FIELDS, Parsed, parse_report, refuse_future
from docket.departures.ports import DepartureStore
from docket.departures.service import Outcome, accept_reports
from docket.errors import InvalidInput
from docket.importing.csv_batches import CsvFile, each_record, refusal, separator_hint
from docket.importing.rows import RowError

BATCH = 500
"""Rows per transaction."""


@dataclass
class DepartureImport:
    """What an import of departure reports did."""

    rows: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    case_events: list[str] = field(default_factory=list)


def import_departures(
    *,
    store: DepartureStore,
    clock: Clock,
    path: Path,
    source: str,
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> DepartureImport:
    """Take the reports in ``path`` from ``source``. :class:`InvalidInput` for a file that
    cannot be a report file at all (no header, a required column missing, an unknown
    source); anything wrong with a row is that row's refusal."""
    parse_report(source, {"source_record_id": "-", "family_name": "-", "departed_on": "2000-01-01"})
    result = DepartureImport()
    now = clock.now()
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    repeats: list[tuple[int, int]] = []  # (line, the earlier line it repeats)
    # (line -> the earlier line whose key it bears with other content): taken in turn, as in
    # two transactions, so that it is judged against what is stored once the earlier row is
    # taken or refused (a row refused as a conflict leaves the stored report as it was).
    differing: dict[int, int] = {}
    batch: list[tuple[int, Parsed]] = []
    for line, row in _rows(path, result):
        result.rows += 1
        if isinstance(row, RowError):
            result.rejected.append(row)
            _advance(progress)
            continue
        try:
            parsed = parse_report(source, row)
            refuse_future(parsed.report, now)
        except InvalidInput as refusal:
            result.rejected.append(_row_error(line, refusal))
            _advance(progress)
            continue
        result.warnings.extend(f"row {line}: {warning}" for warning in parsed.warnings)
        earlier = seen.get(parsed.report.key)
        if earlier is not None and earlier[1] == parsed.report.content_hash():
            repeats.append((line, earlier[0]))  # counted once the earlier row is taken
            _advance(progress)
            continue
        if earlier is not None:  # the same key again in the file, with other content
            differing[line] = earlier[0]
        else:
            seen[parsed.report.key] = (line, parsed.report.content_hash())
        batch.append((line, parsed))
        if len(batch) >= BATCH:
            _take(store, clock, actor, batch, result, progress, differing)
            batch = []
    _take(store, clock, actor, batch, result, progress, differing)
    _count_repeats(repeats, result)
    result.rejected.sort(key=lambda error: error.row)
    return result


def _count_repeats(repeats: list[tuple[int, int]], result: DepartureImport) -> None:
    """A row repeating an earlier row of the file is a duplicate of it, and rejected as it
    was when it was (its key received before with other content)."""
    rejected = {error.row for error in result.rejected}
    for line, earlier in repeats:
        if earlier in rejected:
            result.rejected.append(
                RowError(
                    line,
                    "source_record_id",
                    f"repeats row {earlier}, rejected: already received with different content",
                )
            )
        else:
            result.duplicates += 1


def _rows(path: Path, result: DepartureImport) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """(line, the row's known columns), or (line, its refusal) for a record that cannot be read
    as the header's columns (:func:`csv_batches.refusal`). Where the file cannot be read on (a
    quote never closed), the refusal goes to ``result`` and the rows end."""
    source = CsvFile(path, size=BATCH, required=())
    with source as batches:
        # A header written by hand puts a space after each comma ("source_record_id,
        # given_name"): the columns are named all the same.
        header = tuple(column.strip() for column in source.header)
        _check_header(path, header, result)
        for batch in batches:
            for _, line, fields in each_record(batch):
                if not any(field.strip() for field in fields):
                    # Only separators (",,,,"): a spreadsheet's export of rows it holds
                    # formatted but empty. No row, as a blank line is none.
                    continue
                refused = refusal(header, fields)
                if refused is not None:
                    yield line, RowError(line, *refused)
                    continue
                yield line, {k: v for k, v in zip(header, fields, strict=False) if k in FIELDS}
    if source.unclosed is not None:
        unclosed = source.unclosed
        result.rejected.append(RowError(unclosed.line, unclosed.column, unclosed.reason))


def _check_header(path: Path, header: tuple[str, ...], result: DepartureImport) -> None:
    if not header:
        raise InvalidInput(f"{path.name}: no header row", details={"file": str(path)})
    twice = sorted({c for c in header if c and header.count(c) > 1})
    if twice:  # as CsvFile refuses them, once the spaces around the names are gone
        raise InvalidInput(
            f"{path.name}: the header names column {', '.join(twice)} more than once; "
            "nothing was imported",
            details={"duplicate_columns": twice},
        )
    missing = [c for c in ("source_record_id", "departed_on") if c not in header]
    if not ({"given_name", "family_name"} & set(header)):
        missing.append("given_name or family_name")
    if missing:
        raise InvalidInput(
            f"{path.name}: required columns missing: {', '.join(missing)}{separator_hint(header)}",
            details={"file": str(path), "missing": missing},
        )
    # A column without a name (a header ending in a comma) is no column, as the case import
    # reads it: named among the unknown, it made the warning a list of empty names (", ").
    unknown = [c for c in header if c and c not in FIELDS]
    if unknown:
        result.warnings.append(f"columns ignored (unknown): {', '.join(unknown)}")


def _row_error(line: int, refused: InvalidInput) -> RowError:
    column = str(refused.details.get("field", ""))
    reason = str(refused.details.get("reason", refused))
    return RowError(line, column, reason)


def _take(
    store: DepartureStore,
    clock: Clock,
    actor: str,
    batch: list[tuple[int, Parsed]],
    result: DepartureImport,
    progress: Callable[[int], None] | None,
    differing: dict[int, int],
) -> None:
    if not batch:
        return
    summary = accept_reports(
        store=store,
        clock=clock,
        actor=actor,
        reports=[parsed for _, parsed in batch],
        refuse_conflicts=False,
        repeats=True,
    )
    # The rows refused so far, asked of a row repeating an earlier one with other content.
    refused = {e.row for e in result.rejected} if any(n in differing for n, _ in batch) else set()
    for (line, _), intake in zip(batch, summary.results, strict=True):
        if intake.outcome is Outcome.ACCEPTED:
            result.accepted += 1
            result.case_events.extend(intake.case_events)
        elif intake.outcome is Outcome.DUPLICATE:
            result.duplicates += 1
        elif line in differing and differing[line] not in refused:
            result.rejected.append(
                RowError(
                    line,
                    "source_record_id",
                    f"same source_record_id as row {differing[line]} with different content",
                )
            )
        else:
            refused.add(line)
            result.rejected.append(
                RowError(line, "source_record_id", "already received with different content")
            )
    if progress is not None:
        progress(len(batch))


def _advance(progress: Callable[[int], None] | None) -> None:
    if progress is not None:
        progress(1)


def count_rows(path: Path) -> int:
    """Data rows in ``path``, counted as lines (for a progress bar: a record over several
    lines counts for each, and a file that is not CSV at all is for the import to refuse)."""
    with path.open("rb") as handle:
        return max(sum(1 for _ in handle) - 1, 0)
