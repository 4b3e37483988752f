"""What the API tests share: the app on a fresh database holding one NYC case."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from docket.api.app import create_app
from tests.builders import a_case


@pytest.fixture
def client(docket, settings, clock):
    a_case(docket, "DKT-NYC-1")  # a case of the NYC office
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client
