"""Scoring: removable alone is never a priority; every explanation's contributions add up to
its score; the same docket gives the same ranking; ties go to the older case; a vacated
conviction and a decided application count for nothing."""

from __future__ import annotations

import datetime as dt
import random

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docket.cases.facts import FACTS
from docket.cases.model import Fact, FactKind
from docket.priority import packs
from docket.priority.ranking import Ranking
from docket.priority.scoring import Docket, Scorer
from docket.priority.statement import statement

AS_OF = {"dhs-2021-guidelines": dt.date(2024, 6, 1), "neutral-example": dt.date(2026, 11, 22)}
PACKS = {name: packs.load(name) for name in AS_OF}


def fact(case_ref: str, n: int, kind: FactKind, on: dt.date, **values: object) -> Fact:
    spec = FACTS[kind]
    values.setdefault(spec.date_field, on.isoformat())
    return Fact(
        fact_id=f"{case_ref}/F{n}",
        kind=kind,
        on=on,
        values=tuple((f.name, values.get(f.name)) for f in spec.fields),  # type: ignore[misc]
        document_ref=f"DOC-{case_ref}-{n}",
        event_id=f"id-{case_ref}@{n}",
    )


def conviction(case_ref: str, n: int, on: dt.date, category: str, months: int = 0, **more):
    return fact(
        case_ref,
        n,
        FactKind.CONVICTION,
        on,
        offence="offence",
        statute="statute",
        category=category,
        sentence_months=months,
        **more,
    )


def row(case_ref: str, facts=(), opened_on=dt.date(2024, 1, 1), born=dt.date(1980, 1, 1)):
    return (case_ref, f"person-{case_ref}", opened_on, born, list(facts))


def rank(name: str, rows):
    return Scorer(PACKS[name], Docket.build(rows), AS_OF[name]).rank()


@pytest.mark.parametrize("name", sorted(PACKS))
def test_removable_alone_is_never_a_priority(name):
    day = AS_OF[name] - dt.timedelta(days=200)
    removable = [
        fact("DKT-1", 2, FactKind.FINAL_ORDER, day),
        fact("DKT-1", 3, FactKind.ENTRY, dt.date(2010, 1, 1), manner="without_inspection"),
    ]
    ranking = rank(name, [row("DKT-1", removable), row("DKT-2")])
    for explanation in ranking.top():
        assert explanation.category is None
        assert explanation.score == 0
        assert explanation.contributions == ()


def test_a_serious_conviction_makes_a_priority_and_the_explanation_cites_it():
    facts = [
        conviction("DKT-1", 2, dt.date(2020, 3, 1), "violent_felony", 36),
        fact("DKT-1", 3, FactKind.CAREGIVER_OF_US_CITIZEN_CHILD, dt.date(2015, 1, 1)),
    ]
    ranking = rank("dhs-2021-guidelines", [row("DKT-0"), row("DKT-1", facts)])
    first = next(ranking.top(1))
    assert first.case_ref == "DKT-1"
    assert first.category is not None
    assert first.category.id == "public_safety"
    by_rule = {c.rule.key: c for c in first.contributions}
    assert by_rule["category:public_safety"].points == 200
    assert [f.fact_id for f in by_rule["category:public_safety"].facts] == ["DKT-1/F2"]
    assert by_rule["category:public_safety"].facts[0].document_ref == "DOC-DKT-1-2"
    assert by_rule["aggravating:gravity_of_sentence"].points == 20
    assert by_rule["mitigating:family_caregiver"].points == -30
    assert first.score == 200 + 20 - 30  # the qualifying felony is not a prior record too
    assert first.fact_ids() == ["DKT-1/F2", "DKT-1/F3"]


def test_a_vacated_conviction_and_a_decided_application_count_for_nothing():
    facts = [
        conviction("DKT-1", 2, dt.date(2020, 3, 1), "violent_felony", 36, disposition="vacated"),
        fact(
            "DKT-1",
            3,
            FactKind.PENDING_RELIEF_APPLICATION,
            dt.date(2021, 1, 1),
            application="asylum",
            decided_on="2022-01-01",
        ),
    ]
    explanation = next(rank("dhs-2021-guidelines", [row("DKT-1", facts)]).top())
    assert (explanation.category, explanation.score) == (None, 0)


def test_a_policy_applied_to_a_past_date_does_not_see_later_facts():
    later = [conviction("DKT-1", 2, dt.date(2024, 6, 2), "violent_felony", 36)]
    explanation = next(rank("dhs-2021-guidelines", [row("DKT-1", later)]).top())
    assert (explanation.category, explanation.score) == (None, 0)
    same_day = [conviction("DKT-1", 2, dt.date(2024, 6, 1), "violent_felony", 36)]
    assert next(rank("dhs-2021-guidelines", [row("DKT-1", same_day)]).top()).score > 0


