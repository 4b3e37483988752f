"""Every allowed and every forbidden (state, event) pair, generated from the lifecycle table."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools

import pytest

from docket.cases import lifecycle
from docket.cases.bars import BLOCKS
from docket.cases.model import Bar, BarKind, CaseState
from docket.cases.table import TABLE
from docket.errors import BarInForce, IllegalTransition
from tests.cases import scenarios

ALLOWED = [(state, kind) for kind, move in TABLE.items() for state in sorted(move.from_states)]
FORBIDDEN = [
    (state, kind)
    for kind, move in TABLE.items()
    for state in CaseState
    if state not in move.from_states
]
BLOCKED = [(bar, action) for bar, actions in BLOCKS.items() for action in sorted(actions)]


def _record(built: scenarios.Built, kind, fields, days):
    return lifecycle.record(
        built.case,
        kind=kind,
        fields=fields,
        occurred_on=built.on + dt.timedelta(days=days),
        actor="officer.test",
        document_ref="DOC-UNDER-TEST",
        recorded_at=scenarios.NOW,
    )


def test_the_table_covers_every_state_and_every_state_is_reachable():
    reachable = set().union(*(move.to_states for move in TABLE.values())) | {CaseState.IDENTIFIED}
    assert reachable == set(CaseState)
    assert len(ALLOWED) + len(FORBIDDEN) == len(TABLE) * len(CaseState)


@pytest.mark.parametrize(("state", "kind"), ALLOWED, ids=lambda v: getattr(v, "value", v))
def test_an_allowed_move_is_recorded_and_leads_where_the_table_says(state, kind):
    built, fields, days = scenarios.ready_for(kind, state)
    event, after = _record(built, kind, fields, days)
    assert after.state in TABLE[kind].to_states
    assert event.legal_basis == TABLE[kind].legal_basis
    assert after.version == built.case.version + 1
    assert lifecycle.rebuild([*built.events, event]) == after


@pytest.mark.parametrize(("state", "kind"), FORBIDDEN, ids=lambda v: getattr(v, "value", v))
def test_a_forbidden_move_is_refused_naming_the_rule(state, kind):
    built = scenarios.in_state(state)
    with pytest.raises(IllegalTransition) as refused:
        _record(built, kind, {}, 1)
    assert refused.value.details["rule"] == "transition_table"
    assert state.value in refused.value.message
    assert kind.value in refused.value.message


@pytest.mark.parametrize(("bar", "action"), BLOCKED, ids=lambda v: getattr(v, "value", v))
def test_every_bar_blocks_every_action_it_must_block_and_names_itself(bar, action):
    state = sorted(TABLE[action].from_states)[0]
    built, fields, days = scenarios.ready_for(action, state)
    standing = Bar(kind=bar, placed_on=built.on, document_ref="ORDER-42")
    barred = dataclasses.replace(
        built.case, bars=(*(b for b in built.case.bars if b.kind is not bar), standing)
    )
    with pytest.raises(BarInForce) as refused:
        _record(dataclasses.replace(built, case=barred), action, fields, days)
    assert bar.value in refused.value.details["bars"]
    assert bar.value in refused.value.message
    assert "ORDER-42" in refused.value.message
    # Without the bar the same move goes through: the bar alone blocked it.
    _record(built, action, fields, days)


@pytest.mark.parametrize(
    ("bar", "action"),
    [
        (bar, action)
        for bar, action in itertools.product(BarKind, TABLE)
        if action not in BLOCKS[bar] and TABLE[action].bar is not bar
    ],
    ids=lambda v: getattr(v, "value", v),
)
def test_a_bar_does_not_block_what_it_is_not_listed_for(bar, action):
    state = sorted(TABLE[action].from_states)[0]
    built, fields, days = scenarios.ready_for(action, state)
    standing = Bar(kind=bar, placed_on=built.on, document_ref="ORDER-42")
    barred = dataclasses.replace(built.case, bars=(*built.case.bars, standing))
    _record(dataclasses.replace(built, case=barred), action, fields, days)
