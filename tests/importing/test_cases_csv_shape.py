"""Bulk import of records the CSV itself gets wrong: more fields than the header has columns,
bytes that are not UTF-8, a field past CSV's size limit, a header naming a column twice. The
record is refused by row, column and reason; the other rows go in."""

from __future__ import annotations

import re

import pytest

from docket.errors import InvalidInput
from docket.importing.cases_csv import COLUMNS, import_cases
from docket.importing.csv_batches import FIELD_LIMIT
from tests.importing.case_rows import GOOD, write_rows


def _rows(count: int) -> list[dict[str, str]]:
    return [
        {**GOOD, "case_ref": f"DKT-{n:08d}", "a_number": f"A2012345{n:02d}"} for n in range(count)
    ]


def _import(docket, path, workers=1):
    return import_cases(
        uow=docket.uow, clock=docket.clock, path=path, actor="importer", batch_size=2,
        workers=workers,
    )  # fmt: skip


def _refs(docket) -> list[str]:
    with docket.engine.connect() as connection:
        return sorted(r for (r,) in connection.exec_driver_sql("SELECT case_ref FROM cases"))


def test_a_row_with_more_fields_than_the_header_is_refused_not_truncated(docket, tmp_path):
    path = write_rows(tmp_path / "cases.csv", _rows(3))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[2].endswith(",")  # counsel, the last column, is empty
    lines[2] += "Smith, Jones & Partners LLP"  # row 3, a comma in an unquoted value
    path.write_text("\n".join(lines), encoding="utf-8")
    report = _import(docket, path)
    assert [(e.row, e.column) for e in report.errors] == [(3, "counsel")]
    assert report.errors[0].reason == (
        f"{len(COLUMNS) + 1} fields, the header has {len(COLUMNS)}: a comma in an unquoted value?"
    )
    assert report.cases_imported == 2
    assert _refs(docket) == ["DKT-00000000", "DKT-00000002"]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_holding_bytes_that_are_not_utf8_is_refused_and_the_rest_goes_in(
    docket, tmp_path, workers
):
    path = write_rows(tmp_path / "cases.csv", _rows(7))
    data = path.read_bytes().replace(b"Houston", "Hôuston".encode("latin-1"), 1)
    lines = data.split(b"\r\n")
    lines[4] = lines[4].replace("García".encode(), "García".encode("latin-1"))  # row 5
    path.write_bytes(b"\r\n".join(lines).replace("Hôuston".encode("latin-1"), b"Houston"))
    report = _import(docket, path, workers)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (5, "family_name", "not UTF-8 text")
    ]
    assert (report.rows, report.cases_imported) == (7, 6)
    assert "DKT-00000003" not in _refs(docket)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_holding_a_nul_character_is_refused_and_the_rest_goes_in(docket, tmp_path, workers):
    """No database column holds a NUL: PostgreSQL failed the whole batch, and the import with
    it, where SQLite stored it."""
    rows = _rows(7)
    rows[3]["given_name"] = "Lu\x00cía"  # row 5
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows), workers)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (5, "given_name", "holds a NUL character (a binary file?)")
    ]
    assert (report.rows, report.cases_imported) == (7, 6)
    assert "DKT-00000003" not in _refs(docket)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Ana\x1b[2J\x1b[31m", "holds the control character U+001B"),  # clears a terminal
        ("Ana\x9b2J", "holds the control character U+009B"),  # the one-character CSI
        ("Ana\x08\x08\x08Eve", "holds the control character U+0008"),
    ],
)
def test_a_row_holding_a_control_character_is_refused_and_the_rest_goes_in(
    docket, tmp_path, value, reason
):
    """`case show` printed it as it stood, and the operator's terminal obeyed it."""
    rows = _rows(3)
    rows[1]["given_name"] = value  # row 3
    rows[2]["address_line"] = "12 Elm St\n\tApt 4"  # a line break and a tab are text
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows))
    assert [(e.row, e.column, e.reason) for e in report.errors] == [(3, "given_name", reason)]
    assert _refs(docket) == ["DKT-00000000", "DKT-00000002"]


