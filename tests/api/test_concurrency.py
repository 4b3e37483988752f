"""Concurrent HTTP clients against a real server (uvicorn on a free port): the same idempotency
key sent five times at once records one event, and sixteen writers on one case never lose an
update: each write either applies or gets 412."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
import sqlalchemy as sa

from docket.cases.events import EventKind
from docket.identity import totp
from docket.identity.model import Role
from tests.builders import a_case, record
from tests.identity.builders import PASSWORD, a_user


@pytest.fixture
def base_url(docket, served) -> str:
    a_case(docket, "DKT-NYC-1")
    record(docket, "DKT-NYC-1", EventKind.CHARGING_DOCUMENT_SERVED)
    return served


@pytest.fixture
def headers(docket, base_url) -> dict[str, str]:
    made = a_user(docket, "nyc.officer", Role.OFFICER, field_office="NYC")
    code = totp.code_at(made.totp_secret, docket.clock.now())
    response = httpx2.post(
        f"{base_url}/api/session",
        json={"username": "nyc.officer", "password": PASSWORD, "code": code},
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _events_of_case(docket) -> int:
    with docket.engine.connect() as connection:
        return connection.execute(
            sa.text("SELECT count(*) FROM events WHERE stream_type = 'case'")
        ).scalar_one()


def _schedule(base_url, headers, *, key, version, day):
    with httpx2.Client(timeout=60) as client:
        return client.post(
            f"{base_url}/api/cases/DKT-NYC-1/events/hearing_scheduled",
            json={"document_ref": "EOIR-1", "hearing_on": f"2027-01-{day:02d}"},
            headers={**headers, "Idempotency-Key": key, "If-Match": f'"{version}"'},
        )


def test_the_same_key_sent_five_times_at_once_records_one_event(docket, base_url, headers):
    before = _events_of_case(docket)
    with ThreadPoolExecutor(5) as pool:
        answers = list(
            pool.map(
                lambda _: _schedule(base_url, headers, key="same-key", version=2, day=5), range(5)
            )
        )
    assert [a.status_code for a in answers] == [201] * 5
    assert len({tuple(a.json()["event_seqs"]) for a in answers}) == 1
    assert sorted(a.json()["replayed"] for a in answers) == [False, True, True, True, True]
    assert _events_of_case(docket) == before + 1


def test_sixteen_writers_lose_no_update(docket, base_url, headers):
    before = _events_of_case(docket)
    with ThreadPoolExecutor(16) as pool:
        answers = list(
            pool.map(
                lambda n: _schedule(base_url, headers, key=f"writer-{n}", version=2, day=n + 1),
                range(16),
            )
        )
    codes = [a.status_code for a in answers]
    assert set(codes) <= {201, 412}
    applied = [a for a in answers if a.status_code == 201]
    # All read version 2: exactly one can apply; every other write is told, none vanishes.
    assert len(applied) == 1
    assert codes.count(412) == 15
    assert _events_of_case(docket) == before + 1
    assert applied[0].json()["version"] == 3