def test_per_fact_factors_count_each_fact_up_to_their_cap():
    facts = [
        conviction("DKT-1", n, dt.date(2019, 1, n), "other_felony", 24) for n in range(2, 8)
    ] + [conviction("DKT-1", 9, dt.date(2020, 1, 1), "violent_felony")]
    explanation = next(rank("dhs-2021-guidelines", [row("DKT-1", facts)]).top())
    by_rule = {c.rule.key: c for c in explanation.contributions}
    gravity = by_rule["aggravating:gravity_of_sentence"]
    assert gravity.points == 20 * 3  # capped at 3
    # the facts cited are the three that counted, the latest (the explanation adds up)
    assert [f.on.day for f in gravity.facts] == [5, 6, 7]


def test_the_conviction_that_makes_the_category_is_not_also_the_prior_record():
    qualifying = conviction("DKT-1", 2, dt.date(2022, 3, 1), "violent_felony", 36)
    one = next(rank("dhs-2021-guidelines", [row("DKT-1", [qualifying])]).top())
    by_rule = {c.rule.key: c for c in one.contributions}
    assert set(by_rule) == {"category:public_safety", "aggravating:gravity_of_sentence"}
    assert one.score == 200 + 20  # the category, and the gravity of its sentence; nothing more
    earlier = conviction("DKT-2", 2, dt.date(2015, 3, 1), "other_felony")
    later = conviction("DKT-2", 3, dt.date(2022, 3, 1), "violent_felony")
    two = next(rank("dhs-2021-guidelines", [row("DKT-2", [earlier, later])]).top())
    prior = {c.rule.key: c for c in two.contributions}["aggravating:serious_prior_record"]
    assert (prior.points, [f.fact_id for f in prior.facts]) == (10, ["DKT-2/F2"])


def test_measures_say_what_they_come_from():
    old = row("DKT-1", [conviction("DKT-1", 2, dt.date(2001, 5, 1), "violent_felony")])
    old = (*old[:3], dt.date(1950, 6, 2), old[4])
    explanation = next(rank("dhs-2021-guidelines", [old]).top())
    measures = {m.name: m for c in explanation.contributions for m in c.measures}
    assert measures["age"].value == 73
    assert measures["age"].fact_id is None
    assert measures["years_since_last_offence"].value == 23
    assert measures["years_since_last_offence"].fact_id == "DKT-1/F2"


def test_ties_go_to_the_older_case_then_the_reference():
    same = lambda ref: [conviction(ref, 2, dt.date(2023, 1, 1), "drug_trafficking")]  # noqa: E731
    rows = [
        row("DKT-A", same("DKT-A"), opened_on=dt.date(2024, 5, 1)),
        row("DKT-B", same("DKT-B"), opened_on=dt.date(2022, 5, 1)),
        row("DKT-C", same("DKT-C"), opened_on=dt.date(2022, 5, 1)),
        row("DKT-D", opened_on=dt.date(2001, 1, 1)),
    ]
    order = [e.case_ref for e in rank("neutral-example", rows).top()]
    assert order == ["DKT-B", "DKT-C", "DKT-A", "DKT-D"]


CATEGORIES = [
    "aggravated_felony",
    "violent_felony",
    "drug_trafficking",
    "firearms_offence",
    "other_felony",
    "misdemeanor",
    "traffic_offence",
]


@st.composite
def dockets(draw):
    rows = []
    for n in range(draw(st.integers(1, 25))):
        ref = f"DKT-{n:03d}"
        facts = []
        version = 2
        # Each fact of a case on a day of its own: facts of one day are counted and cited in
        # the order they were recorded (Scorer._latest), which the shuffle below changes.
        count = draw(st.integers(0, 6))
        days = draw(st.lists(st.integers(0, 8800), min_size=count, max_size=count, unique=True))
        for day in days:
            on = dt.date(2000, 1, 1) + dt.timedelta(days=day)
            choice = draw(st.integers(0, 7))
            if choice <= 2:
                facts.append(
                    conviction(
                        ref,
                        version,
                        on,
                        draw(st.sampled_from(CATEGORIES)),
                        draw(st.integers(0, 90)),
                    )
                )
            elif choice == 3:
                context = draw(st.sampled_from(["border", "port_of_entry", "interior"]))
                facts.append(fact(ref, version, FactKind.APPREHENSION, on, context=context))
            elif choice == 4:
                manner = draw(st.sampled_from(["admitted", "without_inspection"]))
                facts.append(fact(ref, version, FactKind.ENTRY, on, manner=manner))
            elif choice == 5:
                facts.append(fact(ref, version, FactKind.CAREGIVER_OF_US_CITIZEN_CHILD, on))
            elif choice == 6:
                facts.append(fact(ref, version, FactKind.NATIONAL_SECURITY_FINDING, on))
            else:
                facts.append(fact(ref, version, FactKind.FINAL_ORDER, on))
            version += 1
        opened = dt.date(2015, 1, 1) + dt.timedelta(days=draw(st.integers(0, 3000)))
        born = draw(st.none() | st.dates(dt.date(1930, 1, 1), dt.date(2015, 1, 1)))
        rows.append(row(ref, facts, opened_on=opened, born=born))
    return rows


