"""The departure routes: intake (one or a batch, all or none, idempotent), the live metrics,
who may use them, and their place on the access log."""

from __future__ import annotations

import json

import sqlalchemy as sa

from docket.cases.events import EventKind
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.departures.intake_cases import IN_PROCEEDINGS, case_of


def item(record_id: str = "E-1", **fields: str) -> dict[str, str]:
    return {
        "source": "exit_record",
        "source_record_id": record_id,
        "given_name": "Ana",
        "family_name": "Reyes",
        "departed_on": "2026-11-20",
        **fields,
    }


def access_actions(docket) -> list[tuple[str, str, str]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT action, outcome, details FROM access_log ORDER BY seq")
        )
        return [(a, o, d) for a, o, d in rows]


def test_intake_one_or_a_batch_confirms_and_closes_a_vd_case(client, docket):
    grant = {"deadline_on": "2027-01-20", "granted_by": "agency"}
    ref = case_of(
        docket,
        "045678901",
        "DKT-API-VD",
        *IN_PROCEEDINGS,
        (EventKind.VOLUNTARY_DEPARTURE_GRANTED, grant),
    )
    officer = log_in(client, docket, "officer.intake")
    answer = client.post(
        "/api/departure-reports",
        json={"reports": [item(a_number="A045678901"), item("S-1", source="self_report")]},
        headers=officer,
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["accepted"] == 2
    first = body["results"][0]
    assert (first["outcome"], first["status"]) == ("accepted", "linked")
    assert first["case_events"] == [f"{ref}:departure_confirmed"]
    again = client.post(
        "/api/departure-reports", json={"reports": [item(a_number="A045678901")]}, headers=officer
    )
    assert again.json()["duplicates"] == 1
    assert again.json()["results"][0]["departure_id"] == first["departure_id"]

    analyst = log_in(client, docket, "analyst.one", Role.ANALYST)
    figures = client.get("/api/metrics/departures", headers=analyst).json()
    assert figures["unique_departures"]["total"] == 2
    assert figures["by_programme"] == {"no_case": 1, "voluntary_departure_agency": 1}
    dated = client.get(
        "/api/metrics/departures", params={"from": "2026-11-21"}, headers=analyst
    ).json()
    assert dated["unique_departures"]["total"] == 0
    actions = [(a, o) for a, o, _ in access_actions(docket)]
    assert actions.count(("record_departure_report", "allowed")) == 2
    assert actions.count(("read_aggregates", "allowed")) == 2


def test_a_conflict_or_a_bad_item_refuses_the_whole_batch(client, docket):
    officer = log_in(client, docket, "officer.intake")
    assert (
        client.post(
            "/api/departure-reports", json={"reports": [item()]}, headers=officer
        ).status_code
        == 201
    )
    conflict = client.post(
        "/api/departure-reports",
        json={"reports": [item("E-2"), item(port="MIA")]},
        headers=officer,
    )
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"
    bad = client.post(
        "/api/departure-reports",
        json={"reports": [item("E-3"), item("E-4", given_name="", family_name="")]},
        headers=officer,
    )
    assert bad.status_code == 422
    [problem] = bad.json()["error"]["details"]["fields"]
    assert problem["field"] == "body.reports.1"
    assert "at least one of given_name and family_name" in problem["message"]
    with docket.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) == 1
    failed = [d for a, _, d in access_actions(docket) if a == "record_departure_report"]
    assert len(failed) == 2  # the accepted intake and the refused conflict
    assert "idempotency_key_reused" in failed[1]


def test_the_same_record_with_another_unreadable_birth_date_is_a_conflict(client, docket):
    officer = log_in(client, docket, "officer.intake")
    first = item(date_of_birth="31/02/1980")
    taken = client.post("/api/departure-reports", json={"reports": [first]}, headers=officer)
    assert taken.status_code == 201
    again = client.post("/api/departure-reports", json={"reports": [first]}, headers=officer)
    assert (again.status_code, again.json()["duplicates"]) == (201, 1)
    conflict = client.post(
        "/api/departure-reports",
        json={"reports": [item(date_of_birth="not known")]},
        headers=officer,
    )
    assert conflict.status_code == 422
    assert conflict.json()["error"]["code"] == "idempotency_key_reused"


