"""Schemathesis against the spec the running server serves: over 3,000 generated requests, with
valid credentials for each operation's role, and not one server error or response that breaks
the spec.

Every operation gets valid and invalid requests (positive and negative generation). The
credentials come from the policy table: each operation is called by a user whose role the
table lets do the operation's action in their own office. Half the valid command requests are
pointed at real cases with their current version, so that moves are applied, refused by a rule
or bar, or found stale, and not only answered 404.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import httpx2
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.auths import AuthStorage
from schemathesis.config import SchemathesisConfig

from docket.api.deps import POLICY_KEY
from docket.cases.events import EventKind
from docket.cases.service import get_case
from docket.identity.model import Role
from docket.identity.policy import POLICY, Action, Relation
from tests.api.staff import log_in
from tests.builders import a_case, record

REQUESTS = 3_000
"""At least this many generated requests per backend."""

EXAMPLES = 45
"""Generated requests per operation and mode; enough for :data:`REQUESTS` over the spec."""

LOGOUTS = 10
"""Each logout needs a login of its own (a slow password hash): fewer of them."""

CASES = ("DKT-NYC-1", "DKT-NYC-2", "DKT-NYC-3", "DKT-NYC-4")

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            # A valid request may still be refused for what a schema cannot say: a stale
            # If-Match version (412), a rule of the lifecycle or a legal bar (409), and a
            # domain check such as a date in the future (422, but see `call` below).
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "401", "403", "404", "409", "412", "422"]
            },
        }
    }
)


@dataclass
class Run:
    base_url: str
    tokens: dict[str, str]
    """Authorization header value per policy action (and ``public``)."""
    statuses: Counter[int]
    session: requests.Session


def _role_for(action: str) -> Role | None:
    """A role that may do ``action`` on its own office's records, or on no one record."""
    if action == "public":
        return None
    for role, actions in POLICY.items():
        relations = actions.get(Action(action), frozenset())
        if {Relation.OWN_OFFICE, Relation.NO_RECORD} & relations:
            return role
    raise AssertionError(f"no role may do {action}")


def _log_in(base_url: str, docket, role: Role) -> str:
    username = f"{role.value}.{uuid.uuid4().hex[:8]}"
    with httpx2.Client(base_url=base_url) as client:
        return log_in(client, docket, username, role)["Authorization"]


@pytest.fixture
def run(docket, served) -> Iterator[Run]:
    for ref in CASES:
        a_case(docket, ref)
    record(docket, "DKT-NYC-2", EventKind.CHARGING_DOCUMENT_SERVED)
    record(docket, "DKT-NYC-3", EventKind.CHARGING_DOCUMENT_SERVED)
    record(
        docket,
        "DKT-NYC-3",
        EventKind.HEARING_SCHEDULED,
        fields={"hearing_on": "2027-01-05"},
    )
    tokens: dict[str, str] = {}
    for action in [*Action, "public"]:
        role = _role_for(str(action))
        if role is not None:
            tokens[str(action)] = _log_in(served, docket, role)
    with requests.Session() as session:  # keep-alive, as a client would
        yield Run(base_url=served, tokens=tokens, statuses=Counter(), session=session)


def test_generated_requests_get_no_server_error_and_keep_to_the_spec(docket, clock, run):
    schema = schemathesis.openapi.from_url(f"{run.base_url}/openapi.json", config=CONFIG)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 30
    # Logging out moves the clock on (see below), which would expire the other sessions: last.
    operations.sort(key=lambda op: (op.method.upper(), op.path) == ("DELETE", "/api/session"))

    for operation in operations:
        action = operation.definition.raw[POLICY_KEY]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _exercise(docket, clock, run, operation, action, mode)

    total = sum(run.statuses.values())
    assert total >= REQUESTS, f"only {total} requests were generated: {dict(run.statuses)}"
    assert not [status for status in run.statuses if status >= 500]
    # The runs reach past validation: cases are read, moves applied and refused.
    assert {200, 201, 401, 404, 409, 422} <= set(run.statuses), dict(run.statuses)


def _exercise(docket, clock, run: Run, operation, action: str, mode: GenerationMode) -> None:
    is_command = "/events/" in operation.path
    logs_out = (operation.method.upper(), operation.path) == ("DELETE", "/api/session")
    tokens = AuthStorage()

    @tokens.auth(refresh_interval=None)
    class _Token:
        """The session of a user whose role may do the operation's action."""

        def get(self, case, context):
            if logs_out:
                # Logging out ends the session: each logout gets a session of its own.
                clock.advance(seconds=31)  # a one-time code works once per 30-second step
                return _log_in(run.base_url, docket, Role.OFFICER)
            return run.tokens.get(action)

        def set(self, case, token, context):
            case.headers = {**(case.headers or {}), "Authorization": token}

    @settings(
        max_examples=LOGOUTS if logs_out else EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=operation.as_strategy(generation_mode=mode, auth_storage=tokens),
        ref=st.sampled_from((None, *CASES)),
    )
    def call(case, ref: str | None) -> None:
        if is_command and mode is GenerationMode.POSITIVE:
            # Hypothesis repeats examples; a key reused for another body is rightly a 422.
            case.headers = {**(case.headers or {}), "Idempotency-Key": uuid.uuid4().hex}
            if ref is not None:
                case.path_parameters = {**case.path_parameters, "case_ref": ref}
                version = get_case(uow=docket.uow, case_ref=ref).version
                case.headers["If-Match"] = f'"{version}"'
        response = case.call_and_validate(base_url=run.base_url, session=run.session)
        run.statuses[response.status_code] += 1
        if mode is GenerationMode.POSITIVE and response.status_code == 422:
            # Only the domain may refuse a schema-valid request, never request validation
            # (whose 422 lists the fields the schema should have told the client about).
            assert "fields" not in response.json()["error"]["details"], response.text

    call()
