"""After a run of mixed requests, every request that touched a person's data has exactly one
entry on the access log, whatever its outcome."""

from __future__ import annotations

import itertools
import random

import sqlalchemy as sa

from docket.cases.service import show_case
from tests.api.staff import log_in


def current(docket) -> int:
    return show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.version


def test_every_request_touching_person_data_is_logged_exactly_once(client, docket):
    person_id = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id
    users = [
        log_in(client, docket, "nyc.officer"),
        log_in(client, docket, "hou.o", field_office="HOU"),
    ]
    hearing = "/api/cases/DKT-NYC-1/events/hearing_scheduled"
    requests = [
        ("GET", "/api/cases/DKT-NYC-1", None),
        ("GET", "/api/cases/DKT-NYC-1/timeline", None),
        ("GET", "/api/cases/DKT-NYC-1/bars", None),
        ("GET", "/api/cases/DKT-NYC-1/custody", None),
        ("GET", "/api/cases", None),
        ("GET", "/api/cases?office=NYC", None),
        ("GET", f"/api/persons/{person_id}", None),
        ("GET", "/api/cases/DKT-NYC-404", None),  # probes for records that do not exist
        ("GET", "/api/cases/DKT-NYC-404/bars", None),
        ("GET", "/api/persons/P-NOBODY", None),
        ("POST", "/api/cases/DKT-NYC-1/events/charging_document_served", {"document_ref": "N"}),
        ("POST", hearing, {"document_ref": "E", "hearing_on": "2027-02-01"}),
        ("POST", "/api/cases/DKT-NYC-1/events/removal_executed", {"document_ref": "R"}),
        (
            "POST",
            "/api/cases/DKT-NYC-1/events/custody_booked",
            {"document_ref": "B", "facility": "K"},
        ),
    ]
    chooser = random.Random(11)
    sent = []
    for number in range(80):
        method, path, body = chooser.choice(requests)
        headers = {
            **chooser.choice(users),
            "X-Purpose": f"request-{number}",
            "Idempotency-Key": f"key-{number}",
            # The current version half the time, so that writes apply as well as go stale.
            "If-Match": f'"{chooser.choice([1, current(docket)])}"',
        }
        response = client.request(method, path, json=body, headers=headers)
        assert response.status_code < 500, response.text
        sent.append((f"request-{number}", response.status_code))
    with docket.engine.connect() as connection:
        logged = (
            connection.execute(
                sa.text("SELECT purpose FROM access_log WHERE purpose LIKE 'request-%'")
            )
            .scalars()
            .all()
        )
    counts = {purpose: len(list(group)) for purpose, group in itertools.groupby(sorted(logged))}
    assert {purpose: counts.get(purpose, 0) for purpose, _ in sent} == {
        purpose: 1 for purpose, _ in sent
    }
    assert {status for _, status in sent} >= {200, 201, 403, 404, 409, 412}
