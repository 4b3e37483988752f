"""The JetStream listener against the real NATS server (DOCKET_TEST_NATS_URL; .ci/run sets
it): refusals terminate their message, a redelivered report counts once, a batch refuses only
its bad messages and takes a repeated record id once, a batch committed but not acknowledged
counts once when it comes again, and a listener killed mid-stream and started again counts
every report exactly once."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nats
import pytest
import sqlalchemy as sa
from nats.js.api import AckPolicy, ConsumerConfig

from docket.bootstrap import Docket
from docket.departures.metrics import metrics, recount
from docket.departures.service import accept_reports
from docket.errors import ConfigurationError
from docket.importing.departures_nats import Feed, _parse, listen
from tests.importing.nats_feed import NATS_URL, publish, report, stored

pytestmark = pytest.mark.skipif(NATS_URL is None, reason="DOCKET_TEST_NATS_URL is not set")


def test_refusals_are_terminated_and_a_repeated_report_counts_once(docket, feed):
    payloads = [report(n) for n in range(12)]
    payloads += [
        b"not json",
        report(90, given_name="", family_name=""),
        report(3),  # the same report again: a duplicate
        report(4, port="JFK"),  # same record id, different content
        report(91, departed_on="2027-01-01"),  # in the future
    ]
    asyncio.run(publish(feed.stream, feed.subject, payloads))
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
    asyncio.run(publish(feed.stream, feed.subject, [report(n) for n in range(total)]))
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


def test_a_batch_takes_its_good_reports_and_refuses_only_its_bad_messages(docket, feed):
    """One fetch of 20: a record id twice with the same content, one twice with different
    content, and messages that can never be reports, among good ones, in one transaction."""
    batch = Feed(feed.url, feed.stream, feed.subject, batch=20, ack_wait=2.0)
    payloads = [
        report(1),
        report(2),
        report(1),  # again in the same batch: a duplicate
        b"{not json",
        report(3),
        report(2, port="JFK"),  # same record id, other content, same batch: refused
        report(4, departed_on="2027-01-01"),
        report(5),
    ]
    asyncio.run(publish(batch.stream, batch.subject, payloads))
    done = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=1.0)
    )
    assert (done.received, done.accepted, done.duplicates) == (8, 4, 1)
    reasons = sorted(refusal.split(": ", 1)[1] for refusal in done.refused)
    assert reasons == [
        "already received with different content",
        "departed_on: 2027-01-01 is in the future",
        "not JSON",
    ]
    assert stored(docket) == 4
    with docket.engine.connect() as connection:
        port = connection.scalar(
            sa.text("SELECT content FROM departure_reports WHERE source_record_id = 'M-2'")
        )
    assert json.loads(port)["port"] == "IAD"  # the first message's content stands
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == 4
    assert recount(store=docket.departures).agrees


def test_a_message_with_a_lone_surrogate_is_terminated_and_its_batch_taken(docket, feed):
    """JSON can escape half of a UTF-16 pair ("\\ud800"), which no UTF-8 text holds: such a
    message is refused like any bad field, not left to fail its batch's transaction (the
    listener stopped, and the batch delivered again to fail again, for ever)."""
    batch = Feed(feed.url, feed.stream, feed.subject, batch=20, ack_wait=2.0)
    half = b'{"source": "carrier_manifest", "source_record_id": "M-9", "given_name": '
    payloads = [report(1), half + b'"Ana\\ud800", "departed_on": "2026-11-01"}', report(2)]
    asyncio.run(publish(batch.stream, batch.subject, payloads))
    done = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=1.0)
    )
    assert (done.received, done.accepted, done.duplicates) == (3, 2, 0)
    assert [refusal.split(": ", 1)[1] for refusal in done.refused] == [
        "given_name: contains a lone surrogate (not valid Unicode text)"
    ]
    assert stored(docket) == 2
    again = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=2.5)
    )
    assert again.received == 0  # terminated, not delivered again


async def _commit_without_acknowledging(feed: Feed, docket: Docket, count: int) -> None:
    """What a listener that stopped between its commit and its acknowledgements leaves: the
    reports of a fetched batch committed, the messages still the server's."""
    connection = await nats.connect(NATS_URL)
    try:
        subscription = await connection.jetstream().pull_subscribe(
            feed.subject,
            durable=feed.durable,
            stream=feed.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=feed.ack_wait),
        )
        messages = await subscription.fetch(count, timeout=5.0)
        accept_reports(
            store=docket.departures,
            clock=docket.clock,
            actor="feed",
            reports=[_parse(message.data) for message in messages],
            refuse_conflicts=False,
            repeats=True,
        )
    finally:
        await connection.close()


