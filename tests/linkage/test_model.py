"""The linkage model: Splink trains it; the fast path scores with the same weights as Splink's
own prediction, pair for pair; and the decisions keep precision first."""

from __future__ import annotations

import dataclasses

import pytest

from docket.departures.comparisons import COMPARISONS
from docket.departures.decision import AUTO_LINK, resolve
from docket.departures.linkage import Model, record
from docket.errors import InvalidInput
from docket.linkage.splink_model import predict, train
from tests.linkage.populations import population


@pytest.fixture(scope="module")
def trained():
    people, seen = population()
    trained = train(people, [r for r, _ in seen])
    assert trained.notes == ()
    return (
        people,
        seen,
        trained.settings,
        Model.from_splink(1, trained.settings, trained.term_frequency),
    )


def test_the_fast_path_scores_every_pair_as_splink_does(trained):
    people, seen, settings, model = trained
    pairs = predict(settings, people, [r for r, _ in seen], threshold=0.0)
    assert len(pairs) > 200
    persons = {p["unique_id"]: p for p in people}
    reports = {r["unique_id"]: r for r, _ in seen}
    for person_id, report_id, weight in pairs:
        ours = model.weight(reports[report_id], persons[person_id])
        assert ours == pytest.approx(weight, abs=1e-9), (person_id, report_id)


def test_resolution_links_only_clear_matches_and_never_a_stranger(trained):
    people, seen, _, model = trained
    persons = {p["unique_id"]: p for p in people}
    linked = wrong = 0
    for report, truth in seen:
        found = resolve(model, report, persons)
        if found.status == "linked":
            linked += 1
            assert found.best is not None
            assert found.best.probability >= AUTO_LINK
            wrong += found.best.person_id != truth
    assert linked > 100
    assert wrong == 0


def test_twins_and_close_candidates_go_to_review(trained):
    _, _, _, model = trained
    twin_a = record(
        {
            "given_name": "Ana",
            "family_name": "Reyes",
            "date_of_birth": "1990-05-17",
            "sex": "F",
            "postcode": "10001",
        }
    )
    twin_b = record({**twin_a, "given_name": "Luis", "sex": "M"})
    report = record(
        {"given_name": "Ana", "family_name": "Reyes", "date_of_birth": "1990-05-17", "sex": "F"}
    )
    found = resolve(model, report, {"a": twin_a, "b": twin_b})
    assert found.status == "review"
    assert [c.person_id for c in found.candidates][:1] == ["a"]
    same = resolve(model, report, {"a": twin_a, "c": dict(twin_a)})
    assert (same.status, same.reason) == ("review", "two candidates are close")
    alone = resolve(model, report, {"a": twin_a})
    assert alone.status in ("linked", "review")
    sibling = record({**report, "given_name": "Marta"})
    assert resolve(model, sibling, {"a": twin_a}).status != "linked"


def test_training_needs_enough_records():
    people, seen = population(persons=30, reports=5)
    with pytest.raises(InvalidInput, match="at least 20 persons and 20 departure reports"):
        train(people, [r for r, _ in seen])


def test_training_on_reports_of_nobody_in_the_system_is_a_clear_error():
    people, _ = population(seed=4, persons=60, reports=0)
    strangers, _ = population(seed=5, persons=60, reports=0)
    reports = [
        {**s, "unique_id": f"r{n}", "document_number": None} for n, s in enumerate(strangers)
    ]
    with pytest.raises(InvalidInput, match="no departure report matches a person"):
        train(people, reports)


