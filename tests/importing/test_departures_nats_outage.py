"""The JetStream listener when its NATS server goes away for good: on a server of the test's
own (the ``nats-server`` program), which it can stop."""

from __future__ import annotations

import asyncio
import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import nats
import pytest

from docket.errors import ConfigurationError
from docket.importing.departures_nats import Feed, listen
from tests.importing.nats_feed import report, stored

SERVER = shutil.which("nats-server")
pytestmark = pytest.mark.skipif(SERVER is None, reason="no nats-server program")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    assert SERVER is not None
    port = _free_port()
    command = [SERVER, "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", str(tmp_path / "js")]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"nats://127.0.0.1:{port}"
    for _ in range(100):  # until it listens
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    try:
        yield url, server
    finally:
        server.kill()
        server.wait()


async def _publish(url: str, payloads: list[bytes]) -> None:
    connection = await nats.connect(url)
    try:
        js = connection.jetstream()
        await js.add_stream(name="OUTAGE", subjects=["departures.outage"])
        for payload in payloads:
            await js.publish("departures.outage", payload)
    finally:
        await connection.drain()


def test_a_server_gone_for_good_stops_the_listener_with_one_clear_error(docket, own_server, caplog):
    url, server = own_server
    asyncio.run(_publish(url, [report(n) for n in range(5)]))
    feed = Feed(url, "OUTAGE", "departures.outage", batch=5, ack_wait=2.0)

    def stop_the_server(_done: object) -> None:
        server.kill()  # once the first batch is committed and acknowledged

    caplog.set_level(logging.WARNING)
    with pytest.raises(ConfigurationError) as stopped:
        asyncio.run(
            listen(
                feed,
                store=docket.departures,
                clock=docket.clock,
                actor="feed",
                on_batch=stop_the_server,
            )
        )
    assert stopped.value.message == (
        f"lost the connection to NATS at {url} and could not reconnect; start the listener "
        "again once the server is back"
    )
    assert stored(docket) == 5
    # the client's attempts to reconnect are said in a line each, with no stack trace
    assert caplog.records
    assert all(record.exc_info is None for record in caplog.records)
    assert "NATS: disconnected; reconnecting" in caplog.messages
