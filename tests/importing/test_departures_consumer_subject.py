"""Which durable consumer a listener binds to: one that takes its subject, however the
server writes that down (``filter_subject``, or a list of that one subject since NATS 2.10);
any other is refused naming what it takes."""

from __future__ import annotations

import pytest
from nats.js.api import AckPolicy, ConsumerConfig

from docket.errors import ConfigurationError
from docket.importing.departures_consumer import check_subject
from docket.importing.departures_nats import Feed

FEED = Feed("nats://127.0.0.1:4222", "DEPARTURES", "departures.exit")


def _held(**filters: object) -> ConsumerConfig:
    return ConsumerConfig(durable_name=FEED.durable, ack_policy=AckPolicy.EXPLICIT, **filters)


@pytest.mark.parametrize(
    "filters",
    [{"filter_subject": "departures.exit"}, {"filter_subjects": ["departures.exit"]}],
)
def test_a_consumer_taking_the_feed_s_subject_is_bound(filters):
    check_subject(FEED, _held(**filters))


@pytest.mark.parametrize(
    ("filters", "takes"),
    [
        ({"filter_subject": "departures.manifest"}, "subject 'departures.manifest'"),
        (
            {"filter_subjects": ["departures.exit", "departures.manifest"]},
            "subjects 'departures.exit', 'departures.manifest'",
        ),
        ({}, "every subject of the stream"),
    ],
)
def test_a_consumer_taking_anything_else_is_refused_naming_it(filters, takes):
    with pytest.raises(ConfigurationError) as refused:
        check_subject(FEED, _held(**filters))
    assert refused.value.message.startswith(
        f"the durable consumer 'docket-departures' on stream 'DEPARTURES' takes {takes}, not "
        "'departures.exit': "
    )
