"""The days a departure report may carry: none in the future (checked by each intake against
its clock), none before :data:`EARLIEST_DEPARTURE`."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases.service import get_case
from docket.departures.model import EARLIEST_DEPARTURE, parse_report, refuse_future
from docket.departures.service import accept_reports
from docket.errors import InvalidInput
from docket.importing.departures_csv import import_departures
from tests.departures.intake_cases import IN_PROCEEDINGS, case_of, report, vd_case
from tests.fakes import FixedClock


def _fields(departed_on: str) -> dict[str, str]:
    return {"source_record_id": "E-1", "family_name": "Reyes", "departed_on": departed_on}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_departure_before_1900_is_refused_naming_the_field(day: str) -> None:
    with pytest.raises(InvalidInput, match=f"departed_on: {day} is before 1900-01-01"):
        parse_report("exit_record", _fields(day))


def test_an_iso_week_date_is_not_a_day_of_the_form_yyyy_mm_dd() -> None:
    with pytest.raises(InvalidInput, match="departed_on: not a date"):
        parse_report("exit_record", _fields("2026-W01-1"))
    parsed = parse_report("exit_record", {**_fields("2026-01-02"), "date_of_birth": "1990-W10-3"})
    assert parsed.report.date_of_birth is None
    assert parsed.report.date_of_birth_as_given == "1990-W10-3"
    assert parsed.warnings == ("date_of_birth '1990-W10-3' is not a date: kept as missing",)


def test_the_first_day_taken_is_the_earliest() -> None:
    parsed = parse_report("exit_record", _fields(EARLIEST_DEPARTURE.isoformat()))
    assert parsed.report.departed_on == EARLIEST_DEPARTURE


def test_a_departure_dated_a_day_begun_somewhere_is_taken_by_every_intake(docket, tmp_path):
    """08:00 in Guam on 23 November is 22:00 UTC on the 22nd: the morning's exit records are
    dated the 23rd, and taken (by the service, and by the CSV import); the 24th has begun
    nowhere yet, and is refused."""
    guam_morning = FixedClock(dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.UTC))
    morning = parse_report("exit_record", _fields("2026-11-23"))
    taken = accept_reports(
        store=docket.departures, clock=guam_morning, actor="intake.gum", reports=[morning]
    )
    assert taken.accepted == 1
    with pytest.raises(InvalidInput, match="2026-11-24 is in the future"):
        refuse_future(parse_report("exit_record", _fields("2026-11-24")).report, guam_morning.now())
    csv = tmp_path / "gum.csv"
    csv.write_text(
        "source_record_id,family_name,departed_on\nG-2,Cruz,2026-11-23\nG-3,Cruz,2026-11-24\n",
        encoding="utf-8",
    )
    imported = import_departures(
        store=docket.departures,
        clock=guam_morning,
        actor="intake.gum",
        path=csv,
        source="exit_record",
    )
    assert imported.accepted == 1
    assert [(r.row, r.column) for r in imported.rejected] == [(3, "departed_on")]


@pytest.mark.parametrize(
    ("make_case", "recorded"),
    [
        (lambda docket: case_of(docket, "012345678", "DKT-GUM-1", *IN_PROCEEDINGS), "recorded"),
        (vd_case, "confirmed"),
    ],
)
def test_a_departure_dated_a_day_begun_somewhere_is_recorded_on_the_persons_case(
    docket, make_case, recorded
):
    """The morning's exit record in Guam, dated the 23rd while UTC's date is the 22nd, is
    taken (above): on its person's open case it is recorded too, on the day it is dated, not
    refused as a departure after its own recording (which refused the whole batch)."""
    guam_morning = FixedClock(dt.datetime(2026, 11, 22, 22, 0, tzinfo=dt.UTC))
    ref = make_case(docket)
    morning = report(record_id="G-1", a_number="012345678", departed_on="2026-11-23")
    taken = accept_reports(
        store=docket.departures, clock=guam_morning, actor="intake.gum", reports=[morning]
    )
    assert taken.results[0].case_events == (f"{ref}:departure_{recorded}",)
    assert get_case(uow=docket.uow, case_ref=ref).departed_on == dt.date(2026, 11, 23)
