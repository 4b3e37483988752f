"""Departure reports from a NATS JetStream stream, through the one intake service.

A durable pull consumer fetches messages in batches; each message is one report as JSON (the
fields of the CSV format, plus ``source``). The good reports of a batch are resolved to
persons before the write lock is taken (``departures.resolution``: other listeners on the same
consumer write meanwhile), then taken in one transaction (looked up together, the metrics moved
once), and their messages are acknowledged only after it commits. A message that is
redelivered (the listener stopped before its acknowledgement reached the server) carries a
report already received, which the intake answers as a duplicate and records nothing: delivery
at least once, counting exactly once. A message that can never be a report (not JSON, a field
refused, the same record id with different content) is terminated, so the server does not
deliver it again, and listed with its reason. A message whose report fails otherwise (a
defect, a database outage) is delivered again after a delay, a bounded number of times, then
given up and listed (:mod:`docket.importing.departures_consumer`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.errors
from nats.aio.msg import Msg
from nats.js.client import JetStreamContext

from docket.cases.ports import Clock
from docket.departures.model import FIELDS, Parsed, parse_report, refuse_future
from docket.departures.ports import DepartureStore
from docket.departures.resolution import Resolutions, resolve_reports
from docket.departures.service import Intake, IntakeSummary, Outcome, accept_reports
from docket.errors import ConfigurationError, DocketError, InvalidInput, VersionConflict
from docket.importing.departures_consumer import (
    STILL_THERE_EVERY,
    fail,
    is_last_delivery,
    still_there,
    subscribe,
)

LISTED = 100
"""Terminated messages a listener keeps the reasons of (the first ones), of each kind. It runs
for weeks, and tells what it did after every batch: a list of every refusal would grow with
the feed's bad messages, and be sent whole each time."""


@dataclass
class Listened:
    """What a listener did, so far or in all."""

    received: int = 0
    accepted: int = 0
    duplicates: int = 0
    refusals: int = 0
    """Messages terminated because they can never be a report."""
    refused: list[str] = field(default_factory=list)
    """``stream sequence: reason`` for the first :data:`LISTED` of them."""
    case_events: int = 0
    unconfirmed_acks: int = 0
    """Acknowledgements the server did not confirm in time (their messages may come again)."""
    retried: int = 0
    """Deliveries that failed with an unexpected error and were handed back for a later one."""
    give_ups: int = 0
    """Messages that failed on their last delivery (terminated, and kept on the stream)."""
    gave_up: list[str] = field(default_factory=list)
    """``stream sequence: reason`` for the first :data:`LISTED` of them."""

    def note_refused(self, line: str) -> None:
        self.refusals += 1
        if len(self.refused) < LISTED:
            self.refused.append(line)

    def note_gave_up(self, line: str) -> None:
        self.give_ups += 1
        if len(self.gave_up) < LISTED:
            self.gave_up.append(line)


@dataclass(frozen=True)
class Feed:
    """Where the reports come from."""

    url: str
    stream: str
    subject: str
    durable: str = "docket-departures"
    batch: int = 100
    ack_wait: float = 30.0
    """Seconds the server waits for an acknowledgement before delivering again (set on the
    durable consumer)."""
    max_deliver: int = 10
    """Deliveries of a message before it is given up (set on the durable consumer)."""
    retry_after: float = 5.0
    """Seconds before a message that failed is delivered again, doubled on each further
    failure (at most ten minutes)."""


