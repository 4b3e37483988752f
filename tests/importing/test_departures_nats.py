"""The JetStream listener against the real NATS server (DOCKET_TEST_NATS_URL; .ci/run sets
it): refusals terminate their message, a redelivered report counts once, and a listener killed
mid-stream and started again counts every report exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.departures.service import metrics, recount
from docket.importing.departures_nats import Feed, listen

NATS_URL = os.environ.get("DOCKET_TEST_NATS_URL")
pytestmark = pytest.mark.skipif(NATS_URL is None, reason="DOCKET_TEST_NATS_URL is not set")


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


async def _publish(stream: str, subject: str, payloads: list[bytes]) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        await js.add_stream(name=stream, subjects=[subject])
        for payload in payloads:
            await js.publish(subject, payload)
    finally:
        await connection.drain()


async def _delete(stream: str) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        await connection.jetstream().delete_stream(stream)
    finally:
        await connection.drain()


@pytest.fixture
def feed() -> Iterator[Feed]:
    name = f"DOCKET_TEST_{uuid.uuid4().hex[:10].upper()}"
    assert NATS_URL is not None
    yield Feed(NATS_URL, name, f"departures.{name.lower()}", batch=5, ack_wait=2.0)
    asyncio.run(_delete(name))


def stored(docket: Docket) -> int:
    with docket.engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) or 0)


def test_refusals_are_terminated_and_a_repeated_report_counts_once(docket, feed):
    payloads = [report(n) for n in range(12)]
    payloads += [
        b"not json",
        report(90, given_name="", family_name=""),
        report(3),  # the same report again: a duplicate
        report(4, port="JFK"),  # same record id, different content
        report(91, departed_on="2027-01-01"),  # in the future
    ]
    asyncio.run(_publish(feed.stream, feed.subject, payloads))
    done = asyncio.run(
        listen(feed, store=docket.departures, clock=docket.clock, actor="feed", until_idle=1.0)
    )
    assert (done.received, done.accepted, done.duplicates) == (17, 12, 1)
    reasons = sorted(refusal.split(": ", 1)[1] for refusal in done.refused)
    assert reasons == [
        "already received with different content",
        "departed_on: 2027-01-01 is in the future",
        "given_name: at least one of given_name and family_name is required",
        "not JSON",
    ]
    assert stored(docket) == 12
    # Everything was acknowledged or terminated: a second listener gets nothing.
    again = asyncio.run(
        listen(feed, store=docket.departures, clock=docket.clock, actor="feed", until_idle=2.5)
    )
    assert again.received == 0


def test_a_listener_killed_mid_stream_and_restarted_counts_every_report_once(
    docket, feed, settings, tmp_path: Path
):
    total = 400
    asyncio.run(_publish(feed.stream, feed.subject, [report(n) for n in range(total)]))
    env = {
        **os.environ,
        "DOCKET_DATABASE_URL": settings.database_url,
        "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
        "DOCKET_ACTOR": "feed",
    }
    command = [
        sys.executable,
        "-c",
        "from docket.cli.main import cli; cli()",
        "departures",
        "listen",
        "--nats",
        feed.url,
        "--stream",
        feed.stream,
        "--subject",
        feed.subject,
        "--batch",
        "5",
        "--ack-wait",
        "2",
    ]
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while stored(docket) < 40:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the listener took nothing"
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)  # no chance to finish its batch or acknowledge it
    first.wait(timeout=30)
    at_kill = stored(docket)
    assert at_kill < total, "the listener finished before it was killed"

    second = subprocess.run(
        [*command, "--until-idle", "5"], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert stored(docket) == total
    assert "refused: 0" in second.stdout
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == total
    assert figures["unique_departures"]["total"] == total
    assert recount(store=docket.departures).agrees