def test_a_failed_em_session_leaves_every_comparison_in_the_model():
    """Splink drops the comparisons a session blocks on before it trains; a session that then
    fails (here: no report agrees with a person on both names) must not take them out of the
    saved model, or the fast path could score nothing with it."""
    people, _ = population(seed=6, persons=80, reports=0)
    reports = [
        {**p, "unique_id": f"r{n}", "family_name": f"{p['family_name']}x{n}"}
        for n, p in enumerate(people[:40])
    ]
    fitted = train(people, reports)
    assert [note.split(" left out")[0] for note in fitted.notes] == [
        "EM blocked on given_name, family_name"
    ]
    columns = [c["output_column_name"] for c in fitted.settings["comparisons"]]
    assert columns == [c.column for c in COMPARISONS]
    # The names' u came from sampling, their m from no session: the fast path takes Splink's
    # default for the one and the trained value for the other, as Splink does.
    model = Model.from_splink(1, fitted.settings, fitted.term_frequency)
    persons = {p["unique_id"]: p for p in people}
    by_id = {r["unique_id"]: r for r in reports}
    pairs = predict(fitted.settings, people, reports, threshold=0.0)
    assert len(pairs) >= 40
    for person_id, report_id, weight in pairs:
        ours = model.weight(by_id[report_id], persons[person_id])
        assert ours == pytest.approx(weight, abs=1e-9), (person_id, report_id)


def test_the_fast_path_scores_accented_names_as_splink_does(trained):
    """DuckDB compares names byte by byte; the fast path must agree on names outside ASCII."""
    _, _, settings, model = trained
    written = [
        ("García", "José", "Garcia", "Jose"),
        ("Núñez", "Zoë", "Nunez", "Zoe"),
        ("Müller", "Łukasz", "Muller", "Lukasz"),
        ("Øster", "Ángel", "Ostér", "Angél"),
    ]
    persons, reports = [], []
    for n, (family, given, family_2, given_2) in enumerate(written):
        born = f"19{70 + n}-0{n + 1}-1{n}"
        persons.append(
            {
                "unique_id": f"p{n}",
                **record(
                    {
                        "given_name": given,
                        "family_name": family,
                        "date_of_birth": born,
                        "postcode": "1000{n}",
                    }
                ),
            }
        )
        reports.append(
            {
                "unique_id": f"r{n}",
                **record(
                    {
                        "given_name": given_2,
                        "family_name": family_2,
                        "date_of_birth": born,
                        "postcode": "10 00{n}",
                    }
                ),
            }
        )
    pairs = predict(settings, persons, reports, threshold=0.0)
    assert {(p, r) for p, r, _ in pairs} >= {(f"p{n}", f"r{n}") for n in range(len(written))}
    by_id = {row["unique_id"]: row for row in persons + reports}
    for person_id, report_id, weight in pairs:
        ours = model.weight(by_id[report_id], by_id[person_id])
        assert ours == pytest.approx(weight, abs=1e-9), (person_id, report_id)


def _variants(fields: dict[str, str | None]) -> list[dict[str, str | None]]:
    """``fields`` and the same with what a report can have otherwise: names swapped, one
    name missing, an accent, a birth date unreadable or missing, nothing but a name."""
    given, family = fields["given_name"], fields["family_name"]
    return [
        fields,
        {**fields, "given_name": family, "family_name": given},
        {**fields, "given_name": None},
        {**fields, "family_name": None},
        {**fields, "given_name": f"{given}é", "family_name": f"{family} {family}"},
        {**fields, "date_of_birth": "1985-13-45"},
        {**fields, "date_of_birth": None, "sex": None, "postcode": None},
        {c.column: None for c in COMPARISONS} | {"given_name": given},
    ]


def test_weighing_a_report_against_many_candidates_gives_weight_to_the_last_bit(trained):
    """``Model.weigher`` (what the fast path scores with) gives exactly ``Model.weight`` for
    every pair, also with a model of the earlier comparisons (no swapped level, plain
    Levenshtein distances)."""
    people, seen, _, model = trained
    earlier = dataclasses.replace(
        model, swapped=frozenset(), plain_levenshtein=frozenset({"document_number", "postcode"})
    )
    persons = [p for n, p in enumerate(people) if n % 4 == 0]
    persons += [v for p in persons[:10] for v in _variants(p)]
    compared = 0
    for scoring in (model, earlier):
        for report, _ in seen[:60]:
            for left in _variants(report):
                weigh = scoring.weigher(left)
                for right in persons:
                    assert weigh(right) == scoring.weight(left, right), (left, right)
                    compared += 1
    assert compared > 100_000
