"""A date in a request, in its body or its query, is a ``YYYY-MM-DD`` string and nothing else:
never a unix timestamp or a datetime at midnight, which Pydantic's lax mode would take for one.
Anything else is the one 422 shape naming the field, and records nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter

from docket.api.deps import IsoDate
from docket.identity.model import Role
from tests.api.staff import log_in

MIDNIGHT = 1_699_920_000
"""2023-11-14T00:00:00Z as a unix timestamp."""

NOT_DATES = [
    MIDNIGHT,
    float(MIDNIGHT),
    str(MIDNIGHT),
    "2023-11-14T00:00:00",
    "2023-11-14T00:00:00Z",
    "2023-11-14T00:00",
    "2023-11-14 ",
    "٢٠٢٣-١١-١٤",  # digits, but not ASCII ones
]

MESSAGE = "Input should be a date as YYYY-MM-DD"


@given(day=st.dates())
def test_every_date_the_spec_calls_valid_is_taken(day):
    # Schemathesis makes a `format: date` value as Hypothesis's dates written by str().
    assert TypeAdapter(IsoDate).validate_python(str(day)) == day


@pytest.mark.parametrize("day", ["2023-02-29", "2024-13-01", "0000-01-01"])
def test_a_yyyy_mm_dd_naming_no_day_is_refused(day):
    with pytest.raises(ValueError, match="valid date"):
        TypeAdapter(IsoDate).validate_python(day)


def _count(docket, table: str) -> int:
    with docket.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def _refused_fields(response) -> list[dict[str, str]]:
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid_input", "the request is not valid")
    return error["details"]["fields"]


def _command(client, headers, body):
    return client.post(
        "/api/cases/DKT-NYC-1/events/hearing_scheduled",
        json={"document_ref": "EOIR-1", "hearing_on": "2026-12-15", **body},
        headers={**headers, "Idempotency-Key": "k-1", "If-Match": '"1"'},
    )


@pytest.mark.parametrize("value", NOT_DATES)
@pytest.mark.parametrize("field", ["occurred_on", "hearing_on"])
def test_a_command_date_that_is_not_yyyy_mm_dd_is_refused_naming_the_field(
    client, docket, field, value
):
    headers = log_in(client, docket, "nyc.officer")
    charged = client.post(
        "/api/cases/DKT-NYC-1/events/charging_document_served",
        json={"document_ref": "NTA-1"},
        headers={**headers, "Idempotency-Key": "k-0", "If-Match": '"1"'},
    )
    assert charged.status_code == 201, charged.text
    events = _count(docket, "events")
    response = _command(client, headers, {field: value})
    assert _refused_fields(response) == [{"field": f"body.{field}", "message": MESSAGE}]
    assert _count(docket, "events") == events


def test_a_command_date_as_yyyy_mm_dd_is_taken(client, docket):
    headers = log_in(client, docket, "nyc.officer")
    response = client.post(
        "/api/cases/DKT-NYC-1/events/charging_document_served",
        json={"document_ref": "NTA-1", "occurred_on": "2026-11-20"},
        headers={**headers, "Idempotency-Key": "k-0", "If-Match": '"1"'},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("value", NOT_DATES)
def test_a_departure_date_that_is_not_yyyy_mm_dd_refuses_the_batch(client, docket, value):
    headers = log_in(client, docket, "nyc.officer")
    report = {
        "source": "exit_record",
        "source_record_id": "E-1",
        "family_name": "Reyes",
        "departed_on": value,
    }
    response = client.post("/api/departure-reports", json={"reports": [report]}, headers=headers)
    assert _refused_fields(response) == [
        {"field": "body.reports.0.departed_on", "message": MESSAGE}
    ]
    assert _count(docket, "departure_reports") == 0


@pytest.mark.parametrize("value", NOT_DATES)
def test_a_ranking_as_of_that_is_not_yyyy_mm_dd_is_refused(client, docket, value):
    headers = log_in(client, docket, "nyc.supervisor", Role.SUPERVISOR)
    body = {"policy": "neutral-example", "office": "NYC", "as_of": value}
    response = client.post("/api/priority/rankings", json=body, headers=headers)
    assert _refused_fields(response) == [{"field": "body.as_of", "message": MESSAGE}]


@pytest.mark.parametrize(
    ("role", "path", "params", "field"),
    [
        (Role.OFFICER, "/api/cases", {}, "deadline_before"),
        (Role.ANALYST, "/api/metrics/departures", {}, "from"),
        (Role.ANALYST, "/api/metrics/departures", {}, "to"),
        (Role.SUPERVISOR, "/api/cases/DKT-NYC-1/priority", {"policy": "neutral-example"}, "as_of"),
        (Role.ANALYST, "/api/priority/disparity", {"policy": "neutral-example"}, "as_of"),
    ],
)
@pytest.mark.parametrize("value", [str(MIDNIGHT), "2023-11-14T00:00:00", "2023-11-14T00:00"])
def test_a_query_date_that_is_not_yyyy_mm_dd_is_refused_naming_it(
    client, docket, role, path, params, field, value
):
    headers = log_in(client, docket, f"the.{role.value}", role)
    response = client.get(path, params={**params, field: value}, headers=headers)
    assert _refused_fields(response) == [{"field": f"query.{field}", "message": MESSAGE}]
    good = client.get(path, params={**params, field: "2026-11-20"}, headers=headers)
    assert good.status_code == 200, good.text
