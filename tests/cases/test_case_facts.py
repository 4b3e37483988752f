"""Facts the case keeps itself stay as long as what made them."""

from __future__ import annotations

import pytest

from docket.cases.events import EventKind
from docket.cases.model import CaseState, FactKind
from docket.errors import RuleViolation
from tests.cases.scenarios import in_state

K = EventKind
S = CaseState


def test_the_final_order_fact_cannot_be_withdrawn_while_the_order_is_final():
    final = in_state(S.FINAL_ORDER)
    (fact,) = [f for f in final.case.facts if f.kind is FactKind.FINAL_ORDER]
    with pytest.raises(RuleViolation) as refused:
        final.then(K.FACT_WITHDRAWN, fact_id=fact.fact_id, reason="recorded in error")
    assert refused.value.details["rule"] == "fact_kept_by_the_case"
    assert fact.fact_id in refused.value.message
    # It goes with the order: a motion to reopen granted returns the case to proceedings.
    moved = final.then(K.MOTION_TO_REOPEN_FILED).then(K.MOTION_TO_REOPEN_DECIDED, outcome="granted")
    assert moved.case.state is S.IN_PROCEEDINGS
    assert not [f for f in moved.case.facts if f.kind is FactKind.FINAL_ORDER]


def test_a_fact_recorded_by_its_own_move_can_still_be_withdrawn():
    recorded = in_state(S.FINAL_ORDER).then(
        K.ENTRY_RECORDED, entered_on="2019-03-04", manner="without_inspection"
    )
    entry = recorded.case.facts[-1]
    withdrawn = recorded.then(K.FACT_WITHDRAWN, fact_id=entry.fact_id, reason="wrong person")
    assert entry not in withdrawn.case.facts
