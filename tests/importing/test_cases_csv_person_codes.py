"""A person's codes are the ones the format names: citizenship an ISO 3166-1 alpha-2 country,
language an ISO 639-1 language, the address's state a USPS code. Any other value refuses the row
by its column, and nothing of the row is written; a code in other letter case is taken."""

from __future__ import annotations

import pytest

from docket.cases.service import show_case
from docket.importing.cases_csv import import_cases
from tests.importing.case_rows import GOOD, write_rows


def _import(docket, tmp_path, rows: list[dict[str, str]]):
    path = write_rows(tmp_path / "cases.csv", rows)
    return import_cases(
        uow=docket.uow, clock=docket.clock, path=path, actor="importer", batch_size=2
    )


BAD_CODES = [
    ("citizenship", "Mexico", "'Mexico' is not an ISO 3166-1 alpha-2 country code"),
    ("citizenship", "MEX", "'MEX' is not an ISO 3166-1 alpha-2 country code"),
    ("citizenship", "ZZ", "'ZZ' is not an ISO 3166-1 alpha-2 country code"),
    ("language", "Spanish", "'Spanish' is not an ISO 639-1 language code"),
    ("language", "spa", "'spa' is not an ISO 639-1 language code"),
    ("state", "Texas", "'Texas' is not a USPS state or territory code"),
    ("state", "ON", "'ON' is not a USPS state or territory code"),  # Ontario's, not a US one
]


def test_a_code_the_format_does_not_name_refuses_its_row_and_nothing_of_it_is_written(
    docket, tmp_path
):
    bad = [
        {**GOOD, "case_ref": f"DKT-BAD-{n}", "a_number": "", column: value}
        for n, (column, value, _) in enumerate(BAD_CODES)
    ]
    report = _import(docket, tmp_path, [GOOD, *bad])
    assert report.cases_imported == 1
    assert [(e.row, e.column, e.reason) for e in report.errors] == [
        (line, column, reason) for line, (column, _, reason) in enumerate(BAD_CODES, start=3)
    ]
    with docket.engine.connect() as connection:
        persons = connection.exec_driver_sql("SELECT count(*) FROM persons").scalar_one()
    assert persons == 1


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ({"citizenship": " mx ", "language": "ES", "state": "tx"}, ("MX", "es", "TX")),
        ({"citizenship": "XK", "language": "sq", "state": "GU"}, ("XK", "sq", "GU")),
        ({"citizenship": "", "language": "", "state": ""}, ("", "", "")),
    ],
)
def test_a_code_is_taken_in_any_letter_case_and_kept_in_its_standards_own(
    docket, tmp_path, given, kept
):
    assert _import(docket, tmp_path, [{**GOOD, **given}]).errors == []
    person = show_case(uow=docket.uow, case_ref=GOOD["case_ref"]).person
    assert person is not None
    assert (person.citizenship, person.language, person.address.state) == kept
    assert [document.country for document in person.documents] == [kept[0]]
