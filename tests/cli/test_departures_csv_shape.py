"""``docket departures import`` of files the CSV itself gets wrong: bytes that are not UTF-8, a
quote left open at the end, a header naming a column twice, a row repeating a refused one."""

from __future__ import annotations

from pathlib import Path

HEADER = b"source_record_id,given_name,family_name,date_of_birth,departed_on\n"


def _row(n: int, given: bytes = b"Ana") -> bytes:
    return b"M%d,%s%d,Reyes,1980-01-01,2020-03-01\n" % (n, given, n)


def _write(tmp_path: Path, data: bytes, name: str = "exits.csv") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_a_row_not_utf8_is_rejected_by_row_and_column_and_the_rest_is_taken(run, tmp_path):
    rows = [_row(n) for n in range(700)]
    rows[600] = _row(600, "Jürgen".encode("latin-1"))  # line 602, after a batch is taken
    result = run("departures", "import", _write(tmp_path, HEADER + b"".join(rows)),
                 "--source", "exit_record")  # fmt: skip
    assert result.exit_code == 1
    assert "rows read: 700; accepted: 699; duplicates: 0; rejected: 1" in result.output
    assert "row 602, column given_name: not UTF-8 text" in result.output


def test_a_quote_open_at_the_end_of_the_file_is_named_where_it_opens(run, tmp_path):
    data = HEADER + _row(1) + b'"M2,Bo,Li,1980-01-01,2020-03-01\n' + _row(3) + _row(4)
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 1
    assert "rows read: 1; accepted: 1; duplicates: 0; rejected: 1" in result.output
    assert "row 3, column source_record_id: a quoted field opens here and is not closed" in (
        result.output
    )
    assert "the file was read up to line 2 only" in result.output


def test_a_header_naming_a_column_twice_refuses_the_file(run, tmp_path):
    data = b"source_record_id,family_name,departed_on,departed_on\nQ1,Reyes,2020-03-01,2020-03-05\n"
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 1
    assert "the header names column departed_on more than once; nothing was imported" in (
        result.output
    )
    assert "unique departures: 0" in run("departures", "metrics").output


def test_a_row_repeating_a_row_rejected_as_a_conflict_is_rejected_too(run, tmp_path):
    first = _write(tmp_path, HEADER + _row(1), "first.csv")
    assert run("departures", "import", first, "--source", "exit_record").exit_code == 0
    changed = _row(1).replace(b"2020-03-01", b"2020-03-09")
    again = _write(tmp_path, HEADER + changed + changed + _row(2), "again.csv")
    result = run("departures", "import", again, "--source", "exit_record")
    assert result.exit_code == 1
    assert "rows read: 3; accepted: 1; duplicates: 0; rejected: 2" in result.output
    assert "row 2, column source_record_id: already received with different content" in (
        result.output
    )
    assert "row 3, column source_record_id: repeats row 2, rejected" in result.output


def test_a_file_separated_by_semicolons_is_refused_saying_so(run, tmp_path):
    """A spreadsheet's export in a locale that separates by semicolons: the case import says
    so, and the departure import says the same."""
    data = HEADER.replace(b",", b";") + _row(1).replace(b",", b";")
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 1
    assert "(is it separated by ';'? Docket reads commas)" in result.output


def test_rows_of_empty_fields_only_are_no_rows_as_blank_lines_are_none(run, tmp_path):
    """A spreadsheet exports the rows it holds formatted but empty as separators only: they
    are not refused rows (which would fail an import of good reports)."""
    data = HEADER + _row(1) + b",,,,\n" + b" , ,,,\n" + _row(2) + b",,,,\n\n"
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 0, result.output
    assert "rows read: 2; accepted: 2; duplicates: 0; rejected: 0" in result.output


def test_a_header_with_spaces_after_its_commas_names_its_columns_all_the_same(run, tmp_path):
    data = b"source_record_id, given_name, family_name, departed_on\nS1, Ana, Reyes, 2020-03-01\n"
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 0, result.output
    assert "rows read: 1; accepted: 1; duplicates: 0; rejected: 0; warnings: 0" in result.output
    twice = b"source_record_id,family_name,departed_on, family_name\nS2,Reyes,2020-03-01,Soto\n"
    refused = run(
        "departures", "import", _write(tmp_path, twice, "b.csv"), "--source", "exit_record"
    )
    assert refused.exit_code == 1
    assert "the header names column family_name more than once; nothing was imported" in (
        refused.output
    )


def test_a_row_as_received_after_a_row_refused_as_a_conflict_is_a_duplicate(run, tmp_path):
    """Its key came first in the file with other content, refused as a conflict: nothing of
    that row was written, so this one is what was received, as it would be on its own."""
    first = _write(tmp_path, HEADER + _row(1), "first.csv")
    assert run("departures", "import", first, "--source", "exit_record").exit_code == 0
    changed = _row(1).replace(b"2020-03-01", b"2020-03-09")
    other = _row(1).replace(b"2020-03-01", b"2020-03-07")
    again = _write(tmp_path, HEADER + changed + _row(1) + other, "again.csv")
    result = run("departures", "import", again, "--source", "exit_record")
    assert result.exit_code == 1
    assert "rows read: 3; accepted: 0; duplicates: 1; rejected: 2" in result.output
    assert "row 2, column source_record_id: already received with different content" in (
        result.output
    )
    assert "row 4, column source_record_id: already received with different content" in (
        result.output
    )
    assert "recount agrees" in run("departures", "recount").output


def test_columns_without_a_name_are_no_columns_and_not_named_as_unknown(run, tmp_path):
    data = b"source_record_id,family_name,,departed_on,note,\nW1,Reyes,,2020-03-01,x,\n"
    result = run("departures", "import", _write(tmp_path, data), "--source", "exit_record")
    assert result.exit_code == 0
    assert "rows read: 1; accepted: 1; duplicates: 0; rejected: 0; warnings: 1" in result.output
    assert "warning: columns ignored (unknown): note\n" in result.output