async def listen(
    feed: Feed,
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    until_idle: float | None = None,
    stop: asyncio.Event | None = None,
    on_batch: Callable[[Listened], None] | None = None,
    writing: Callable[[], AbstractContextManager[object]] | None = None,
) -> Listened:
    """Take reports from ``feed`` until ``stop`` is set, or until no message has come for
    ``until_idle`` seconds. ``writing``, if given, is held around each write transaction
    (listeners sharing the consumer take turns with it). :class:`ConfigurationError` if the
    server cannot be reached or the stream does not exist."""
    stop = stop or asyncio.Event()
    closing = asyncio.Event()

    async def on_disconnected() -> None:
        if not closing.is_set():  # a server gone, not this listener closing
            _log.warning("NATS: disconnected; reconnecting")

    try:
        connection = await nats.connect(
            feed.url,
            connect_timeout=5,
            max_reconnect_attempts=3,
            allow_reconnect=True,
            error_cb=_on_error,
            disconnected_cb=on_disconnected,
            reconnected_cb=_on_reconnected,
        )
    except (OSError, nats.errors.Error) as exc:
        raise ConfigurationError(f"cannot reach NATS at {feed.url}: {exc}") from None
    done = Listened()
    try:
        js = connection.jetstream()
        subscription = await subscribe(js, feed)
        quiet_since = looked_at = time.monotonic()
        coming = _fetch(subscription, feed.batch)
        given_back = False
        try:
            while not stop.is_set():
                try:
                    messages = await coming
                except TimeoutError:  # nats' own and asyncio's: nothing came in time
                    if until_idle is not None and time.monotonic() - quiet_since >= until_idle:
                        break
                    if time.monotonic() - looked_at >= STILL_THERE_EVERY:
                        looked_at = time.monotonic()
                        await still_there(js, feed)  # not to wait for ever on nothing
                    coming = _fetch(subscription, feed.batch)
                    continue
                # The next batch travels while this one is written.
                coming = _fetch(subscription, feed.batch)
                quiet_since = time.monotonic()
                await _take(
                    messages, done, feed, store=store, clock=clock, actor=actor, writing=writing
                )
                if on_batch is not None:
                    on_batch(done)
            given_back = True
            if last := await _give_back(coming, feed):
                await _take(
                    last, done, feed, store=store, clock=clock, actor=actor, writing=writing
                )
                if on_batch is not None:
                    on_batch(done)
        except nats.errors.ConnectionClosedError:
            # Reconnecting failed: what was committed is acknowledged or comes again (and
            # counts once); what was not, the server delivers to the next listener.
            raise ConfigurationError(
                f"lost the connection to NATS at {feed.url} and could not reconnect; "
                "start the listener again once the server is back"
            ) from None
        finally:
            if not given_back:
                await _give_back(coming, feed)
    finally:
        # Every message taken is acknowledged or terminated by now; what the server still
        # holds for this consumer it delivers to the next listener.
        closing.set()
        await connection.close()
    return done


_log = logging.getLogger(__name__)


async def _on_error(exc: Exception) -> None:
    # Said in one line: the client's own handler logs every failed attempt to reconnect
    # with its stack trace.
    _log.warning("NATS: %s", str(exc) or type(exc).__name__)


async def _on_reconnected() -> None:
    _log.warning("NATS: reconnected")


def _fetch(
    subscription: JetStreamContext.PullSubscription, batch: int
) -> asyncio.Future[list[Msg]]:
    return asyncio.ensure_future(subscription.fetch(batch, timeout=1.0))


async def _give_back(coming: asyncio.Future[list[Msg]], feed: Feed) -> list[Msg]:
    """A batch fetched ahead and never taken goes back to the server at once, except its
    messages on their last delivery, which the server would not deliver again: those are
    returned, to be taken before the listener stops. A fetch still under way is waited for
    (a second at most): what it pulls would otherwise come again only after ``ack_wait``,
    and not at all if that was its last delivery."""
    if not coming.done():
        await asyncio.wait([coming])
    if coming.cancelled() or coming.exception() is not None:
        return []
    last = []
    with contextlib.suppress(nats.errors.ConnectionClosedError):  # they come again anyway
        for message in coming.result():
            if is_last_delivery(message, feed):
                last.append(message)
            else:
                await message.nak()
    return last


