"""Property-based checks with events recorded late (dated before the last one) and corrections
and withdrawals aimed at facts the case holds: the case keeps its own invariants, and replaying
the events always gives back the case."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from docket.cases import lifecycle, snapshot
from docket.cases.events import EventKind
from docket.cases.model import Case, CaseState, CustodyStatus, FactKind
from docket.cases.periods import CUSTODY_REVIEW_DAYS
from docket.cases.table import POST_ORDER_STATES
from docket.errors import DocketError
from tests.cases import scenarios
from tests.cases.strategies import attempts, resolve_dates

K = EventKind
S = CaseState
REVIEW = dt.timedelta(days=CUSTODY_REVIEW_DAYS)
AT_THE_FACTS = (K.FACT_CORRECTED, K.FACT_WITHDRAWN)


def _holds_together(case: Case) -> None:
    # The case keeps its final order as a fact exactly while it has one.
    final_facts = [f.on for f in case.facts if f.kind is FactKind.FINAL_ORDER]
    assert final_facts == ([case.final_on] if case.final_on is not None else [])
    if case.state in POST_ORDER_STATES:
        assert case.final_on is not None
    custody = case.custody
    if custody.status is CustodyStatus.DETAINED and case.state in POST_ORDER_STATES:
        assert custody.since_on is not None
        assert case.final_on is not None
        assert custody.review_due_on == max(custody.since_on, case.final_on) + REVIEW
    else:
        assert custody.review_due_on is None
    assert all(bar.placed_on >= case.opened_on for bar in case.bars)
    assert snapshot.case_from_dict(snapshot.case_to_dict(case)) == case


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(attempts(), st.integers(-40, 0), st.integers(0, 7)), min_size=1, max_size=40)
)
def test_events_recorded_late_and_fact_corrections_keep_the_case_whole(sequence):
    built = scenarios.in_state(S.FINAL_ORDER) if len(sequence) % 2 else scenarios.opened()
    case, events, last = built.case, list(built.events), built.on
    now = dt.datetime.combine(last, dt.time(12), tzinfo=dt.UTC)
    for (kind, raw_fields, days), back, pick in sequence:
        last = last + dt.timedelta(days=days)
        now = max(now, dt.datetime.combine(last, dt.time(12), tzinfo=dt.UTC))
        on = max(case.opened_on, last + dt.timedelta(days=back))
        fields = resolve_dates(kind, raw_fields, on)
        if kind in AT_THE_FACTS and case.facts:
            fields["fact_id"] = case.facts[pick % len(case.facts)].fact_id
        try:
            event, case = lifecycle.record(
                case,
                kind=kind,
                fields=fields,
                occurred_on=on,
                actor="prop",
                document_ref="DOC",
                recorded_at=now,
            )
        except DocketError:
            continue
        events.append(event)
        assert event.occurred_on >= case.opened_on
        _holds_together(case)
    assert lifecycle.rebuild(events) == case
