"""A good row of the cases CSV, and a file of such rows, for the import tests."""

from __future__ import annotations

import csv
from pathlib import Path

from docket.importing.cases_csv import COLUMNS

GOOD = {
    "case_ref": "DKT-00000001",
    "a_number": "A201234567",
    "given_name": "Lucía",
    "family_name": "García López",
    "aliases": "Lucia Garcia",
    "date_of_birth": "1988-03-14",
    "sex": "F",
    "citizenship": "MX",
    "language": "es",
    "address_line": "12 Elm St",
    "city": "Houston",
    "postcode": "77002",
    "state": "TX",
    "document_number": "G1234567",
    "field_office": "HOU",
    "state_of_case": "final_order",
    "decision": "removal_ordered",
    "in_absentia": "false",
    "opened_on": "2024-02-01",
    "charged_on": "2024-02-10",
    "decided_on": "2025-06-01",
    "final_on": "2025-07-02",
    "custody": "detained",
    "custody_on": "2025-08-01",
    "bars": "stay_of_removal",
}


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({column: row.get(column, "") for column in COLUMNS})
    return path
