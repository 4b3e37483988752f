"""A message whose report fails with an unexpected error (a defect, a database outage), against
the real NATS server (DOCKET_TEST_NATS_URL) and each backend: it is delivered again after a
delay, a bounded number of times; on its last delivery it is given up, said in one line with
its stream sequence, and kept on the stream; a database back after a moment loses nothing; a
durable consumer made by an older version is brought up to date, and one the server will not
change stops the listener with the reason. The failures are real: a trigger in the database
refuses the reports, or their table is gone for a moment."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from docket.bootstrap import Docket
from docket.departures.metrics import metrics, recount
from docket.errors import ConfigurationError
from docket.importing.departures_nats import Feed, Listened, listen
from tests.importing.nats_feed import NATS_URL, publish, report, stored

pytestmark = pytest.mark.skipif(NATS_URL is None, reason="DOCKET_TEST_NATS_URL is not set")

_FAILURE = "the database refuses this report"


@contextmanager
def refused_by_the_database(docket: Docket, record_id: str | None) -> Iterator[None]:
    """Every write of the report ``record_id`` (of every report, with None) fails inside the
    database until the block ends or :func:`database_back` is called."""
    with docket.engine.begin() as connection:
        if docket.engine.dialect.name == "sqlite":
            when = "" if record_id is None else f"WHEN NEW.source_record_id = '{record_id}'"
            connection.exec_driver_sql(
                f"CREATE TRIGGER refuse_report BEFORE INSERT ON departure_reports {when} "
                f"BEGIN SELECT RAISE(ABORT, '{_FAILURE}'); END"
            )
        else:
            when = "TRUE" if record_id is None else f"NEW.source_record_id = '{record_id}'"
            connection.exec_driver_sql(
                "CREATE FUNCTION refuse_report() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN IF {when} THEN RAISE EXCEPTION '{_FAILURE}'; END IF; RETURN NEW; END $$"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER refuse_report BEFORE INSERT ON departure_reports "
                "FOR EACH ROW EXECUTE FUNCTION refuse_report()"
            )
    try:
        yield
    finally:
        database_back(docket)


def database_back(docket: Docket) -> None:
    with docket.engine.begin() as connection:
        if docket.engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS refuse_report")
        else:
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS refuse_report ON departure_reports")
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS refuse_report()")


async def _kept_on_the_stream(stream: str, sequence: int) -> bytes:
    connection = await nats.connect(NATS_URL)
    try:
        return bytes((await connection.jetstream().get_msg(stream, sequence)).data or b"")
    finally:
        await connection.close()


async def _consumer(feed: Feed) -> ConsumerConfig:
    connection = await nats.connect(NATS_URL)
    try:
        return (await connection.jetstream().consumer_info(feed.stream, feed.durable)).config
    finally:
        await connection.close()


async def _made_by_an_older_version(feed: Feed, **changes: object) -> None:
    """The durable consumer as the listener made it before it bounded the deliveries."""
    connection = await nats.connect(NATS_URL)
    try:
        config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, ack_wait=feed.ack_wait)
        await connection.jetstream().pull_subscribe(
            feed.subject,
            durable=feed.durable,
            stream=feed.stream,
            config=dataclasses.replace(config, **changes),
        )
    finally:
        await connection.close()


def _listen(docket: Docket, feed: Feed, **options: Any) -> Listened:
    return asyncio.run(
        listen(feed, store=docket.departures, clock=docket.clock, actor="feed", **options)
    )


def test_a_message_that_keeps_failing_is_given_up_on_its_last_delivery_and_kept_on_the_stream(
    docket, feed, caplog
):
    limited = dataclasses.replace(feed, max_deliver=3, retry_after=0.05)
    asyncio.run(publish(limited.stream, limited.subject, [report(n) for n in range(6)]))
    caplog.set_level(logging.WARNING, logger="docket")
    with refused_by_the_database(docket, "M-3"):
        done = _listen(docket, limited, until_idle=2.0)
    # M-3 is the fourth message: stream sequence 4, delivered three times in all
    assert (done.received, done.accepted, done.retried, done.refused) == (8, 5, 2, [])
    assert len(done.gave_up) == 1
    assert done.gave_up[0].startswith("4: ")
    assert _FAILURE in done.gave_up[0]
    assert stored(docket) == 5
    given_up = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(given_up) == 1
    assert "stream sequence 4" in given_up[0]
    assert "3 deliveries" in given_up[0]
    assert _FAILURE in given_up[0]
    assert all(record.exc_info is None for record in caplog.records)
    kept = asyncio.run(_kept_on_the_stream(limited.stream, 4))
    assert json.loads(kept)["source_record_id"] == "M-3"
    # terminated: not delivered again, also once the database would take it
    again = _listen(docket, limited, until_idle=2.5)
    assert again.received == 0


def test_reports_that_fail_while_the_database_is_down_are_taken_when_it_is_back(docket, feed):
    retrying = dataclasses.replace(feed, max_deliver=5, retry_after=0.05)
    asyncio.run(publish(retrying.stream, retrying.subject, [report(n) for n in range(8)]))

    def back_after_the_first_failure(done: Listened) -> None:
        if done.retried:
            database_back(docket)

    with refused_by_the_database(docket, None):
        done = _listen(docket, retrying, until_idle=2.0, on_batch=back_after_the_first_failure)
    assert done.retried >= 1
    assert (done.accepted, done.duplicates, done.refused, done.gave_up) == (8, 0, [], [])
    assert stored(docket) == 8
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == 8
    assert recount(store=docket.departures).agrees


def test_reports_that_cannot_even_be_resolved_while_a_table_is_gone_are_taken_when_it_is_back(
    docket, feed
):
    """The reports' own table gone for a moment: resolving the batch fails (before any write),
    then each report alone; all come again once it is back, and count once."""
    retrying = dataclasses.replace(feed, max_deliver=5, retry_after=0.05)
    asyncio.run(publish(retrying.stream, retrying.subject, [report(n) for n in range(8)]))

    def rename(old: str, new: str) -> None:
        with docket.engine.begin() as connection:
            connection.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")

    def back_after_the_first_failure(done: Listened) -> None:
        if done.retried and not back:
            rename("departure_reports_away", "departure_reports")
            back.append(True)

    back: list[bool] = []
    rename("departure_reports", "departure_reports_away")
    try:
        done = _listen(docket, retrying, until_idle=2.0, on_batch=back_after_the_first_failure)
    finally:
        if not back:
            rename("departure_reports_away", "departure_reports")
    assert done.retried >= 1
    assert (done.accepted, done.duplicates, done.refused, done.gave_up) == (8, 0, [], [])
    assert stored(docket) == 8
    assert recount(store=docket.departures).agrees


def test_a_failed_message_is_not_delivered_again_before_its_delay(docket, feed):
    """No burst: a message that failed waits out its delay (here longer than the listener
    runs) instead of spending its deliveries at once."""
    patient = dataclasses.replace(feed, max_deliver=3, retry_after=60.0)
    asyncio.run(publish(patient.stream, patient.subject, [report(n) for n in range(6)]))
    with refused_by_the_database(docket, "M-2"):
        done = _listen(docket, patient, until_idle=2.0)
    assert (done.received, done.accepted, done.retried, done.gave_up) == (6, 5, 1, [])


def test_a_durable_consumer_made_by_an_older_version_is_given_the_limit(docket, feed):
    asyncio.run(publish(feed.stream, feed.subject, [report(1)]))
    asyncio.run(_made_by_an_older_version(feed))
    assert asyncio.run(_consumer(feed)).max_deliver == -1  # unlimited
    limited = dataclasses.replace(feed, max_deliver=4)
    done = _listen(docket, limited, until_idle=1.0)
    assert done.accepted == 1
    config = asyncio.run(_consumer(limited))
    assert (config.max_deliver, config.ack_wait) == (4, feed.ack_wait)


def test_a_durable_consumer_with_another_wait_for_acknowledgements_is_given_the_listener_s(
    docket, feed
):
    asyncio.run(publish(feed.stream, feed.subject, [report(1)]))
    asyncio.run(_made_by_an_older_version(feed, max_deliver=feed.max_deliver))
    patient = dataclasses.replace(feed, ack_wait=7.0)
    assert _listen(docket, patient, until_idle=1.0).accepted == 1
    config = asyncio.run(_consumer(patient))
    assert (config.ack_wait, config.max_deliver) == (7.0, feed.max_deliver)


async def _two_subjects(feed: Feed) -> None:
    connection = await nats.connect(NATS_URL)
    try:
        js = connection.jetstream()
        await js.add_stream(name=feed.stream, subjects=[f"{feed.subject}.>"])
        await js.publish(f"{feed.subject}.a", report(1))
        await js.publish(f"{feed.subject}.b", report(2))
    finally:
        await connection.drain()


def test_a_durable_consumer_made_for_another_subject_stops_the_listener_saying_so(docket, feed):
    """Bound as it was, it handed the listener the other subject's reports."""
    asyncio.run(_two_subjects(feed))
    on_a = dataclasses.replace(feed, subject=f"{feed.subject}.a")
    on_b = dataclasses.replace(feed, subject=f"{feed.subject}.b")
    asyncio.run(_made_by_an_older_version(on_a, max_deliver=feed.max_deliver))
    with pytest.raises(ConfigurationError) as stopped:
        _listen(docket, on_b, until_idle=1.0)
    assert stopped.value.message.startswith(
        f"the durable consumer {feed.durable!r} on stream {feed.stream!r} takes subject "
        f"{on_a.subject!r}, not {on_b.subject!r}: name another consumer"
    )
    assert stored(docket) == 0
    assert asyncio.run(_consumer(feed)).filter_subject == on_a.subject
    assert _listen(docket, on_a, until_idle=1.0).accepted == 1
    on_b_alone = dataclasses.replace(on_b, durable="docket-departures-b")
    assert _listen(docket, on_b_alone, until_idle=1.0).accepted == 1


