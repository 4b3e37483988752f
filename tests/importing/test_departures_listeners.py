"""Several listeners on one durable consumer, against the real NATS server
(DOCKET_TEST_NATS_URL) and each backend: every report counted exactly once however the
messages were shared out, also when one is delivered twice; one listener killed mid-stream
holds up no other, and what it held comes again and counts once; a listener that cannot start
stops the command with the reason; and the command line's --listeners does the same."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docket.bootstrap import Docket, bootstrapped
from docket.departures.metrics import metrics, recount
from docket.errors import ConfigurationError
from docket.importing.departures_listeners import run_listeners
from docket.importing.departures_nats import Feed
from tests.importing.nats_feed import NATS_URL, publish, report, stored

pytestmark = pytest.mark.skipif(NATS_URL is None, reason="DOCKET_TEST_NATS_URL is not set")


def _agrees(docket: Docket, total: int) -> None:
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == total
    assert figures["unique_departures"]["total"] == total
    assert recount(store=docket.departures).agrees


@pytest.fixture
def shared(feed: Feed) -> Feed:
    return Feed(feed.url, feed.stream, feed.subject, batch=7, ack_wait=2.0)


def test_several_listeners_count_every_report_exactly_once(docket, shared, settings):
    total = 300
    payloads = [report(n) for n in range(total)]
    payloads += [report(n) for n in range(0, total, 30)]  # ten sent twice: duplicates
    payloads.append(report(5, port="JFK"))  # the same record id, other content: refused
    asyncio.run(publish(shared.stream, shared.subject, payloads))
    done = run_listeners(
        shared,
        opener=functools.partial(bootstrapped, settings),
        actor="feed",
        listeners=3,
        until_idle=2.0,
    )
    assert (done.received, done.accepted, done.duplicates) == (311, 300, 10)
    assert [r.split(": ", 1)[1] for r in done.refused] == [
        "already received with different content"
    ]
    assert stored(docket) == total
    _agrees(docket, total)


def test_a_listener_that_cannot_start_stops_the_command_with_the_reason(settings):
    assert NATS_URL is not None
    missing = Feed(NATS_URL, "DOCKET_TEST_NO_SUCH_STREAM", "departures.none")
    with pytest.raises(ConfigurationError, match="no stream 'DOCKET_TEST_NO_SUCH_STREAM'"):
        run_listeners(
            missing,
            opener=functools.partial(bootstrapped, settings),
            actor="feed",
            listeners=2,
            until_idle=1.0,
        )


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in found]


def test_listen_with_several_listeners_one_killed_counts_every_report_once(
    docket, shared, settings, tmp_path: Path
):
    total = 1000
    asyncio.run(publish(shared.stream, shared.subject, [report(n) for n in range(total)]))
    env = {
        **os.environ,
        "DOCKET_DATABASE_URL": settings.database_url,
        "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
        "DOCKET_ACTOR": "feed",
    }
    command = [
        sys.executable, "-c", "from docket.cli.main import cli; cli()",
        "departures", "listen", "--nats", shared.url, "--stream", shared.stream,
        "--subject", shared.subject, "--batch", "5", "--ack-wait", "2", "--listeners", "2",
    ]  # fmt: skip
    first = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while stored(docket) < 60:
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the listeners took nothing"
        time.sleep(0.01)
    # One listener killed outright, between or in the middle of its writes: the other goes
    # on (the lock they take turns with dies with its holder), then the command stops.
    listeners = [pid for pid in _children(first.pid) if b"spawn_main" in _cmdline(pid)]
    assert len(listeners) >= 2
    os.kill(listeners[0], signal.SIGKILL)
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 1, err
    assert re.search(rb"listener \d stopped with exit status -9", err), err
    at_kill = stored(docket)
    assert at_kill < total, "the listeners finished before one was killed"

    again = subprocess.run(
        [*command, "--until-idle", "5"], env=env, capture_output=True, text=True, timeout=180
    )
    assert again.returncode == 0, again.stderr
    assert "refused: 0" in again.stdout
    assert stored(docket) == total
    _agrees(docket, total)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def test_listeners_count_every_refusal_and_keep_the_reasons_of_the_first_hundred(
    docket, shared, settings
):
    """What each listener tells after every batch does not grow with the feed's bad
    messages: the reasons of the first hundred are kept, every refusal is counted."""
    payloads = [b"not json %d" % n for n in range(130)] + [report(1)]
    asyncio.run(publish(shared.stream, shared.subject, payloads))
    done = run_listeners(
        shared,
        opener=functools.partial(bootstrapped, settings),
        actor="feed",
        listeners=2,
        until_idle=2.0,
    )
    assert (done.received, done.accepted, done.refusals) == (131, 1, 130)
    assert len(done.refused) == 100
    assert {r.split(": ", 1)[1] for r in done.refused} == {"not JSON"}
    assert stored(docket) == 1