def _a_numbers(docket) -> list[str]:
    with docket.engine.connect() as connection:
        return sorted(n for (n,) in connection.exec_driver_sql("SELECT a_number FROM persons"))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_row_with_a_field_past_csvs_limit_is_refused_and_the_rest_goes_in(
    docket, tmp_path, workers
):
    rows = _rows(7)
    rows[3]["counsel"] = "x" * (FIELD_LIMIT + 1)  # row 5
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows), workers)
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (5, "counsel", f"{FIELD_LIMIT + 1} characters, longer than a field may be ({FIELD_LIMIT})")
    ]
    assert (report.rows, report.cases_imported, report.persons_registered) == (7, 6, 6)
    assert "DKT-00000003" not in _refs(docket)
    assert "A201234503" not in _a_numbers(docket)


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (b"case_ref,a_number,case_ref", "names column case_ref more than once"),
        ("case_ref,a_numbér".encode("latin-1"), "the header row is not UTF-8 text"),
    ],
)
def test_a_header_naming_a_column_twice_or_not_utf8_refuses_the_file(
    docket, tmp_path, header, message
):
    path = write_rows(tmp_path / "cases.csv", _rows(2))
    first, rest = path.read_bytes().split(b"\r\n", 1)
    path.write_bytes(first.replace(b"case_ref,a_number", header, 1) + b"\r\n" + rest)
    with pytest.raises(InvalidInput, match=message):
        _import(docket, path)
    assert _refs(docket) == []


def test_unnamed_columns_however_many_are_no_column_named_twice(docket, tmp_path):
    path = write_rows(tmp_path / "cases.csv", _rows(2))
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + ",," for line in lines), encoding="utf-8")
    report = _import(docket, path)
    assert (report.errors, report.cases_imported) == ([], 2)


def test_a_field_office_written_in_lower_case_is_imported_as_the_office_code(docket, tmp_path):
    from docket.cases.ports import CaseFilter
    from docket.cases.service import list_cases

    rows = _rows(2)
    rows[1]["field_office"] = " hou "
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows))
    assert report.errors == []
    houston = list_cases(uow=docket.uow, case_filter=CaseFilter(field_office="HOU"))
    assert [case.case_ref for case in houston] == ["DKT-00000000", "DKT-00000001"]


@pytest.mark.parametrize(
    ("renamed", "written", "said"),
    [
        ("bars", "Bars", "column 'Bars' (for bars)"),
        ("close_reason", "Close Reason", "column 'Close Reason' (for close_reason)"),
        ("a_number", " a_number", "column ' a_number' (for a_number)"),
        ("custody_on", "custody-on", "column 'custody-on' (for custody_on)"),
    ],
)
def test_a_column_named_but_for_case_spaces_or_dashes_refuses_the_file(
    docket, tmp_path, renamed, written, said
):
    """Read as an unknown column, its values (a stay of removal, say) would be lost."""
    path = write_rows(tmp_path / "cases.csv", _rows(2))
    first, rest = path.read_text(encoding="utf-8").split("\n", 1)
    header = [written if column == renamed else column for column in first.strip().split(",")]
    path.write_text(",".join(header) + "\n" + rest, encoding="utf-8")
    with pytest.raises(InvalidInput, match=re.escape(said)):
        _import(docket, path)
    assert _refs(docket) == []


def test_an_unknown_column_is_named_in_the_report_and_the_rows_go_in(docket, tmp_path):
    path = write_rows(tmp_path / "cases.csv", _rows(2))
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = [lines[0] + ",notes,"] + [line + ",seen twice," for line in lines[1:]]
    path.write_text("\n".join(extra) + "\n", encoding="utf-8")
    report = _import(docket, path)
    assert (report.errors, report.cases_imported) == ([], 2)
    assert report.ignored_columns == ["notes"]
