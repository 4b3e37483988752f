"""Departure reports on a real NATS JetStream server for the listener tests
(``DOCKET_TEST_NATS_URL``; ``.ci/run`` sets it): reports as messages, publishing them on a
stream of their own, and how many reports the database holds."""

from __future__ import annotations

import json
import os

import nats
import sqlalchemy as sa

from docket.bootstrap import Docket

NATS_URL = os.environ.get("DOCKET_TEST_NATS_URL")


def report(n: int, **changes: str) -> bytes:
    body = {
        "source": "carrier_manifest",
        "source_record_id": f"M-{n}",
        "given_name": f"Traveller{n}",
        "family_name": "Okafor",
        "date_of_birth": "1985-02-03",
        "departed_on": "2026-11-01",
        "port": "IAD",
        **changes,
    }
    return json.dumps(body).encode()


async def publish(stream: str, subject: str, payloads: list[bytes]) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        await js.add_stream(name=stream, subjects=[subject])
        for payload in payloads:
            await js.publish(subject, payload)
    finally:
        await connection.drain()


async def delete_stream(stream: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(stream)
    finally:
        await connection.drain()


def stored(docket: Docket) -> int:
    with docket.engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) or 0)
