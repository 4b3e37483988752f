"""The durable JetStream consumer the departure listeners share, and what becomes of a message
whose report fails with an unexpected error.

The consumer acknowledges explicitly and delivers a message at most ``max_deliver`` times (the
server's own bound: it holds also for a listener that dies on a message). A consumer made
before (by an older version, which set no bound) is brought up to date; one the server will
not change stops the listener with the server's reason.

A refused report is terminated at once (:mod:`docket.importing.departures_nats`). A report that
fails otherwise (a defect, a database outage) is handed back with a delay that doubles on each
failure, so that an outage of a moment spends few deliveries and a poison message costs a
bounded number. On its last delivery it is given up: terminated (the server would not deliver
it again anyway), said in one line with its stream sequence and listed, like a refusal. It
stays on the stream, where ``nats stream get STREAM SEQUENCE`` shows it, to be published again
once its cause is mended (the report counts once, should it have been taken after all).
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

import nats.errors
import nats.js.errors
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.client import JetStreamContext

from docket.errors import ConfigurationError

if TYPE_CHECKING:
    from docket.importing.departures_nats import Feed, Listened

MAX_RETRY_AFTER = 600.0
"""Seconds: the longest a failed message waits before it is delivered again."""

_REASON_LENGTH = 300

_log = logging.getLogger(__name__)


async def subscribe(js: JetStreamContext, feed: Feed) -> JetStreamContext.PullSubscription:
    """A pull subscription on ``feed``'s durable consumer, made if need be, and brought up to
    date if it exists with another bound on deliveries, another wait for acknowledgements or
    without explicit acknowledgement; refused if it exists for another subject.
    :class:`ConfigurationError` if the stream does not exist, a name is not one NATS takes
    (a stream or consumer name with a dot or a space), the server refuses the consumer (a
    subject outside the stream's) or refuses to change it."""
    try:
        await js.stream_info(feed.stream)
        return await _subscribe(js, feed)
    except nats.js.errors.NotFoundError:
        raise ConfigurationError(f"no stream {feed.stream!r} on {feed.url}") from None
    except ValueError as exc:  # the client's own check of a name, before asking the server
        raise ConfigurationError(str(exc).removeprefix("nats: ")) from None
    except nats.js.errors.APIError as exc:
        raise ConfigurationError(
            f"NATS refused the durable consumer {feed.durable!r} on stream {feed.stream!r} "
            f"for subject {feed.subject!r}: {exc.description or type(exc).__name__}"
        ) from None


async def _subscribe(js: JetStreamContext, feed: Feed) -> JetStreamContext.PullSubscription:
    try:
        held: ConsumerConfig | None = (await js.consumer_info(feed.stream, feed.durable)).config
    except nats.js.errors.NotFoundError:
        held = None
    if held is not None:
        check_subject(feed, held)
        if (held.ack_policy, held.max_deliver, held.ack_wait) != (
            AckPolicy.EXPLICIT,
            feed.max_deliver,
            feed.ack_wait,
        ):
            await _update(js, feed, held)
    # Made here if it does not exist yet; an existing consumer, checked above, is bound.
    return await js.pull_subscribe(
        feed.subject,
        durable=feed.durable,
        stream=feed.stream,
        config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, ack_wait=feed.ack_wait, max_deliver=feed.max_deliver
        ),
    )


def check_subject(feed: Feed, held: ConsumerConfig) -> None:
    """Refuse a durable consumer that filters another subject than ``feed``'s: bound as it
    is, it would hand the listener the other subject's reports. It is not changed either:
    it would go on from its place in the stream, and the new subject's earlier messages
    would never come."""
    subjects = [held.filter_subject] if held.filter_subject else list(held.filter_subjects or [])
    if subjects == [feed.subject]:  # as one subject, or as a list of that one (NATS 2.10)
        return
    takes = (
        f"subject {subjects[0]!r}"
        if len(subjects) == 1
        else f"subjects {', '.join(map(repr, subjects))}"
        if subjects
        else "every subject of the stream"
    )
    raise ConfigurationError(
        f"the durable consumer {feed.durable!r} on stream {feed.stream!r} takes {takes}, not "
        f"{feed.subject!r}: name another consumer for this subject with --durable (it starts "
        "at the stream's first message: reports already taken count as duplicates)"
    )


