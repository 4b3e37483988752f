"""Property-based checks of the pure lifecycle: random event sequences never reach a state the
table does not allow, and replaying the events always gives back the case."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from docket.cases import lifecycle
from docket.cases.model import OPEN_STATES, CaseState
from docket.cases.table import TABLE
from docket.errors import DocketError
from tests.cases import scenarios
from tests.cases.strategies import attempts, resolve_dates


@settings(max_examples=300, deadline=None)
@given(st.lists(attempts(), min_size=1, max_size=40))
def test_random_event_sequences_follow_the_table_and_replay_to_the_same_case(sequence):
    built = scenarios.opened()
    case, events, on = built.case, list(built.events), built.on
    now = dt.datetime(2025, 1, 6, 12, tzinfo=dt.UTC)
    for kind, raw_fields, days in sequence:
        on = on + dt.timedelta(days=days)
        now = max(now, dt.datetime.combine(on, dt.time(12), tzinfo=dt.UTC))
        before = case
        try:
            event, case = lifecycle.record(
                case,
                kind=kind,
                fields=resolve_dates(kind, raw_fields, on),
                occurred_on=on,
                actor="prop",
                document_ref="DOC",
                recorded_at=now,
            )
        except DocketError:
            assert case == before  # a refused move changes nothing
            continue
        events.append(event)
        assert before.state in TABLE[kind].from_states
        assert case.state in TABLE[kind].to_states
        assert case.version == len(events)
        if case.state not in OPEN_STATES:
            assert case.bars == ()
        if case.state is CaseState.CLOSED:
            assert case.close_reason is not None
    assert lifecycle.rebuild(events) == case
