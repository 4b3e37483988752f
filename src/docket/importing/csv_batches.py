"""A CSV file read in batches of whole records, as text: the process reading the file only
finds where records end, and the fields are parsed where the batch is prepared (in a worker
process on a bulk import), so the process that writes does not spend its time parsing CSV.

Records end at the line breaks outside quoted fields. Line numbers are the file's physical
lines (the header is line 1), as ``csv.reader`` counts them: a record's number is that of its
last line. A quoted field may hold line breaks, but one still open :data:`MAX_QUOTED_LINES`
lines after it opened, or at the end of the file, is taken for a missing quote character: the
batches end before its record (``CsvFile.unclosed`` says where), instead of the rest of the file
becoming one record, gathered in memory and refused as one row.

Bytes that are not UTF-8 do not stop the reading: they are read as lone surrogates
(``surrogateescape``), and :func:`refusal` refuses the record holding them, or a NUL
character, as it refuses a record with more fields than the header has columns. Nor does a
field longer than :data:`FIELD_LIMIT` (where ``csv.reader`` stops with an error): its record is
read whole all the same, and :func:`refusal` refuses it. A header that is not UTF-8 text,
names a column twice or holds such a field refuses the file.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple, TextIO

from docket.cases.fields import storable
from docket.errors import InvalidInput

MAX_QUOTED_LINES = 100
"""Lines a quoted field may span; no real field of the import formats comes near it."""

FIELD_LIMIT = 131_072
"""Characters a field may hold: ``csv``'s own default limit (128 Ki). A record with a longer
field is refused; no field of the import formats comes near it."""

RawBatch = list[tuple[int, int, list[str]]]
"""(first line, line number, the record's fields as read), one item per non-empty record."""


class TextBatch(NamedTuple):
    """Whole records as they stand in the file, from line ``first_line`` on."""

    first_line: int
    text: str


def records(batch: TextBatch) -> RawBatch:
    """The non-empty records of ``batch``, parsed as ``csv.reader`` parses the whole file."""
    return list(each_record(batch))


def each_record(batch: TextBatch) -> Iterator[tuple[int, int, list[str]]]:
    """The items of :func:`records`, one at a time. A record with a field past ``csv``'s size
    limit, which ``csv.reader`` stops at, is read whole all the same, for :func:`refusal` to
    refuse, and the records after it are read as usual."""
    lines: list[str] = []
    start = 0  # the batch's line (from 0) where the reader begins
    while True:
        text = batch.text if start == 0 else "".join(lines[start:])
        reader = csv.reader(io.StringIO(text, newline=""))
        before = batch.first_line - 1 + start
        previous = 0
        try:
            for fields in reader:
                if fields:
                    yield (before + previous + 1, before + reader.line_num, fields)
                previous = reader.line_num
            return
        except csv.Error:  # the one error csv.reader raises on text: a field past its limit
            if not lines:
                lines = io.StringIO(batch.text, newline="").readlines()
            # The reader drops the rest of the line it stopped on and would read what follows
            # as new records: the record is found again by its quotes, as CsvFile found it.
            first = start + previous
            last = _record_end(lines, first)
            fields = _read_beyond_limit("".join(lines[first : last + 1]))
            yield (batch.first_line + first, batch.first_line + last, fields)
            start = last + 1


def _record_end(lines: list[str], first: int) -> int:
    """The last of ``lines`` of the record starting at ``lines[first]``: the first line from
    there to leave no quoted field open (see ``CsvFile._batches``)."""
    quoted = False
    for number in range(first, len(lines)):
        if lines[number].count('"') % 2:
            quoted = not quoted
        if not quoted:
            return number
    return len(lines) - 1


def _read_beyond_limit(text: str) -> list[str]:
    """The fields of the record ``text``, however long: read with ``csv``'s field limit lifted
    for the while, so that :func:`refusal` can name the column holding the long one."""
    limit = csv.field_size_limit(sys.maxsize)
    try:
        return next(csv.reader(io.StringIO(text, newline="")), [])
    finally:
        csv.field_size_limit(limit)


def refusal(header: tuple[str, ...], fields: list[str]) -> tuple[str, str] | None:
    """(column, reason) refusing a record whose fields cannot be read as the header's columns:
    more fields than the header has columns, a field longer than :data:`FIELD_LIMIT`, bytes
    that are not UTF-8 text, a NUL or another control character (:data:`_CONTROL`)."""
    if len(fields) > len(header):
        return header[-1], (
            f"{len(fields)} fields, the header has {len(header)}: a comma in an unquoted value?"
        )
    text = "".join(fields)
    if len(text) > FIELD_LIMIT:
        for column, value in zip(header, fields, strict=False):
            if len(value) > FIELD_LIMIT:
                return column, _too_long(value)
    if not storable(text):  # no database holds it: PostgreSQL would fail the whole batch
        for column, value in zip(header, fields, strict=False):
            if not _is_text(value):
                return column, "not UTF-8 text"
            if "\x00" in value:
                return column, "holds a NUL character (a binary file?)"
    if _CONTROL.search(text) is not None:
        for column, value in zip(header, fields, strict=False):
            if (found := _CONTROL.search(value)) is not None:
                return column, f"holds the control character U+{ord(found.group()):04X}"
    return None


_CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters no record's text holds, which a terminal obeys when the record is shown
(ESC starts a sequence that can clear the screen or recolour what follows). Tabs and line
breaks are kept: a quoted field may run over lines."""


def _too_long(value: str) -> str:
    reason = f"{len(value)} characters, longer than a field may be ({FIELD_LIMIT})"
    if "\n" in value or "\r" in value:  # a quoted field running on over lines
        reason += ": a quote character missing?"
    return reason


def _plain(column: str) -> str:
    """``column`` as a column name is written: lower case, words joined by underscores."""
    return "_".join(column.replace("-", " ").lower().split())


def _is_text(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: a byte that was not UTF-8
        return False
    return True


def separator_hint(header: tuple[str, ...]) -> str:
    """What to say of a header read as one column holding another separator (a spreadsheet's
    export in a locale that separates by semicolons, or a tab-separated file): empty if it
    is not one."""
    other = [sep for sep in ";\t|" if len(header) == 1 and sep in header[0]]
    return f" (is it separated by {other[0]!r}? Docket reads commas)" if other else ""


class Lines:
    """The lines of a :class:`TextBatch`, split once, to parse a record again from them."""

    def __init__(self, batch: TextBatch) -> None:
        self.first_line = batch.first_line
        self.lines = io.StringIO(batch.text, newline="").readlines()

    def record(self, first_line: int, line: int) -> list[str]:
        """The fields of the record on lines ``first_line`` to ``line``."""
        text = "".join(self.lines[first_line - self.first_line : line - self.first_line + 1])
        return next(csv.reader(io.StringIO(text, newline="")))


class Unclosed(NamedTuple):
    """A quoted field never closed, as far as the file was read."""

    line: int
    """The line it opens on."""
    column: str
    read_to: int
    """The last line read into batches: the line before the record it is part of."""

    @property
    def reason(self) -> str:
        """Why its record is refused."""
        return (
            f"a quoted field opens here and is not closed within {MAX_QUOTED_LINES} lines "
            "or by the end of the file (a quote character missing?); the file was read up "
            f"to line {self.read_to} only"
        )


class CsvFile:
    """Context manager yielding a file's :class:`TextBatch` es of about ``size`` records, after
    reading its header (kept in ``header``); ``required`` columns missing refuse the file.
    Given the ``known`` columns, a column that is one of them but for case, spaces or dashes
    (``Bars``, `` a_number``) refuses the file too: its values would be lost without a word."""

    def __init__(
        self, path: Path, *, size: int, required: tuple[str, ...], known: tuple[str, ...] = ()
    ) -> None:
        self.path, self.size, self.required, self.known = path, size, required, known
        self.header: tuple[str, ...] = ()
        self.unclosed: Unclosed | None = None
        """Once the batches are read: a quoted field still open :data:`MAX_QUOTED_LINES`
        lines after it opened or at the end of the file, if any; the batches end before the
        record it opens."""

    def __enter__(self) -> Iterator[TextBatch]:
        try:
            self.handle = self.path.open(newline="", encoding="utf-8-sig", errors="surrogateescape")
        except OSError as exc:
            raise InvalidInput(f"cannot read {self.path}: {exc.strerror}") from exc
        reader = csv.reader(self.handle)  # reads the handle line by line: no read-ahead
        try:
            self.header = self._read_header(reader)
            self._check_header()
        except BaseException:
            self.handle.close()
            raise
        return self._batches(self.handle, reader.line_num + 1)

    def _read_header(self, reader: Iterator[list[str]]) -> tuple[str, ...]:
        try:
            return tuple(next(reader, []))
        except csv.Error as exc:  # a field past csv's limit
            raise InvalidInput(
                f"{self.path.name}: the header row holds a field longer than {FIELD_LIMIT} "
                "characters; nothing was imported",
                details={"file": str(self.path)},
            ) from exc

    def _check_header(self) -> None:
        name = self.path.name
        if not any(self.header):
            raise InvalidInput(
                f"{name}: no header row (an empty file?); nothing was imported",
                details={"file": str(self.path)},
            )
        if not all(_is_text(column) for column in self.header):
            raise InvalidInput(
                f"{name}: the header row is not UTF-8 text; nothing was imported",
                details={"file": str(self.path)},
            )
        # Unnamed columns (a spreadsheet's trailing commas) are never read: no value is lost.
        twice = sorted({c for c in self.header if c and self.header.count(c) > 1})
        if twice:
            raise InvalidInput(
                f"{name}: the header names column {', '.join(twice)} more than once; "
                "nothing was imported",
                details={"duplicate_columns": twice},
            )
        misnamed = [
            f"{column!r} (for {_plain(column)})"
            for column in self.header
            if column not in self.known and _plain(column) in self.known
        ]
        if misnamed:
            raise InvalidInput(
                f"{name}: the header names column {', '.join(misnamed)}; column names are "
                "lower case, without spaces: rename it; nothing was imported",
                details={"misnamed_columns": misnamed},
            )
        missing = [column for column in self.required if column not in self.header]
        if missing:
            raise InvalidInput(
                f"{name}: missing columns {', '.join(missing)}{separator_hint(self.header)}; "
                "nothing was imported",
                details={"missing_columns": missing},
            )

    @property
    def unknown(self) -> list[str]:
        """The header's named columns that are not ``known`` (read as no column)."""
        return [column for column in self.header if column and column not in self.known]

    def __exit__(self, *exc: object) -> None:
        self.handle.close()

    def _batches(self, handle: TextIO, first_line: int) -> Iterator[TextBatch]:
        # A line with an odd number of quote characters opens or closes a quoted field (a
        # quote inside one is doubled); a record ends with a line that leaves none open. Blank
        # lines count towards the size; they hold no record.
        size = self.size
        lines: list[str] = []
        count, quoted, start, begins, opened = 0, False, first_line, first_line, first_line
        for number, line in enumerate(handle, start=first_line):
            if not quoted:
                begins = number  # the previous line ended a record
            lines.append(line)
            if line.count('"') % 2:
                quoted = not quoted
                opened = number
            if quoted:
                if number - opened >= MAX_QUOTED_LINES:
                    break
                continue
            count += 1
            if count >= size:
                yield TextBatch(start, "".join(lines))
                lines, count, start = [], 0, number + 1
        if quoted:  # too long, or the file ends inside the field
            record = "".join(lines[begins - start : opened - start + 1])
            self.unclosed = Unclosed(opened, self._column_opened(record), begins - 1)
            lines = lines[: begins - start]
        if lines:
            yield TextBatch(start, "".join(lines))

    def _column_opened(self, record: str) -> str:
        """The column whose quoted field is open at the end of ``record`` (its last field)."""
        fields = _read_beyond_limit(record)
        return self.header[len(fields) - 1] if 0 < len(fields) <= len(self.header) else "?"
