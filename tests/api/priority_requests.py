"""What the API's prioritisation tests share: the policy, routes and reason they use, requests
that record a conviction, rank and record a determination, the ``staff`` fixture (an NYC
officer and supervisor, and a priority case), and counts of rows and access-log entries."""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from docket.identity.model import Role
from tests.api.staff import log_in

POLICY = "neutral-example"
RANKINGS = "/api/priority/rankings"
SWITCH = "/api/priority/switch"
REASON = "the file shows a stronger claim to protection than the facts here record"


def count(docket, table: str, where: str = "") -> int:
    with docket.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one()


def access_entries(docket, action: str) -> list[dict[str, Any]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT actor, outcome, record_type, record_id, details FROM access_log "
                "WHERE action = :action ORDER BY seq"
            ),
            {"action": action},
        ).mappings()
        return [{**row, "details": json.loads(row["details"])} for row in rows]


def record_fact(client, headers, case_ref: str, kind: str, **fields: Any):
    """Record a fact through the generated command route, at the case's current version."""
    version = client.get(f"/api/cases/{case_ref}", headers=headers).headers["ETag"]
    return client.post(
        f"/api/cases/{case_ref}/events/{kind}",
        json={"document_ref": f"DOC-{kind}", **fields},
        headers={**headers, "Idempotency-Key": f"{case_ref}-{kind}-{version}", "If-Match": version},
    )


def conviction(client, headers, case_ref: str = "DKT-NYC-1", **changes: Any):
    fields = {
        "offence": "assault in the second degree",
        "statute": "N.Y. Penal Law § 120.05",
        "category": "violent_felony",
        "sentence_months": 72,
        "convicted_on": "2022-03-01",
        **changes,
    }
    response = record_fact(client, headers, case_ref, "conviction_recorded", **fields)
    assert response.status_code == 201, response.text
    return response


def rank(client, headers, **changes: Any):
    return client.post(
        RANKINGS, json={"policy": POLICY, "office": "NYC", **changes}, headers=headers
    )


@dataclasses.dataclass
class Staff:
    officer: dict[str, str]
    supervisor: dict[str, str]


@pytest.fixture
def staff(client, docket) -> Staff:
    """An NYC officer and supervisor, and a violent felony on DKT-NYC-1 (a priority by the
    neutral example: 60 for the category, 10 for a sentence of five years or more)."""
    officer = log_in(client, docket, "nyc.officer")
    conviction(client, officer)
    return Staff(officer=officer, supervisor=log_in(client, docket, "nyc.super", Role.SUPERVISOR))


def determine(client, headers, case_ref: str = "DKT-NYC-1", key: str | None = None, **body: Any):
    """A determination request; each gets its own Idempotency-Key unless ``key`` is given."""
    headers = {**headers, "Idempotency-Key": key or f"test-{uuid.uuid4()}"}
    return client.post(f"/api/cases/{case_ref}/priority-determination", json=body, headers=headers)