def test_a_batch_committed_but_not_acknowledged_comes_again_and_counts_once(docket, feed):
    batch = Feed(feed.url, feed.stream, feed.subject, batch=10, ack_wait=1.0)
    asyncio.run(publish(batch.stream, batch.subject, [report(n) for n in range(15)]))
    asyncio.run(_commit_without_acknowledging(batch, docket, 10))
    assert stored(docket) == 10
    time.sleep(1.5)  # past ack_wait: the server delivers the ten again
    done = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=2.0)
    )
    assert (done.received, done.accepted, done.duplicates, done.refused) == (15, 5, 10, [])
    assert stored(docket) == 15
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == 15
    assert figures["unique_departures"]["total"] == 15
    assert recount(store=docket.departures).agrees


def test_a_listener_stopped_gives_back_the_batch_it_fetched_ahead(docket, feed):
    """The next batch is fetched while one is written; a listener stopped after a batch
    hands the one fetched ahead back at once, not after the acknowledgement wait."""
    slow = Feed(feed.url, feed.stream, feed.subject, batch=5, ack_wait=60.0)
    asyncio.run(publish(slow.stream, slow.subject, [report(n) for n in range(20)]))

    async def first_batch_only() -> None:
        stop = asyncio.Event()
        await listen(
            slow,
            store=docket.departures,
            clock=docket.clock,
            actor="feed",
            stop=stop,
            on_batch=lambda _done: stop.set(),
        )

    asyncio.run(first_batch_only())
    assert stored(docket) == 5
    rest = asyncio.run(
        listen(slow, store=docket.departures, clock=docket.clock, actor="feed", until_idle=2.0)
    )
    assert (rest.received, rest.accepted) == (15, 15)
    assert stored(docket) == 20


def test_a_message_nested_too_deep_or_with_a_number_too_long_is_terminated_not_fatal(docket, feed):
    """JSON that the decoder cannot hold (arrays nested thousands deep, a number of more than
    4,300 digits) is refused like any other message that is not JSON: the listener goes on
    with the rest of the batch, and the message is not delivered again to stop it again."""
    batch = Feed(feed.url, feed.stream, feed.subject, batch=20, ack_wait=2.0)
    payloads = [
        report(1),
        b"[" * 100_000,
        b'{"source": "carrier_manifest", "source_record_id": ' + b"9" * 5000 + b"}",
        report(2, source=["exit_record"]),  # a source that is no string
        report(3),
    ]
    asyncio.run(publish(batch.stream, batch.subject, payloads))
    done = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=1.0)
    )
    assert (done.received, done.accepted) == (5, 2)
    assert sorted(refusal.split(": ", 1)[1] for refusal in done.refused) == [
        "not JSON",
        "not JSON",
        "source: not a string",
    ]
    assert stored(docket) == 2
    again = asyncio.run(
        listen(batch, store=docket.departures, clock=docket.clock, actor="feed", until_idle=2.5)
    )
    assert again.received == 0


def test_a_field_the_format_does_not_know_is_ignored_whatever_its_value(docket, feed):
    """As the API and the CSV import ignore theirs: a feed that adds a number or an object of
    its own to each message loses no report. A field of the format must still be a string."""
    extra = b', "feed_seq": 41, "meta": {"retries": [1, 2]}, "flag": true}'
    payloads = [
        report(1)[:-1] + extra,
        report(2, date_of_birth=19850203),  # a number where a string belongs
    ]
    asyncio.run(publish(feed.stream, feed.subject, payloads))
    done = asyncio.run(
        listen(feed, store=docket.departures, clock=docket.clock, actor="feed", until_idle=1.0)
    )
    assert (done.received, done.accepted) == (2, 1)
    assert [refusal.split(": ", 1)[1] for refusal in done.refused] == [
        "date_of_birth: not a string"
    ]
    assert stored(docket) == 1


def test_a_listener_whose_stream_is_deleted_stops_saying_so_not_waiting_for_ever(docket, feed):
    """A fetch from a consumer whose stream was deleted answers as one that found nothing:
    the listener looks, when quiet, whether its consumer is still there."""
    asyncio.run(publish(feed.stream, feed.subject, [report(1)]))

    async def delete_the_stream_under_it() -> None:
        taken = asyncio.Event()
        listening = asyncio.ensure_future(
            listen(
                feed,
                store=docket.departures,
                clock=docket.clock,
                actor="feed",
                on_batch=lambda _done: taken.set(),
            )
        )
        await asyncio.wait_for(taken.wait(), 30)
        connection = await nats.connect(NATS_URL)
        try:
            await connection.jetstream().delete_stream(feed.stream)
        finally:
            await connection.close()
        await asyncio.wait_for(listening, 60)  # TimeoutError: it would have waited for ever

    with pytest.raises(ConfigurationError) as stopped:
        asyncio.run(delete_the_stream_under_it())
    assert stopped.value.message.startswith(
        f"the durable consumer {feed.durable!r} on stream {feed.stream!r} is gone from "
    )
    assert stored(docket) == 1
    asyncio.run(publish(feed.stream, feed.subject, []))  # for the fixture to delete