@settings(max_examples=150, deadline=None)
@given(rows=dockets(), name=st.sampled_from(sorted(PACKS)), seed=st.integers(0, 1000))
def test_contributions_add_up_and_the_same_docket_ranks_the_same(rows, name, seed):
    ranking = rank(name, rows)
    explanations = list(ranking.top())
    assert sorted(e.case_ref for e in explanations) == sorted(r[0] for r in rows)
    for explanation in explanations:
        assert sum(c.points for c in explanation.contributions) == explanation.score
        if explanation.category is None:
            assert explanation.score == 0
        for contribution in explanation.contributions:
            assert all(f.fact_id.startswith(explanation.case_ref + "/") for f in contribution.facts)
    # Better first; equal scores by the age of the case.
    keys = [(e.category is None, -e.score) for e in explanations]
    assert keys == sorted(keys)
    # The same docket again gives the same ranking, explanations and all.
    assert list(rank(name, rows).top()) == explanations
    # The same facts in another order within each case: the same ranking, each rule citing
    # the same facts.
    rng = random.Random(seed)
    shuffled = [(*r[:4], rng.sample(r[4], len(r[4]))) for r in rows]
    assert [_summary(e) for e in rank(name, shuffled).top()] == [_summary(e) for e in explanations]


def _summary(explanation):
    return (
        explanation.case_ref,
        explanation.rank,
        explanation.score,
        [
            (c.rule.key, c.points, sorted(f.fact_id for f in c.facts))
            for c in explanation.contributions
        ],
    )


def test_the_statement_for_the_person_in_english_and_spanish():
    facts = [
        conviction("DKT-1", 2, dt.date(2020, 3, 1), "violent_felony", 36),
        fact("DKT-1", 3, FactKind.CAREGIVER_OF_US_CITIZEN_CHILD, dt.date(2015, 1, 1)),
    ]
    explanation = next(rank("dhs-2021-guidelines", [row("DKT-1", facts)]).top())
    english = statement(explanation, policy="DHS Guidelines", version="2021-09-30")
    spanish = statement(explanation, policy="DHS Guidelines", version="2021-09-30", lang="es")
    for text in (english, spanish):
        assert "DKT-1/F2" in text
        assert "DOC-DKT-1-2" in text
        assert "DKT-1/F3" in text
        assert str(explanation.score) in text
    assert "recommendation" in english
    assert "lowered the score by 30" in english
    assert "recomendación" in spanish
    assert "bajó la puntuación en 30" in spanish
    nothing = next(rank("dhs-2021-guidelines", [row("DKT-2")]).top())
    assert "never makes a case a priority" in statement(nothing, policy="p", version="1")
    with pytest.raises(Exception, match="no statement in 'fr'"):
        statement(nothing, policy="p", version="1", lang="fr")


def _any_ranking() -> Ranking:
    """A category of "any" of a finding, or of a conviction together with an age of 70: a
    34-year-old with both facts (DKT-1) is in it by the finding alone, and the conviction and
    the age did not count; DKT-2, born in 1950, is in it by the conviction at 74."""
    pack = packs.parse(
        """
name: any-test
version: "1"
effective_from: 2020-01-01
categories:
  - id: serious
    label: A finding, or a conviction at 70 or over
    weight: 50
    when:
      any:
        - {fact: national_security_finding}
        - all: [{fact: conviction}, {measure: age, at_least: 70}]
"""
    )
    finding = fact("DKT-1", 2, FactKind.NATIONAL_SECURITY_FINDING, dt.date(2023, 1, 1), finding="f")
    facts = [finding, conviction("DKT-1", 3, dt.date(2022, 1, 1), "violent_felony")]
    old = conviction("DKT-2", 2, dt.date(2022, 1, 1), "violent_felony")
    rows = [row("DKT-1", facts), row("DKT-2", [old], born=dt.date(1950, 1, 1))]
    return Scorer(pack, Docket.build(rows), dt.date(2024, 6, 1)).rank()


def test_a_fact_of_a_branch_that_did_not_hold_is_not_cited():
    ranking = _any_ranking()
    cited = {e.case_ref: e.fact_ids() for e in ranking.top()}
    assert cited == {"DKT-1": ["DKT-1/F2"], "DKT-2": ["DKT-2/F2"]}
    json_cited = {
        e["case_ref"]: [f["fact_id"] for c in e["contributions"] for f in c["facts"]]
        for e in (orjson.loads(x.to_json()) for x in ranking.entries(None))
    }
    assert json_cited == cited


def test_a_measure_of_a_branch_that_did_not_hold_is_not_cited():
    ranking = _any_ranking()
    measured = {
        e.case_ref: [(m.name, m.value) for c in e.contributions for m in c.measures]
        for e in ranking.top()
    }
    assert measured == {"DKT-1": [], "DKT-2": [("age", 74)]}
    json_measured = {
        e["case_ref"]: [
            (m["measure"], m["value"]) for c in e["contributions"] for m in c["measures"]
        ]
        for e in (orjson.loads(x.to_json()) for x in ranking.entries(None))
    }
    assert json_measured == measured
