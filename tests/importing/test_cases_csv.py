"""Bulk import: good rows in, bad rows reported by row and column and not written, re-import
creates nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.audit.verify import verify
from docket.cases.model import BarKind, CaseState, FactKind
from docket.cases.service import show_case
from docket.errors import InvalidInput
from docket.importing.cases_csv import import_cases, normalise_a_number
from docket.storage.audit_store import SqlAuditStore
from docket.storage.unit_of_work import ANALYSED_FROM_ROWS
from tests.importing.case_rows import GOOD, write_rows


def _import(docket, path, batch_size=2):
    return import_cases(
        uow=docket.uow, clock=docket.clock, path=path, actor="importer", batch_size=batch_size
    )


def _bad(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


BAD_ROWS = [
    (_bad(case_ref="DKT-B-1", date_of_birth="14/03/1988"), "date_of_birth", "not a date"),
    (_bad(case_ref="DKT-B-2", state_of_case="deported"), "state_of_case", "is not one of"),
    (_bad(case_ref="DKT-B-3", decision="relief_granted"), "decision", "must be removal_ordered"),
    (_bad(case_ref="DKT-B-4", final_on=""), "final_on", "required"),
    (_bad(case_ref="DKT-B-5", a_number="123"), "a_number", "is not an A-number"),
    (_bad(case_ref="DKT-B-6", given_name="", family_name=""), "family_name", "name is required"),
    (_bad(case_ref="DKT-B-7", decided_on="2030-01-01"), "decided_on", "in the future"),
    (_bad(case_ref="DKT-B-8", charged_on="2023-01-01"), "charged_on", "before opened_on"),
    (_bad(case_ref="DKT-B-9", bars="curfew"), "bars", "is not one of"),
    (_bad(case_ref="DKT-B-10", state_of_case="closed"), "closed_on", "required"),
    (_bad(case_ref="DKT-B-11", field_office=" * "), "field_office", "stands for every office"),
    (_bad(case_ref="", a_number=""), "case_ref", "required"),
]


def test_bad_rows_are_reported_with_row_and_column_and_good_rows_are_written(docket, tmp_path):
    rows = [
        GOOD,
        *(row for row, _, _ in BAD_ROWS),
        _bad(case_ref="DKT-00000002", a_number="A-301-234-567"),
    ]
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows))
    assert report.cases_imported == 2
    assert [(e.row, e.column) for e in report.errors] == [
        (line, column) for line, (_, column, _) in enumerate(BAD_ROWS, start=3)
    ]
    for error, (_, _, reason) in zip(report.errors, BAD_ROWS, strict=True):
        assert reason in error.reason
    with docket.engine.connect() as connection:
        refs = {r for (r,) in connection.exec_driver_sql("SELECT case_ref FROM cases")}
        persons = connection.exec_driver_sql("SELECT count(*) FROM persons").scalar_one()
    assert refs == {"DKT-00000001", "DKT-00000002"}
    assert persons == 2  # nothing of a refused row was written, not even its person
    case = show_case(uow=docket.uow, case_ref="DKT-00000001").case
    assert case.state is CaseState.FINAL_ORDER
    assert [b.kind for b in case.bars] == [BarKind.STAY_OF_REMOVAL]
    assert case.custody.review_due_on is not None
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_a_case_imported_past_its_final_order_carries_the_order_as_a_fact(docket, tmp_path):
    charged = _bad(
        case_ref="DKT-00000002",
        a_number="",
        state_of_case="charged",
        decision="",
        decided_on="",
        final_on="",
    )
    report = _import(docket, write_rows(tmp_path / "cases.csv", [GOOD, charged]))
    assert (report.cases_imported, report.errors) == (2, [])
    final = show_case(uow=docket.uow, case_ref="DKT-00000001")
    (fact,) = final.case.facts
    imported = final.events[0]
    assert (fact.kind, fact.on) == (FactKind.FINAL_ORDER, dt.date(2025, 7, 2))
    assert fact.fact_id == "DKT-00000001/F1"
    assert fact.event_id == f"{imported.stream_id}@1"
    assert fact.document_ref == imported.document_ref
    assert show_case(uow=docket.uow, case_ref="DKT-00000002").case.facts == ()
    assert verify(SqlAuditStore(docket.engine)).is_ok  # the log rebuilds the fact


@pytest.mark.parametrize("workers", [1, 2])
def test_a_quote_never_closed_is_refused_and_nothing_after_it_is_read(docket, tmp_path, workers):
    rows = [{**GOOD, "case_ref": f"DKT-{n:08d}", "a_number": f"A2012345{n:02d}"} for n in range(40)]
    path = write_rows(tmp_path / "cases.csv", rows)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[12] = lines[12].replace("Houston", '"Houston', 1)  # line 13 of the file: row 12
    path.write_text("".join(lines), encoding="utf-8")
    report = import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=path,
        actor="importer",
        batch_size=3,
        workers=workers,
    )
    # The rows before the quote are written, the batches prepared ahead of it included; the
    # rest of the file would have been one record in memory, and is not read.
    assert report.cases_imported == 11
    assert [(e.row, e.column) for e in report.errors] == [(13, "city")]
    assert "not closed" in report.errors[0].reason
    assert "read up to line 12" in report.errors[0].reason
    with docket.engine.connect() as connection:
        refs = sorted(r for (r,) in connection.exec_driver_sql("SELECT case_ref FROM cases"))
    assert refs == [f"DKT-{n:08d}" for n in range(11)]


def test_reimporting_the_same_file_creates_nothing(docket, tmp_path):
    path = write_rows(tmp_path / "cases.csv", [GOOD, _bad(case_ref="DKT-00000002", a_number="")])
    first = _import(docket, path)
    again = _import(docket, path)
    assert (first.cases_imported, again.cases_imported, again.already_present) == (2, 0, 2)
    with docket.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar_one() == 4


def test_a_second_record_of_the_same_a_number_joins_the_person_with_its_name_as_alias(
    docket, tmp_path
):
    second = _bad(
        case_ref="DKT-00000002",
        given_name="Lucia",
        family_name="Garcia Lopez",
        state_of_case="identified",
        decision="",
        decided_on="",
        final_on="",
        charged_on="",
        custody="none",
        custody_on="",
        bars="",
    )
    _import(docket, write_rows(tmp_path / "cases.csv", [GOOD, second]), batch_size=1)
    one = show_case(uow=docket.uow, case_ref="DKT-00000001")
    two = show_case(uow=docket.uow, case_ref="DKT-00000002")
    assert one.case.person_id == two.case.person_id
    assert two.person is not None
    assert [str(a) for a in two.person.aliases] == ["Lucia Garcia", "Lucia Garcia Lopez"]
    assert verify(SqlAuditStore(docket.engine)).is_ok


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_a_person_met_again_is_read_again_whole_from_records_over_several_lines(
    docket, tmp_path, batch_size
):
    # The writer parses a known person's rows again from the file's lines (the workers parsed
    # them first): in the same batch as the row registering the person, or in a later one.
    before = _bad(case_ref="DKT-00000003", a_number="A209999999", address_line="1 Rd\nRear")
    first = _bad(address_line="12 Elm St\r\nUnit 4")
    again = _bad(
        case_ref="DKT-00000002",
        given_name="Lucia",
        family_name="Garcia Lopez",
        address_line="elsewhere\n2nd floor",
        aliases="",
    )
    path = write_rows(tmp_path / "cases.csv", [before, first, again])
    report = _import(docket, path, batch_size=batch_size)
    assert (report.errors, report.cases_imported, report.aliases_recorded) == ([], 3, 1)
    one = show_case(uow=docket.uow, case_ref="DKT-00000001")
    two = show_case(uow=docket.uow, case_ref="DKT-00000002")
    assert one.case.person_id == two.case.person_id
    assert two.person is not None
    assert two.person.address.line == "12 Elm St\r\nUnit 4"
    assert [str(a) for a in two.person.aliases] == ["Lucia Garcia", "Lucia Garcia Lopez"]
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_a_repeated_case_reference_in_one_file_is_refused(docket, tmp_path):
    report = _import(docket, write_rows(tmp_path / "cases.csv", [GOOD, GOOD]))
    assert report.cases_imported == 1
    assert [(e.row, e.column) for e in report.errors] == [(3, "case_ref")]


def test_a_file_missing_a_required_column_is_refused_whole(docket, tmp_path):
    path = tmp_path / "cases.csv"
    path.write_text("case_ref,given_name\nDKT-1,Ana\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="missing columns a_number"):
        _import(docket, path)
    with docket.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM events").scalar_one() == 0


@pytest.mark.parametrize(
    ("written", "normal"),
    [
        ("A201234567", "A201234567"),
        ("a-201-234-567", "A201234567"),
        ("20123456", "A020123456"),
        ("", None),
    ],
)
def test_a_numbers_are_normalised(written, normal):
    assert normalise_a_number(written) == normal


def test_text_with_backslashes_tabs_and_line_breaks_is_stored_exactly(docket, tmp_path):
    # PostgreSQL takes imported rows as COPY text, where these characters are escapes.
    awkward = _bad(
        given_name="Ana\\N",
        family_name="O'Brien\tDíaz",
        address_line='Flat 2\\3\n"Rear"\r\nBuilding',
        city="\\.",
        counsel="Lee \\t Park, Esq.",
        aliases="",
    )
    report = _import(docket, write_rows(tmp_path / "cases.csv", [awkward]))
    assert report.errors == []
    person = show_case(uow=docket.uow, case_ref=GOOD["case_ref"]).person
    assert person is not None
    assert (person.name.given_name, person.name.family_name) == ("Ana\\N", "O'Brien\tDíaz")
    assert person.address.line == 'Flat 2\\3\n"Rear"\r\nBuilding'
    assert (person.address.city, person.counsel) == ("\\.", "Lee \\t Park, Esq.")
    with docket.engine.connect() as connection:
        given = connection.exec_driver_sql("SELECT given_name FROM persons").scalar_one()
    assert given == "Ana\\N"
    assert verify(SqlAuditStore(docket.engine)).is_ok


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"given_name": "x" * 201}, "given_name"),
        ({"family_name": "x" * 201}, "family_name"),
        ({"aliases": "Ana " + "x" * 201}, "aliases"),
        ({"case_ref": "DKT-" + "9" * 61}, "case_ref"),
        ({"field_office": "HOUSTON-FIELD-OFF"}, "field_office"),
        ({"document_number": "G" * 65}, "document_number"),
    ],
)
def test_text_longer_than_its_column_is_refused_on_every_backend(docket, tmp_path, changes, column):
    rows = [
        _bad(**{"case_ref": "DKT-LONG-1", "a_number": "", **changes}),
        _bad(case_ref="DKT-LONG-2"),
    ]
    report = _import(docket, write_rows(tmp_path / "cases.csv", rows))
    assert report.cases_imported == 1
    (error,) = report.errors
    assert (error.row, error.column) == (2, column)
    assert "characters" in error.reason
    with docket.engine.connect() as connection:
        refs = {r for (r,) in connection.exec_driver_sql("SELECT case_ref FROM cases")}
    assert refs == {"DKT-LONG-2"}


def test_a_large_load_on_postgresql_ends_with_the_planners_statistics(docket, tmp_path):
    if docket.engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE after a load is PostgreSQL's; SQLite's planner goes by its indexes")
    rows = [
        {**GOOD, "case_ref": f"DKT-{n:08d}", "a_number": f"A20{n:07d}"}
        for n in range(ANALYSED_FROM_ROWS)
    ]
    told: list[str] = []
    report = import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=write_rows(tmp_path / "cases.csv", rows),
        actor="importer",
        batch_size=500,
        expected_rows=len(rows),
        notice=told.append,
    )
    assert report.cases_imported == ANALYSED_FROM_ROWS
    assert told == ["updating the database's statistics of the imported tables"]
    with docket.engine.connect() as connection:
        counted = dict(
            connection.exec_driver_sql(
                "SELECT relname, reltuples FROM pg_class WHERE relname IN ('persons', 'cases')"
            ).all()
        )
    # Never analysed, a table counts -1; ANALYZE counts its rows.
    assert counted == {"persons": ANALYSED_FROM_ROWS, "cases": ANALYSED_FROM_ROWS}
