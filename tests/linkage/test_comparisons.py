"""The comparisons that catch what clerks get wrong: given and family name written in each
other's place, and two neighbouring characters of a document number or postcode swapped. The
fast path scores them as Splink does, pair for pair; twins still go to review however strong
the rest of the evidence; and a model saved before these comparisons existed is still scored
as Splink scores it."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest

from docket.departures.comparisons import SWAPPED
from docket.departures.decision import resolve
from docket.departures.linkage import Model, explain, record
from docket.errors import InvalidInput
from docket.linkage.splink_model import predict, train
from tests.linkage.populations import population


def _transposed(text: str, at: int) -> str:
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


def _slips(seed: int = 9, reports: int = 60) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The test population's persons and reports, with more reports of persons in which the
    names are swapped (sometimes with a slip) and a document number or postcode has two
    neighbouring characters swapped."""
    people, seen = population()
    rng = random.Random(seed)
    extra = []
    for n in range(reports):
        person = rng.choice(people)
        fields = {k: v for k, v in person.items() if k != "unique_id"}
        if n % 2 == 0:
            fields["given_name"], fields["family_name"] = (
                person["family_name"],
                person["given_name"],
            )
        if n % 4 == 0:
            fields["given_name"] = str(fields["given_name"]) + "e"
        if n % 3 == 0:
            fields["document_number"] = _transposed(str(person["document_number"]), 3)
        if n % 3 == 1:
            fields["postcode"] = _transposed(str(person["postcode"]), 1)
        extra.append({"unique_id": f"s{n}", **fields})
    return people, [r for r, _ in seen] + extra


@pytest.fixture(scope="module")
def slipped():
    people, reports = _slips()
    fitted = train(people, reports)
    assert fitted.notes == ()
    model = Model.from_splink(1, fitted.settings, fitted.term_frequency)
    return people, reports, fitted.settings, model


def _same_as_splink(model: Model, settings, people, reports) -> int:
    pairs = predict(settings, people, reports, threshold=0.0)
    by_id = {row["unique_id"]: row for row in [*people, *reports]}
    for person_id, report_id, weight in pairs:
        ours = model.weight(by_id[report_id], by_id[person_id])
        assert ours == pytest.approx(weight, abs=1e-9), (person_id, report_id)
    return len(pairs)


def test_swapped_names_and_transpositions_score_as_splink_does(slipped):
    people, reports, settings, model = slipped
    assert model.swapped == {"given_name", "family_name"}
    assert model.plain_levenshtein == frozenset()
    assert _same_as_splink(model, settings, people, reports) > 300


def test_a_report_with_the_names_swapped_links_to_its_person(slipped):
    people, _, _, model = slipped
    persons = {p["unique_id"]: p for p in people}
    person = people[17]
    report = {
        **person,
        "given_name": person["family_name"],
        "family_name": person["given_name"],
        "document_number": None,
    }
    swapped_levels = [
        row["level"]
        for row in explain(model, record(report), record(person))
        if row["field"].endswith("name")
    ]
    assert swapped_levels == ["swapped with family_name", "swapped with given_name"]
    found = resolve(model, record(report), persons)
    assert (found.status, found.best and found.best.person_id) == ("linked", person["unique_id"])
    # A swap alone, with nothing else agreeing, is no match.
    stranger = {**report, "date_of_birth": "1901-01-01", "postcode": None, "sex": None}
    assert resolve(model, record(stranger), persons).status != "linked"


ANA = {
    "given_name": "Ana",
    "family_name": "Reyes",
    "date_of_birth": "1990-05-17",
    "document_number": "P1234567",
    "sex": "F",
    "postcode": "10001",
}
"""A twin in the system; her brother Luis is not."""


def test_twins_go_to_review_however_close_their_documents_and_home(slipped):
    """Twins share a family name, a birth date and a home, and may hold passports numbered
    one after the other: none of it makes a report of one a link to the other."""
    _, _, _, model = slipped
    twin = record(ANA)
    for document in ("P1234568", "P1234576"):  # the next number; a transposition
        report = {**twin, "given_name": "luis", "document_number": document}
        found = resolve(model, report, {"ana": twin})
        assert found.best is not None
        assert found.best.probability >= 0.999
        assert (found.status, found.reason) == (
            "review",
            "the candidates look like siblings or twins",
        )
    # Luis's report with his names swapped (read as swapped, a twin's) goes to review too.
    swapped = {**twin, "given_name": "reyes", "family_name": "luis", "document_number": "P1234568"}
    found = resolve(model, swapped, {"ana": twin})
    assert (found.status, found.reason) == ("review", "the candidates look like siblings or twins")


def _as_before(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` as a model trained before the swapped-names level and Damerau–Levenshtein
    distances existed saved them: the names without that level, documents and postcodes by
    plain Levenshtein distance."""
    old = copy.deepcopy(settings)
    for comparison in old["comparisons"]:
        comparison["comparison_levels"] = [
            level
            for level in comparison["comparison_levels"]
            if level.get("label_for_charts") != SWAPPED
        ]
        for level in comparison["comparison_levels"]:
            for key in ("sql_condition", "label_for_charts"):
                text = str(level.get(key, ""))
                text = text.replace("damerau_levenshtein", "levenshtein")
                level[key] = text.replace("Damerau-Levenshtein", "Levenshtein")
    return old


def test_a_model_saved_before_these_comparisons_is_scored_as_splink_scores_it(slipped):
    people, reports, settings, fitted = slipped
    old = _as_before(settings)
    model = Model.from_splink(1, old, dict(fitted.term_frequency))
    assert model.swapped == frozenset()
    assert model.plain_levenshtein == {"document_number", "postcode"}
    assert _same_as_splink(model, old, people, reports) > 300


def test_a_model_this_version_cannot_score_is_a_clear_error(slipped):
    _, _, settings, fitted = slipped
    broken = copy.deepcopy(settings)
    sex = next(c for c in broken["comparisons"] if c["output_column_name"] == "sex")
    sex["comparison_levels"] = sex["comparison_levels"][:-1]
    with pytest.raises(InvalidInput, match=r"compares sex in 1 levels .* `docket linkage train`"):
        Model.from_splink(3, broken, dict(fitted.term_frequency))
