"""Synthetic documented facts: seeded per case, accepted by the lifecycle, never in the future."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.facts import BY_EVENT
from docket.cases.fields import FieldType
from docket.cases.model import OPEN_STATES, CaseState, FactKind
from docket.synthetic.facts import facts_for, record_facts, recorded_on
from tests.cases.scenarios import NOW, OPENED_ON, TODAY, in_state, opened

K = EventKind
FELONIES = {
    "aggravated_felony",
    "violent_felony",
    "drug_trafficking",
    "firearms_offence",
    "sexual_offence",
    "human_trafficking",
    "other_felony",
}
SAMPLE = 20_000


def _refs(count: int) -> list[str]:
    return [f"DKT-S-{n:06d}" for n in range(count)]


def _dates(kind: EventKind, fields: dict[str, str]) -> list[dt.date]:
    return [
        dt.date.fromisoformat(fields[f.name])
        for f in BY_EVENT[kind].fields
        if f.type is FieldType.DATE and f.name in fields
    ]


def test_the_same_case_always_gets_the_same_facts_whatever_is_drawn_around_it() -> None:
    refs = _refs(300)
    forward = {ref: facts_for(ref, seed=7, opened_on=OPENED_ON, as_of=TODAY) for ref in refs}
    backward = {
        ref: facts_for(ref, seed=7, opened_on=OPENED_ON, as_of=TODAY) for ref in reversed(refs)
    }
    assert forward == backward


def test_another_seed_or_another_case_gives_other_facts() -> None:
    refs = _refs(200)
    one = [facts_for(ref, seed=1, opened_on=OPENED_ON, as_of=TODAY) for ref in refs]
    other_seed = [facts_for(ref, seed=2, opened_on=OPENED_ON, as_of=TODAY) for ref in refs]
    assert one != other_seed
    assert len({repr(facts) for facts in one}) > 150


def test_every_generated_fact_is_accepted_by_the_lifecycle_on_an_open_case() -> None:
    born = dt.date(1988, 3, 14)
    recorded = Counter[EventKind]()
    for ref in _refs(3_000):
        facts = facts_for(ref, seed=3, opened_on=OPENED_ON, as_of=TODAY, born_on=born)
        case = opened(ref).case
        for kind, fields in facts:
            _, case = lifecycle.record(
                case,
                kind=kind,
                fields=fields,
                occurred_on=recorded_on(kind, fields, OPENED_ON),
                actor="officer.test",
                document_ref="DOC-1",
                recorded_at=NOW,
            )
            recorded[kind] += 1
        assert len(case.facts) == len(facts)
    assert set(recorded) == set(BY_EVENT)  # every kind of fact but the rarest came up


@pytest.mark.parametrize("state", sorted(OPEN_STATES, key=lambda s: s.value))
def test_recorded_facts_leave_the_case_as_its_events_rebuild_it(state: CaseState) -> None:
    built = in_state(state)
    facts = [
        fact
        for ref in _refs(40)
        for fact in facts_for(ref, seed=5, opened_on=OPENED_ON, as_of=TODAY)
    ]
    events, case = record_facts(built.case, facts, actor="bench", recorded_at=NOW)
    assert len(events) == len(facts) == len(case.facts) - len(built.case.facts)
    assert case.state is state
    assert lifecycle.rebuild([*built.events, *events]) == case
    assert [e.stream_version for e in events] == list(
        range(built.case.version + 1, case.version + 1)
    )


def test_no_fact_is_dated_after_the_as_of_date_nor_before_birth() -> None:
    as_of = dt.date(2024, 6, 1)
    for n, ref in enumerate(_refs(SAMPLE)):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=n * 7 % 25_000)
        opened_on = max(born, as_of - dt.timedelta(days=n % 3_000))
        for kind, fields in facts_for(ref, seed=11, opened_on=opened_on, as_of=as_of, born_on=born):
            for day in _dates(kind, fields):
                assert born <= day <= as_of, (ref, kind, fields)
            assert recorded_on(kind, fields, opened_on) <= as_of


def test_a_case_opened_after_the_as_of_date_is_refused() -> None:
    with pytest.raises(ValueError, match="after"):
        facts_for("DKT-1", seed=1, opened_on=TODAY, as_of=TODAY - dt.timedelta(days=1))


def test_the_mix_looks_like_a_removal_docket() -> None:
    kinds = Counter[FactKind]()
    cases_with = Counter[FactKind]()
    categories = Counter[str]()
    for ref in _refs(SAMPLE):
        facts = facts_for(ref, seed=1, opened_on=OPENED_ON, as_of=TODAY)
        present = {BY_EVENT[kind].kind for kind, _ in facts}
        cases_with.update(present)
        kinds.update(BY_EVENT[kind].kind for kind, _ in facts)
        categories.update(f["category"] for kind, f in facts if kind is K.CONVICTION_RECORDED)

    def share(kind: FactKind) -> float:
        return cases_with[kind] / SAMPLE

    assert share(FactKind.ENTRY) > 0.85
    assert share(FactKind.APPREHENSION) > 0.8
    assert 0.29 < share(FactKind.CONVICTION) < 0.37
    assert share(FactKind.NATIONAL_SECURITY_FINDING) < 0.003
    felonies = sum(n for category, n in categories.items() if category in FELONIES)
    assert 0.1 < felonies / kinds[FactKind.CONVICTION] < 0.35
    for kind in (
        FactKind.CAREGIVER_OF_US_CITIZEN_CHILD,
        FactKind.PENDING_RELIEF_APPLICATION,
        FactKind.SERIOUS_HEALTH_CONDITION,
        FactKind.VICTIM_OR_WITNESS,
        FactKind.MILITARY_OR_PUBLIC_SERVICE,
    ):
        assert 0.003 < share(kind) < 0.3, kind
    assert FactKind.FINAL_ORDER not in kinds  # the case records that itself
