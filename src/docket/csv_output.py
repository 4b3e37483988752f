"""CSV that Docket writes for people to open, in a spreadsheet as often as not: every such
writer goes through :class:`SpreadsheetSafeWriter`.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
a spreadsheet as a formula, and a formula can run commands or send the sheet's data elsewhere
(CSV or formula injection). Such values come from outside (a source's record id, a case
reference, a policy's names), so each text cell that begins so is written with a single quote
``'`` before it, as OWASP advises: a spreadsheet shows the text, and a program reading the
file sees the quote and can drop it. A text that begins with a quote itself gets one too, so
that dropping the quote of a cell beginning with ``'`` and one of those characters or another
``'`` gives back every text (``'=1`` is written ``''=1``, not read back as ``=1``).

Numbers are written as they are: Docket computes them (a score, a probability) and a negative
one is a number, not a formula, so ``-3`` stays ``-3``. Only ``str`` values are changed."""

from __future__ import annotations

import csv
from collections.abc import Collection, Iterable, Mapping
from typing import Any, TextIO

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""


def spreadsheet_safe(value: object) -> object:
    """``value`` as a spreadsheet shows it without running it: a text beginning with one of
    :data:`FORMULA_STARTS` or with ``'`` gets a ``'`` before it; anything else (numbers
    included) is unchanged."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, "'")):
        return "'" + value
    return value


class SpreadsheetSafeWriter:
    """A :class:`csv.DictWriter` whose rows' text cells pass through :func:`spreadsheet_safe`
    (the header is Docket's own column names and is written as it is)."""

    def __init__(self, out: TextIO, fieldnames: Collection[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=list(fieldnames), lineterminator="\n")

    def writeheader(self) -> None:
        self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> None:
        self._writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})

    def writerows(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)