def test_a_durable_consumer_the_server_will_not_change_stops_the_listener_with_the_reason(
    docket, feed
):
    asyncio.run(publish(feed.stream, feed.subject, [report(1)]))
    asyncio.run(_made_by_an_older_version(feed, ack_policy=AckPolicy.ALL))
    with pytest.raises(ConfigurationError) as stopped:
        _listen(docket, feed, until_idle=1.0)
    assert stopped.value.message.startswith(
        f"the durable consumer {feed.durable!r} on stream {feed.stream!r} cannot be changed "
        "to what the listener needs (ack policy can not be updated)"
    )
    assert stored(docket) == 0


def test_a_subject_outside_the_stream_or_a_name_nats_will_not_take_stops_with_the_reason(
    docket, feed
):
    """Mistakes in the listener's options are said as such (``configuration_error``, one line
    from the CLI), not as an unexpected error of the NATS client."""
    asyncio.run(publish(feed.stream, feed.subject, [report(1)]))
    outside = dataclasses.replace(feed, subject="elsewhere.departures")
    with pytest.raises(ConfigurationError) as stopped:
        _listen(docket, outside, until_idle=1.0)
    assert stopped.value.message.startswith(
        f"NATS refused the durable consumer {feed.durable!r} on stream {feed.stream!r} for "
        "subject 'elsewhere.departures': "
    )
    assert "subject" in stopped.value.message.split(": ", 1)[1]
    with pytest.raises(ConfigurationError, match=r"invalid consumer name: 'docket\.one'"):
        _listen(docket, dataclasses.replace(feed, durable="docket.one"), until_idle=1.0)
    with pytest.raises(ConfigurationError, match=r"invalid stream name: 'DEPARTURES\.IN'"):
        _listen(docket, dataclasses.replace(feed, stream="DEPARTURES.IN"), until_idle=1.0)
    assert stored(docket) == 0
    assert _listen(docket, feed, until_idle=1.0).accepted == 1


