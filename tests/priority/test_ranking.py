"""Each entry of a ranking, its JSON line made from the docket's columns, is byte for byte the
JSON of its explanation made as objects, on a varied docket: facts corrected (in force or no
longer counting) and withdrawn, measures from facts and from the date of birth (or none),
per-fact factors, cases in no category."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from docket.priority import packs
from docket.priority.docket import Docket, SnapshotFacts
from docket.priority.scoring import Scorer
from tests.cases.scenarios import TODAY
from tests.priority import dockets

APPLIED = [
    ("dhs-2021-guidelines", dt.date(2024, 6, 1)),
    ("dhs-2021-guidelines", TODAY),
    ("neutral-example", TODAY),
]


@pytest.fixture(scope="module")
def docket() -> Docket:
    rows = dockets.snapshots(600)
    return Docket.build([(r, p, o, b, SnapshotFacts(t)) for r, p, o, b, t in rows])


@pytest.mark.parametrize(("name", "as_of"), APPLIED)
def test_each_json_line_is_the_json_of_its_explanation_made_as_objects(docket, name, as_of):
    ranking = Scorer(packs.load(name), docket, as_of).rank()
    entries = list(ranking.entries())
    explanations = list(ranking.top())
    assert [e.to_json() for e in entries] == [x.to_json() for x in explanations]
    assert [e.to_dict() for e in entries] == [x.to_dict() for x in explanations]
    assert [e.explanation() for e in entries] == explanations
    assert [(e.case_ref, e.rank) for e in entries] == [(x.case_ref, x.rank) for x in explanations]
    assert [e.to_json() for e in ranking.entries(7)] == [x.to_json() for x in ranking.top(7)]


def test_the_docket_has_every_kind_of_explanation_the_identity_is_claimed_for(docket):
    seen: Counter[str] = Counter()
    for name, as_of in APPLIED:
        rules = {r.key: r for r in packs.load(name).rules()}
        for x in Scorer(packs.load(name), docket, as_of).rank().top():
            seen["no category"] += x.category is None
            for c in x.contributions:
                seen["several facts"] += len(c.facts) > 1
                seen["corrected fact"] += any(f.corrections for f in c.facts)
                seen["per fact"] += rules[c.rule.key].per_fact
                for m in c.measures:
                    seen["measure of a fact" if m.fact_id else "measure of age"] += 1
    kinds = ("no category", "several facts", "corrected fact", "per fact")
    assert [k for k in (*kinds, "measure of a fact", "measure of age") if not seen[k]] == []
    assert any(born is None for born in docket.born_on)


def test_ties_rank_by_case_reference_whatever_order_the_database_gives_the_rows():
    # a PostgreSQL locale (ICU "en") collates lower case first and skips hyphens: its order
    # must not decide ties, or the same docket ranks differently on SQLite and PostgreSQL
    rows = [r for r in dockets.snapshots(20) if r[0] == "DKT-D-0004"]  # no facts: scores 0
    (_, person, opened_on, born, text) = rows[0]
    refs = ["DKT-a-2", "DKT-aa", "DKT-b", "DKT-B"]  # as the ICU "en" collation orders them
    docket = Docket.build([(r, person, opened_on, born, SnapshotFacts(text)) for r in refs])
    ranking = Scorer(packs.load("neutral-example"), docket, TODAY).rank()
    assert [e.case_ref for e in ranking.entries()] == sorted(refs)