async def _take(
    messages: list[Msg],
    done: Listened,
    feed: Feed,
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    writing: Callable[[], AbstractContextManager[object]] | None = None,
) -> None:
    """Take one fetched batch in one transaction: refuse what can never be a report, write
    the rest (a record id repeated within the batch is a duplicate or a conflict of its first
    message, as in two transactions), then acknowledge. Should the batch fail on one report
    (a rule of a case it is recorded on, say, or an unexpected error), it is rolled back and
    taken again one report per transaction, so that only that report's message is refused,
    or handed back to be delivered again later (given up on its last delivery)."""
    now = clock.now()
    pending: list[tuple[Msg, Parsed]] = []
    for message in messages:
        done.received += 1
        try:
            parsed = _parse(message.data)
            refuse_future(parsed.report, now)
        except InvalidInput as refusal:
            await _refuse(message, str(refusal), done)
            continue
        pending.append((message, parsed))
    if not pending:
        return
    reports = [parsed for _, parsed in pending]
    # Resolved to persons first, without the write lock (other listeners write meanwhile);
    # the write transaction checks that no person and no model has changed since.
    resolved: Resolutions | None
    try:
        resolved = await asyncio.to_thread(resolve_reports, store=store, reports=reports)
    except DocketError:
        raise
    except Exception:  # found out below, each report resolved in its own write transaction
        resolved = None
    summary: IntakeSummary | None = None
    if resolved is not None:
        try:
            summary = await _accept(store, clock, actor, reports, resolved, writing)
        except VersionConflict:
            raise  # another writer moved a record meanwhile: nothing acknowledged, all come again
        except Exception:  # a refusal or an unexpected error: found out one report at a time
            summary = None
    if summary is not None:
        await _acknowledge([message for message, _ in pending], summary.results, done)
        return
    for message, parsed in pending:
        try:
            one = await _accept(store, clock, actor, [parsed], resolved, writing)
        except VersionConflict:
            raise
        except DocketError as refusal:
            await _refuse(message, str(refusal), done)
            continue
        except Exception as error:  # a defect or an outage, not the report's fault
            await fail(message, error, done, feed)
            continue
        await _acknowledge([message], one.results, done)


async def _accept(
    store: DepartureStore,
    clock: Clock,
    actor: str,
    reports: list[Parsed],
    resolved: Resolutions | None,
    writing: Callable[[], AbstractContextManager[object]] | None,
) -> IntakeSummary:
    def accept() -> IntakeSummary:
        with writing() if writing is not None else contextlib.nullcontext():
            return accept_reports(
                store=store,
                clock=clock,
                actor=actor,
                reports=reports,
                refuse_conflicts=False,
                repeats=True,
                resolved=resolved,
            )

    return await asyncio.to_thread(accept)


async def _acknowledge(messages: list[Msg], results: list[Intake], done: Listened) -> None:
    """After the commit (only then may the server forget the messages): acknowledge each
    message taken, all at once, and terminate each that conflicts with an earlier report."""
    taken = []
    for message, intake in zip(messages, results, strict=True):
        if intake.outcome is Outcome.CONFLICT:
            await _refuse(message, "already received with different content", done)
            continue
        if intake.outcome is Outcome.ACCEPTED:
            done.accepted += 1
            done.case_events += len(intake.case_events)
        else:
            done.duplicates += 1
        taken.append(message)
    confirmed = await asyncio.gather(*(m.ack_sync() for m in taken), return_exceptions=True)
    for outcome in confirmed:
        if isinstance(outcome, TimeoutError):
            # The report is committed; should the acknowledgement be lost, the server
            # delivers the message again and it counts as a duplicate.
            done.unconfirmed_acks += 1
        elif isinstance(outcome, BaseException):
            raise outcome


def _parse(data: bytes) -> Parsed:
    try:
        body: Any = json.loads(data)
    # ValueError: also JSON the decoder reads but Python will not hold, a number of more
    # than 4,300 digits; RecursionError: arrays or objects nested some thousand deep. Either
    # would otherwise stop the listener, and again on each delivery of the message.
    except (ValueError, RecursionError):
        raise InvalidInput("not JSON") from None
    if not isinstance(body, dict):
        raise InvalidInput("not a JSON object")
    # A field the format does not know is ignored, whatever its value, as the API and the
    # CSV import ignore theirs: a feed that adds a number of its own loses no report.
    for name in ("source", *FIELDS):
        if not isinstance(body.get(name), str | None):
            raise InvalidInput(f"{name}: not a string", details={"field": name})
    return parse_report(body.get("source") or "", body)


async def _refuse(message: Msg, reason: str, done: Listened) -> None:
    sequence = message.metadata.sequence.stream if message.reply else 0
    done.note_refused(f"{sequence}: {reason}")
    await message.term()


def run(
    feed: Feed,
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    until_idle: float | None = None,
    on_batch: Callable[[Listened], None] | None = None,
) -> Listened:
    """:func:`listen` in its own event loop, stopping cleanly (after the batch in hand) on
    SIGINT or SIGTERM."""

    async def main() -> Listened:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        return await listen(
            feed,
            store=store,
            clock=clock,
            actor=actor,
            until_idle=until_idle,
            stop=stop,
            on_batch=on_batch,
        )

    return asyncio.run(main())
