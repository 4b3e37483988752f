"""A case's timeline, bars and custody over HTTP: each read checks the policy table and is on
the access log, like the case itself."""

from __future__ import annotations

from docket.cases.events import EventKind
from docket.identity.model import Role
from tests.api.staff import log_in
from tests.builders import record


def _command(client, headers, kind, version, key, **body):
    return client.post(
        f"/api/cases/DKT-NYC-1/events/{kind}",
        json={"document_ref": "DOC-9", **body},
        headers={**headers, "Idempotency-Key": key, "If-Match": f'"{version}"'},
    )


def test_the_timeline_comes_a_page_at_a_time_in_order(client, docket):
    record(docket, "DKT-NYC-1", EventKind.CHARGING_DOCUMENT_SERVED)
    for day in (5, 6, 7):
        record(
            docket,
            "DKT-NYC-1",
            EventKind.HEARING_SCHEDULED,
            fields={"hearing_on": f"2027-01-0{day}"},
        )
    headers = log_in(client, docket, "nyc.officer", Role.OFFICER)
    first = client.get("/api/cases/DKT-NYC-1/timeline", params={"limit": 3}, headers=headers)
    assert first.status_code == 200, first.text
    kinds = [event["kind"] for event in first.json()["events"]]
    assert kinds == ["case_opened", "charging_document_served", "hearing_scheduled"]
    after = first.json()["next_after"]
    rest = client.get(
        "/api/cases/DKT-NYC-1/timeline", params={"after": after, "limit": 3}, headers=headers
    )
    assert [event["kind"] for event in rest.json()["events"]] == ["hearing_scheduled"] * 2
    assert rest.json()["next_after"] is None
    seqs = [e["seq"] for e in first.json()["events"] + rest.json()["events"]]
    assert seqs == sorted(seqs)
    assert first.headers["ETag"] == '"5"'


def test_a_granted_stay_shows_as_a_bar_naming_what_it_stops(client, docket):
    record(docket, "DKT-NYC-1", EventKind.CHARGING_DOCUMENT_SERVED)
    headers = log_in(client, docket, "nyc.officer", Role.OFFICER)
    assert client.get("/api/cases/DKT-NYC-1/bars", headers=headers).json()["bars"] == []
    granted = _command(client, headers, "stay_granted", 2, "stay-1", authority="court")
    assert granted.status_code == 201, granted.text
    bars = client.get("/api/cases/DKT-NYC-1/bars", headers=headers).json()
    assert bars["version"] == 3
    [bar] = bars["bars"]
    assert bar["kind"] == "stay_of_removal"
    assert bar["document_ref"] == "DOC-9"
    assert "removal_executed" in bar["blocks"]


def test_custody_shows_booking_and_the_review_date(client, docket):
    headers = log_in(client, docket, "nyc.logistics", Role.LOGISTICS)
    assert client.get("/api/cases/DKT-NYC-1/custody", headers=headers).json()["status"] == "none"
    booked = _command(client, headers, "custody_booked", 1, "book-1", facility="Krome")
    assert booked.status_code == 201, booked.text
    custody = client.get("/api/cases/DKT-NYC-1/custody", headers=headers).json()
    assert custody["status"] == "detained"
    assert custody["facility"] == "Krome"
    assert custody["since_on"] == docket.clock.now().date().isoformat()


def test_another_office_is_refused_every_view_and_each_refusal_is_logged(client, docket):
    headers = log_in(client, docket, "hou.officer", Role.OFFICER, field_office="HOU")
    before = len(docket.access_log.entries(actor="hou.officer"))
    for view in ("timeline", "bars", "custody"):
        response = client.get(f"/api/cases/DKT-NYC-1/{view}", headers=headers)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "access_refused"
    entries = docket.access_log.entries(actor="hou.officer")[before:]
    assert [(e["action"], e["outcome"]) for e in entries] == [("read_case", "refused")] * 3


def test_an_unknown_case_is_404_for_every_view(client, docket):
    headers = log_in(client, docket, "nyc.officer", Role.OFFICER)
    for view in ("timeline", "bars", "custody"):
        assert client.get(f"/api/cases/NOPE-1/{view}", headers=headers).status_code == 404