def test_listen_gives_up_on_a_message_after_max_deliver_and_says_so(
    docket, feed, settings, tmp_path: Path
):
    asyncio.run(publish(feed.stream, feed.subject, [report(n) for n in range(6)]))
    env = {
        **os.environ,
        "DOCKET_DATABASE_URL": settings.database_url,
        "DOCKET_SIGNING_KEY_FILE": str(tmp_path / "signing.key"),
        "DOCKET_ACTOR": "feed",
    }
    command = [
        sys.executable, "-c", "from docket.cli.main import cli; cli()",
        "departures", "listen", "--nats", feed.url, "--stream", feed.stream,
        "--subject", feed.subject, "--batch", "5", "--ack-wait", "2", "--listeners", "2",
        "--max-deliver", "2", "--retry-after", "0.1", "--until-idle", "3",
    ]  # fmt: skip
    with refused_by_the_database(docket, "M-0"):
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "accepted: 5" in run.stdout
    assert "given up: 1" in run.stdout
    assert "given up on message 1: " in run.stderr
    assert "Traceback" not in run.stderr
    assert asyncio.run(_consumer(feed)).max_deliver == 2
    assert stored(docket) == 5


async def _delivered_and_handed_back(feed: Feed, count: int) -> None:
    """Each message delivered once and handed back at once (by a listener that stopped)."""
    connection = await nats.connect(NATS_URL)
    try:
        subscription = await connection.jetstream().pull_subscribe(
            feed.subject,
            durable=feed.durable,
            stream=feed.stream,
            config=ConsumerConfig(
                ack_policy=AckPolicy.EXPLICIT, ack_wait=feed.ack_wait, max_deliver=feed.max_deliver
            ),
        )
        for message in await subscription.fetch(count, timeout=5.0):
            await message.nak()
        await connection.flush()
    finally:
        await connection.close()


def test_a_listener_stopped_takes_the_batch_it_fetched_ahead_when_it_cannot_come_again(
    docket, feed
):
    """The batch fetched ahead goes back to the server when the listener stops; not so its
    messages on their last delivery, which would never come again: they are taken first."""
    last = dataclasses.replace(feed, batch=5, ack_wait=60.0, max_deliver=2)
    asyncio.run(publish(last.stream, last.subject, [report(n) for n in range(10)]))
    asyncio.run(_delivered_and_handed_back(last, 10))

    async def first_batch_only() -> Listened:
        stop = asyncio.Event()
        return await listen(
            last,
            store=docket.departures,
            clock=docket.clock,
            actor="feed",
            stop=stop,
            on_batch=lambda _done: stop.set(),
        )

    done = asyncio.run(first_batch_only())
    assert (done.received, done.accepted, done.gave_up) == (10, 10, [])
    assert stored(docket) == 10
