"""Batch prediction for relinking: fed to Splink as columns and read back in SQL, it finds the
same pairs with the same match weights as Splink's prediction fed a dict per record."""

from __future__ import annotations

import pytest

from docket.departures.comparisons import COLUMNS
from docket.linkage.splink_model import candidates, predict, train
from tests.linkage.test_model import population


def _columns(rows):
    return {name: [row.get(name) for row in rows] for name in ("unique_id", *COLUMNS)}


@pytest.fixture(scope="module")
def fitted():
    people, seen = population(seed=5)
    reports = [r for r, _ in seen]
    return people, reports, train(people, reports).settings


@pytest.mark.parametrize("threshold", [0.0, 0.01, 0.5])
def test_columnar_prediction_finds_the_same_pairs_and_weights_as_splink_fed_records(
    fitted, threshold
):
    people, reports, settings = fitted
    expected = predict(settings, people, reports, threshold)
    found = candidates(settings, _columns(people), _columns(reports), threshold)
    assert expected, "the population gives pairs to compare"
    got = [(pid, rid, w) for rid, scored in found.scored.items() for pid, w in scored]
    assert sorted((p, r) for p, r, _ in got) == sorted((p, r) for p, r, _ in expected)
    weights = {(p, r): w for p, r, w in expected}
    for person_id, report_id, weight in got:
        assert weight == pytest.approx(weights[person_id, report_id], abs=1e-12)


def test_columnar_prediction_gives_each_candidate_as_the_model_compares_them(fitted):
    people, reports, settings = fitted
    found = candidates(settings, _columns(people), _columns(reports), 0.01)
    named = {pid for scored in found.scored.values() for pid, _ in scored}
    assert set(found.persons) == named
    by_id = {p["unique_id"]: p for p in people}
    for person_id, fields in found.persons.items():
        assert fields == {k: by_id[person_id].get(k) for k in ("unique_id", *COLUMNS)}