def test_only_the_roles_of_the_table_take_reports_or_read_metrics(client, docket):
    analyst = log_in(client, docket, "analyst.one", Role.ANALYST)
    refused = client.post("/api/departure-reports", json={"reports": [item()]}, headers=analyst)
    assert refused.status_code == 403
    officer = log_in(client, docket, "officer.one")
    assert client.get("/api/metrics/departures", headers=officer).status_code == 403
    assert client.get("/api/metrics/departures").status_code == 401
    refusals = [(a, o) for a, o, _ in access_actions(docket) if o == "refused"]
    assert refusals == [("record_departure_report", "refused"), ("read_aggregates", "refused")]


def test_a_departure_dated_before_1900_is_refused_naming_the_field(client, docket):
    officer = log_in(client, docket, "officer.intake")
    first = client.post("/api/departure-reports", json={"reports": [item("E-1")]}, headers=officer)
    assert first.status_code == 201
    # the same traveller again, on a day whose 14-day window would leave the calendar
    old = client.post(
        "/api/departure-reports",
        json={"reports": [item("E-2", departed_on="0001-01-01")]},
        headers=officer,
    )
    assert old.status_code == 422, old.text
    error = old.json()["error"]
    assert error["code"] == "invalid_input"
    assert error["message"] == (
        "reports[0] (exit_record/E-2): departed_on: 0001-01-01 is before 1900-01-01"
    )
    assert error["details"]["field"] == "departed_on"
    with docket.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) == 1


def test_a_report_the_domain_refuses_is_named_among_the_batch(client, docket):
    officer = log_in(client, docket, "officer.intake")
    batch = [item(f"E-{n}") for n in range(5)]
    batch[3] = item("E-3", departed_on="2999-01-01")
    refused = client.post("/api/departure-reports", json={"reports": batch}, headers=officer)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert (
        error["message"] == "reports[3] (exit_record/E-3): departed_on: 2999-01-01 is in the future"
    )
    details = error["details"]
    assert (details["report"], details["source_record_id"]) == ("body.reports.3", "E-3")
    assert details["field"] == "departed_on"
    with docket.engine.connect() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) == 0


def test_a_batch_the_domain_refuses_is_on_the_access_log_once(client, docket):
    officer = log_in(client, docket, "officer.intake")
    refused = client.post(
        "/api/departure-reports",
        json={"reports": [item("E-1"), item("E-2", departed_on="1850-01-01")]},
        headers=officer,
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["details"]["field"] == "departed_on"
    logged = [(o, d) for a, o, d in access_actions(docket) if a == "record_departure_report"]
    assert len(logged) == 1
    assert logged[0][0] == "allowed"
    assert '"failed":"invalid_input"' in logged[0][1]


def test_an_unknown_field_is_ignored_with_a_warning_as_an_unknown_csv_column_is(client, docket):
    officer = log_in(client, docket, "officer.intake")
    answer = client.post(
        "/api/departure-reports",
        json={"reports": [{**item(), "a_numbr": "A045678901", "note": 1}]},
        headers=officer,
    )
    assert answer.status_code == 201, answer.text
    [result] = answer.json()["results"]
    assert result["warnings"] == ["fields ignored (unknown): a_numbr, note"]


def test_metrics_over_a_span_ending_before_it_begins_are_refused_in_the_apis_own_words(
    client, docket
):
    analyst = log_in(client, docket, "analyst.one", Role.ANALYST)
    answer = client.get(
        "/api/metrics/departures",
        params={"from": "2026-12-01", "to": "2026-11-01"},
        headers=analyst,
    )
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["message"] == "from 2026-12-01 is after to 2026-11-01"
    assert error["details"] == {"field": "from"}
    with docket.engine.connect() as connection:
        logged = connection.execute(
            sa.text("SELECT outcome, details FROM access_log WHERE record_type = 'metrics'")
        ).all()
    assert [(outcome, json.loads(details).get("failed")) for outcome, details in logged] == [
        ("allowed", "invalid_input")
    ]
