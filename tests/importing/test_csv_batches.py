"""A file read in batches of whole records gives the records, and their line numbers, that
``csv.reader`` gives reading it whole."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docket.errors import InvalidInput
from docket.importing.csv_batches import (
    FIELD_LIMIT,
    MAX_QUOTED_LINES,
    CsvFile,
    Lines,
    records,
    refusal,
)

_FIELD = st.text(alphabet=st.sampled_from('a"\n\r,é '), max_size=6)
_ROW = st.lists(_FIELD, min_size=1, max_size=4)


def _whole(path: Path) -> list[tuple[int, list[str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(reader.line_num, fields) for fields in reader if fields]


@given(rows=st.lists(st.one_of(_ROW, st.just([])), max_size=12), size=st.integers(1, 5))
def test_batches_of_whole_records_parse_as_the_whole_file(rows, size):
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "cases.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["first", "second"])
            for row in rows:
                if row:
                    writer.writerow(row)
                else:
                    handle.write("\r\n")  # a blank line: no record
        source = CsvFile(path, size=size, required=("first",))
        with source as batches:
            read = [(batch, item) for batch in batches for item in records(batch)]
        assert source.header == ("first", "second")
        assert [(line, fields) for _, (_, line, fields) in read] == _whole(path)
        for batch, (first_line, line, fields) in read:
            assert Lines(batch).record(first_line, line) == fields


def test_a_quoted_line_break_keeps_its_record_whole_across_a_batch_boundary(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('first\r\n"one\r\ntwo"\r\nthree\r\n"say ""hi""\r\n"\r\n', encoding="utf-8")
    with CsvFile(path, size=1, required=()) as batches:
        read = [records(batch) for batch in batches]
    assert read == [[(2, 3, ["one\r\ntwo"])], [(4, 4, ["three"])], [(5, 6, ['say "hi"\r\n'])]]


def test_a_file_without_a_required_column_is_refused(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("first\r\n", encoding="utf-8")
    with (
        pytest.raises(InvalidInput, match="missing columns second"),
        CsvFile(path, size=1, required=("second",)),
    ):
        pass


def test_a_quote_never_closed_stops_the_reading_before_its_record(tmp_path):
    path = tmp_path / "cases.csv"
    good = [f"r{n},x\r\n" for n in range(300)]
    good[2] = 'r2,"never closed\r\n'  # line 4 of the file (the header is line 1)
    path.write_text("first,second\r\n" + "".join(good), encoding="utf-8")
    source = CsvFile(path, size=2, required=())
    with source as batches:
        read = [records(batch) for batch in batches]
    assert [fields for batch in read for _, _, fields in batch] == [["r0", "x"], ["r1", "x"]]
    assert source.unclosed == (4, "second", 3)


def test_a_quoted_field_may_hold_line_breaks_up_to_the_bound(tmp_path):
    path = tmp_path / "cases.csv"
    field = "\r\n".join(["line"] * MAX_QUOTED_LINES)
    path.write_text(f'first\r\n"{field}"\r\nnext\r\n', encoding="utf-8")
    source = CsvFile(path, size=5, required=())
    with source as batches:
        read = [item for batch in batches for item in records(batch)]
    assert source.unclosed is None
    assert [fields for _, _, fields in read] == [[field], ["next"]]


def test_a_file_ending_inside_a_quoted_field_stops_before_its_record(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text('first,second\r\nr0,x\r\nr1,"open\r\nr2,x\r\n', encoding="utf-8")
    source = CsvFile(path, size=5, required=())
    with source as batches:
        read = [fields for batch in batches for _, _, fields in records(batch)]
    assert read == [["r0", "x"]]
    assert source.unclosed == (3, "second", 2)


@pytest.mark.parametrize("size", [1, 2, 10])
def test_a_field_past_csvs_limit_is_read_whole_and_the_records_after_it_as_usual(tmp_path, size):
    long_line = "x" * (FIELD_LIMIT + 1)
    long_lines = "\r\n".join(["y" * (FIELD_LIMIT // 2)] * 3)  # a quoted field over lines 5-7
    path = tmp_path / "cases.csv"
    path.write_text(
        f'first,second\r\nr0,x\r\nr1,{long_line}\r\nr2,x\r\n"{long_lines}",z\r\nr4,"a\r\nb"\r\n',
        encoding="utf-8",
    )
    source = CsvFile(path, size=size, required=())
    with source as batches:
        read = [item for batch in batches for item in records(batch)]
    assert read == [
        (2, 2, ["r0", "x"]),
        (3, 3, ["r1", long_line]),
        (4, 4, ["r2", "x"]),
        (5, 7, [long_lines, "z"]),
        (8, 9, ["r4", "a\r\nb"]),
    ]
    assert [refusal(source.header, fields) for _, _, fields in read] == [
        None,
        ("second", f"{FIELD_LIMIT + 1} characters, longer than a field may be ({FIELD_LIMIT})"),
        None,
        (
            "first",
            f"{len(long_lines)} characters, longer than a field may be ({FIELD_LIMIT}): "
            "a quote character missing?",
        ),
        None,
    ]
    assert csv.field_size_limit() == FIELD_LIMIT  # lifted only while the long record was read


def test_a_field_as_long_as_csvs_limit_is_no_refusal():
    assert refusal(("first", "second"), ["a", "x" * FIELD_LIMIT]) is None


def test_a_header_holding_a_field_past_csvs_limit_refuses_the_file(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("first," + "x" * (FIELD_LIMIT + 1) + "\r\nr0,x\r\n", encoding="utf-8")
    with (
        pytest.raises(InvalidInput, match="header row holds a field longer than 131072"),
        CsvFile(path, size=1, required=()),
    ):
        pass


def test_a_quote_never_closed_past_csvs_limit_is_named_by_its_column(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text(f'first,second\r\nr0,x\r\nr1,"{"x" * (FIELD_LIMIT + 1)}\r\n', encoding="utf-8")
    source = CsvFile(path, size=5, required=())
    with source as batches:
        read = [fields for batch in batches for _, _, fields in records(batch)]
    assert read == [["r0", "x"]]
    assert source.unclosed == (3, "second", 2)


@pytest.mark.parametrize("text", ["", "\ufeff", "\r\n\r\n"])
def test_a_file_with_no_header_row_is_refused_as_such(tmp_path, text):
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    with (
        pytest.raises(InvalidInput, match=r"^cases.csv: no header row \(an empty file\?\); "),
        CsvFile(path, size=1, required=("first",)),
    ):
        pass


def test_a_file_separated_by_semicolons_is_told_to_be_comma_separated(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("first;second\r\n1;2\r\n", encoding="utf-8")
    with (
        pytest.raises(
            InvalidInput,
            match=r"^cases.csv: missing columns first, second \(is it separated by ';'\? "
            r"Docket reads commas\); nothing was imported$",
        ),
        CsvFile(path, size=1, required=("first", "second")),
    ):
        pass
