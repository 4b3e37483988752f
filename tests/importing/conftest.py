"""Fixtures of the import tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest

from docket.importing.departures_nats import Feed
from tests.importing.nats_feed import NATS_URL, delete_stream


@pytest.fixture
def feed() -> Iterator[Feed]:
    name = f"DOCKET_TEST_{uuid.uuid4().hex[:10].upper()}"
    assert NATS_URL is not None
    yield Feed(NATS_URL, name, f"departures.{name.lower()}", batch=5, ack_wait=2.0)
    asyncio.run(delete_stream(name))