async def _update(js: JetStreamContext, feed: Feed, held: ConsumerConfig) -> None:
    wanted = dataclasses.replace(
        held, ack_policy=AckPolicy.EXPLICIT, max_deliver=feed.max_deliver, ack_wait=feed.ack_wait
    )
    try:
        await js.add_consumer(feed.stream, config=wanted)  # the same name: an update
    except nats.js.errors.APIError as exc:
        raise ConfigurationError(
            f"the durable consumer {feed.durable!r} on stream {feed.stream!r} cannot be changed "
            f"to what the listener needs ({exc.description or exc}); name another with "
            "--durable, or remove this one once no listener uses it (the new consumer starts "
            "at the stream's first message: reports already taken count as duplicates)"
        ) from None
    was = "no limit" if (held.max_deliver or -1) < 1 else str(held.max_deliver)
    _log.warning(
        "NATS: durable consumer %r on stream %r now delivers a message at most %d times (was "
        "%s) and waits %gs for an acknowledgement (was %gs)",
        feed.durable,
        feed.stream,
        feed.max_deliver,
        was,
        feed.ack_wait,
        held.ack_wait or 0,
    )


STILL_THERE_EVERY = 5.0
"""Seconds of quiet between looks at whether the consumer is still on the server: a fetch
from a consumer deleted, or from a stream deleted with it, answers as one that found nothing."""


async def still_there(js: JetStreamContext, feed: Feed) -> None:
    """:class:`ConfigurationError` if ``feed``'s stream or durable consumer is gone from the
    server (deleted, or made again: a new one is not the one subscribed to). Anything else
    (the server slow to answer, say) is for the next look."""
    try:
        await js.consumer_info(feed.stream, feed.durable)
    except nats.js.errors.NotFoundError as exc:
        raise ConfigurationError(
            f"the durable consumer {feed.durable!r} on stream {feed.stream!r} is gone from "
            f"{feed.url} ({exc.description or 'not found'}): was it deleted? Start the "
            "listener again once the stream is there (reports already taken count as "
            "duplicates)"
        ) from None
    except (nats.errors.Error, TimeoutError):
        return


def is_last_delivery(message: Msg, feed: Feed) -> bool:
    """Whether the server will not deliver ``message`` again, whatever becomes of it."""
    return message.metadata.num_delivered >= feed.max_deliver


def retry_after(feed: Feed, delivered: int) -> float:
    """Seconds before a message that failed on its ``delivered``-th delivery comes again."""
    return float(min(feed.retry_after * 2 ** (delivered - 1), MAX_RETRY_AFTER))


async def fail(message: Msg, error: Exception, done: Listened, feed: Feed) -> None:
    """A message whose report failed with ``error``, an unexpected one: handed back to be
    delivered again after its delay, or, on its last delivery, given up."""
    delivered = message.metadata.num_delivered
    sequence = message.metadata.sequence.stream
    reason = _reason(error)
    _log.debug("stream sequence %d failed", sequence, exc_info=error)
    if is_last_delivery(message, feed):
        done.note_gave_up(f"{sequence}: {reason}")
        _log.error(
            "gave up on stream sequence %d after %d deliveries: %s (terminated; it stays on "
            "stream %r)",
            sequence,
            delivered,
            reason,
            feed.stream,
        )
        await message.term()
        return
    delay = retry_after(feed, delivered)
    done.retried += 1
    _log.warning(
        "stream sequence %d failed on delivery %d of %d: %s; delivered again in %g s",
        sequence,
        delivered,
        feed.max_deliver,
        reason,
        delay,
    )
    await message.nak(delay=delay)


def _reason(error: Exception) -> str:
    """The error in one short line: its type and the first line of its message (a database
    error's further lines hold its statement and parameters)."""
    lines = str(error).strip().splitlines()
    said = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    return said if len(said) <= _REASON_LENGTH else said[: _REASON_LENGTH - 1] + "…"
