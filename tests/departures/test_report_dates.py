"""The days a departure report may carry: none in the future (checked by each intake against
its clock), none before :data:`EARLIEST_DEPARTURE`."""

from __future__ import annotations

import pytest

from docket.departures.model import EARLIEST_DEPARTURE, parse_report
from docket.errors import InvalidInput


def _fields(departed_on: str) -> dict[str, str]:
    return {"source_record_id": "E-1", "family_name": "Reyes", "departed_on": departed_on}


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_departure_before_1900_is_refused_naming_the_field(day: str) -> None:
    with pytest.raises(InvalidInput, match=f"departed_on: {day} is before 1900-01-01"):
        parse_report("exit_record", _fields(day))


def test_the_first_day_taken_is_the_earliest() -> None:
    parsed = parse_report("exit_record", _fields(EARLIEST_DEPARTURE.isoformat()))
    assert parsed.report.departed_on == EARLIEST_DEPARTURE
