"""Departure reports from a CSV file (README, "Departure reports: CSV format"), through the one
intake service.

Each row is checked on its own: a refused row is reported with its row number, column and
reason and nothing of it is written; the good rows are taken in batches, one transaction each.
A row whose (source, source_record_id) was already received is a duplicate when its content is
the same (nothing recorded) and refused when it differs. Unknown columns are ignored, with a
warning; an unreadable date of birth is kept as missing, with a warning.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docket.cases.ports import Clock
from docket.departures.model import FIELDS, Parsed, parse_report, refuse_future
from docket.departures.ports import DepartureStore
from docket.departures.service import Outcome, accept_reports
from docket.errors import InvalidInput
from docket.importing.csv_batches import MAX_QUOTED_LINES
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
    today = clock.now().date()
    seen: dict[tuple[str, str], tuple[int, str]] = {}
    batch: list[tuple[int, Parsed]] = []
    for line, row in _rows(path, result):
        result.rows += 1
        if row is None:
            result.rejected.append(RowError(line, "", "more fields than the header has columns"))
            _advance(progress)
            continue
        try:
            parsed = parse_report(source, row)
            refuse_future(parsed.report, today)
        except InvalidInput as refusal:
            result.rejected.append(_row_error(line, refusal))
            _advance(progress)
            continue
        result.warnings.extend(f"row {line}: {warning}" for warning in parsed.warnings)
        earlier = seen.get(parsed.report.key)
        if earlier is not None:  # the same report twice in the file
            if earlier[1] == parsed.report.content_hash():
                result.duplicates += 1
            else:
                result.rejected.append(
                    RowError(
                        line,
                        "source_record_id",
                        f"same source_record_id as row {earlier[0]} with different content",
                    )
                )
            _advance(progress)
            continue
        seen[parsed.report.key] = (line, parsed.report.content_hash())
        batch.append((line, parsed))
        if len(batch) >= BATCH:
            _take(store, clock, actor, batch, result, progress)
            batch = []
    _take(store, clock, actor, batch, result, progress)
    return result


_EXTRA = "\x00extra"


def _rows(path: Path, result: DepartureImport) -> Iterator[tuple[int, dict[str, str] | None]]:
    """(line, the row's known columns), or (line, ``None``) for a row with more fields than
    the header has columns."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle, restkey=_EXTRA)
        header = reader.fieldnames
        if not header:
            raise InvalidInput(f"{path.name}: no header row", details={"file": str(path)})
        missing = [c for c in ("source_record_id", "departed_on") if c not in header]
        if not ({"given_name", "family_name"} & set(header)):
            missing.append("given_name or family_name")
        if missing:
            raise InvalidInput(
                f"{path.name}: required columns missing: {', '.join(missing)}",
                details={"file": str(path), "missing": missing},
            )
        unknown = [c for c in header if c not in FIELDS]
        if unknown:
            result.warnings.append(f"columns ignored (unknown): {', '.join(unknown)}")
        read_to = reader.line_num
        while True:
            try:
                row = next(reader, None)
            except csv.Error as exc:
                why = f"not readable as CSV ({exc})"
                if "field larger than field limit" in str(exc):
                    why += ": a quoted field opens here and runs on (a quote character missing?)"
                result.rejected.append(_stopped(read_to, why))
                return
            if row is None:
                return
            if _line_breaks(row) >= MAX_QUOTED_LINES:
                why = (
                    f"a quoted field opens here and is not closed within {MAX_QUOTED_LINES} "
                    "lines (a quote character missing?)"
                )
                result.rejected.append(_stopped(read_to, why))
                return
            read_to = reader.line_num
            if _EXTRA in row:
                yield reader.line_num, None
                continue
            yield reader.line_num, {k: v for k, v in row.items() if k in FIELDS}


def _line_breaks(row: dict[str, Any]) -> int:
    """Line breaks inside the fields of ``row`` (the fields past the header's in a list)."""
    values = [*row.values(), *(row.get(_EXTRA) or [])]
    return sum(value.count("\n") for value in values if isinstance(value, str))


def _stopped(read_to: int, why: str) -> RowError:
    """The refusal of the record after line ``read_to``, where reading stopped."""
    return RowError(read_to + 1, "", f"{why}; the file was read up to line {read_to} only")


def _row_error(line: int, refusal: InvalidInput) -> RowError:
    column = str(refusal.details.get("field", ""))
    reason = str(refusal.details.get("reason", refusal))
    return RowError(line, column, reason)


def _take(
    store: DepartureStore,
    clock: Clock,
    actor: str,
    batch: list[tuple[int, Parsed]],
    result: DepartureImport,
    progress: Callable[[int], None] | None,
) -> None:
    if not batch:
        return
    summary = accept_reports(
        store=store,
        clock=clock,
        actor=actor,
        reports=[parsed for _, parsed in batch],
        refuse_conflicts=False,
    )
    for (line, _), intake in zip(batch, summary.results, strict=True):
        if intake.outcome is Outcome.ACCEPTED:
            result.accepted += 1
            result.case_events.extend(intake.case_events)
        elif intake.outcome is Outcome.DUPLICATE:
            result.duplicates += 1
        else:
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
