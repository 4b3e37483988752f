"""The CSV Docket writes for spreadsheets: a text cell a spreadsheet would run as a formula is
written with a ``'`` before it; numbers Docket computed, negative ones too, are left alone."""

from __future__ import annotations

import csv
import io

import pytest

from docket.csv_output import FORMULA_STARTS, SpreadsheetSafeWriter, spreadsheet_safe


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=1+1"],
)
def test_a_text_a_spreadsheet_would_run_gets_a_quote_before_it(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["E-1", "DKT-P-01", "", " =1", "a=b"])
def test_any_other_text_is_written_as_it_is(value):
    assert spreadsheet_safe(value) == value


@pytest.mark.parametrize("value", [-3, -0.25, 0.999, 7, None])
def test_numbers_docket_computed_are_left_alone_negative_ones_too(value):
    assert spreadsheet_safe(value) is value


def test_the_writer_neutralises_every_text_cell_and_keeps_the_header_and_numbers():
    out = io.StringIO()
    writer = SpreadsheetSafeWriter(out, ("id", "score", "note"))
    writer.writeheader()
    writer.writerows([{"id": "-2", "score": -15, "note": '=cmd|" /C calc"!A0'}])
    assert out.getvalue() == 'id,score,note\n\'-2,-15,"\'=cmd|"" /C calc""!A0"\n'
    assert list(csv.reader(io.StringIO(out.getvalue())))[1] == [
        "'-2",
        "-15",
        '\'=cmd|" /C calc"!A0',
    ]


def _as_read(cell: str) -> str:
    # What the README tells a program reading the file to do: drop the quote of a cell that
    # begins with one followed by a formula's first character or another quote.
    return cell[1:] if cell[:1] == "'" and cell[1:2] in (*FORMULA_STARTS, "'") else cell


@pytest.mark.parametrize(
    "value", ["'=1", "'+1", "'-2", "''=1", "'abc", "'", "''", "=1", "-2", "E-1", "a'b"]
)
def test_a_program_reading_the_file_gets_every_text_back(value):
    # A value that itself begins with a quote is quoted too: "'=1" written as it is would be
    # read back as "=1", and "'abc" would show in a spreadsheet as "abc".
    assert _as_read(spreadsheet_safe(value)) == value
