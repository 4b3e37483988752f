"""Batch prediction for relinking: fed to Splink as columns and read back in SQL, it finds the
same pairs with the same match weights as Splink's prediction fed a dict per record."""

from __future__ import annotations

import pytest

from docket.departures.comparisons import COLUMNS
from docket.linkage.splink_model import candidates, predict, train
from tests.linkage.populations import population


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
    kin = {pid for of in found.kin.values() for pid in of}
    assert set(found.persons) == named | kin
    by_id = {p["unique_id"]: p for p in people}
    for person_id, fields in found.persons.items():
        assert fields == {k: by_id[person_id].get(k) for k in ("unique_id", *COLUMNS)}


def test_reports_left_out_are_not_predicted_yet_count_in_the_term_frequencies(fitted):
    people, reports, settings = fitted
    left_out = {r["unique_id"] for r in reports[::3]}
    expected = {
        (p, r): w for p, r, w in predict(settings, people, reports, 0.01) if r not in left_out
    }
    found = candidates(settings, _columns(people), _columns(reports), 0.01, leaving_out=left_out)
    got = {(pid, rid): w for rid, scored in found.scored.items() for pid, w in scored}
    assert not left_out & set(found.scored)
    assert got.keys() == expected.keys()
    for pair, weight in got.items():
        assert weight == pytest.approx(expected[pair], abs=1e-12)
    # Without the left-out reports in the frequencies, the names would weigh otherwise.
    alone = [r for r in reports if r["unique_id"] not in left_out]
    assert {(p, r): w for p, r, w in predict(settings, people, alone, 0.01)} != pytest.approx(
        expected, abs=1e-12
    )


def test_each_candidate_comes_with_the_persons_born_the_same_day_sharing_a_name(fitted):
    """Whom the decision may take for a candidate's siblings, whether or not prediction
    paired them with any report: every person born the same day with the candidate's family
    name as their family name, or either name in the other's place."""
    people, reports, settings = fitted
    first = candidates(settings, _columns(people), _columns(reports), 0.01)
    some = sorted({pid for scored in first.scored.values() for pid, _ in scored})[:2]
    by_id = {p["unique_id"]: p for p in people}
    one, other = by_id[some[0]], by_id[some[1]]
    people = [
        *people,
        {**one, "unique_id": "twin", "given_name": "zzyzx", "postcode": None},
        {
            **other,
            "unique_id": "swapped",
            "given_name": other["family_name"],
            "family_name": "qwxyz",
        },
    ]
    found = candidates(settings, _columns(people), _columns(reports), 0.01)
    by_id = {p["unique_id"]: p for p in people}
    named = {pid for scored in found.scored.values() for pid, _ in scored}
    assert "twin" in found.kin[one["unique_id"]]
    assert "swapped" in found.kin[other["unique_id"]]
    assert {"twin", "swapped"} <= set(found.persons)
    for person_id in named:
        one = by_id[person_id]
        expected = {
            other["unique_id"]
            for other in people
            if other["unique_id"] != person_id
            and one["date_of_birth"] is not None
            and other["date_of_birth"] == one["date_of_birth"]
            and any(
                one[mine] is not None and one[mine] == other[theirs]
                for mine, theirs in (
                    ("family_name", "family_name"),
                    ("family_name", "given_name"),
                    ("given_name", "family_name"),
                )
            )
        }
        assert set(found.kin.get(person_id, ())) == expected, person_id
