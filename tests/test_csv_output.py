"""The CSV Docket writes for spreadsheets: a text cell a spreadsheet would run as a formula is
written with a ``'`` before it; numbers Docket computed, negative ones too, are left alone."""

from __future__ import annotations

import csv
import io

import pytest

from docket.csv_output import SpreadsheetSafeWriter, spreadsheet_safe


@pytest.mark.parametrize(
    "value",
    ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx", "=1+1"],
)
def test_a_text_a_spreadsheet_would_run_gets_a_quote_before_it(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["E-1", "DKT-P-01", "", " =1", "'=1", "a=b"])
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
