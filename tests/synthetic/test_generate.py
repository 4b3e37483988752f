"""The synthetic docket: deterministic, lawful row by row, and hard for record linkage."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

from docket.errors import InvalidInput
from docket.synthetic import (
    CASE_COLUMNS,
    TRUTH_COLUMNS,
    DatasetSummary,
    generate_dataset,
    iter_case_rows,
)
from tests.synthetic.lifecycle_rules import (
    BARS,
    OFFICES,
    STATES,
    day,
    problems,
)

AS_OF = dt.date(2025, 6, 30)
ROWS = 10_000
TARGET_MIX = dict(zip(STATES, (8, 10, 30, 4, 3, 5, 6, 10, 3, 3, 18), strict=True))


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> DatasetSummary:
    out = tmp_path_factory.mktemp("synthetic")
    return generate_dataset(cases=ROWS, seed=7, as_of=AS_OF, out_dir=out)


@pytest.fixture(scope="module")
def rows(dataset: DatasetSummary) -> list[dict[str, str]]:
    return read(dataset.cases_path)


@pytest.fixture(scope="module")
def truth(dataset: DatasetSummary) -> dict[str, str]:
    return {r["case_ref"]: r["person_key"] for r in read(dataset.truth_path)}


@pytest.fixture(scope="module")
def by_person(rows: list[dict[str, str]], truth: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    people: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        people[truth[row["case_ref"]]].append(row)
    return people


def share(values: Iterable[bool]) -> float:
    flags = list(values)
    return sum(flags) / len(flags)


# -- determinism and the files ----------------------------------------------------------------


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    def files(seed: int, name: str) -> tuple[bytes, bytes]:
        s = generate_dataset(cases=2000, seed=seed, as_of=AS_OF, out_dir=tmp_path / name)
        return s.cases_path.read_bytes(), s.truth_path.read_bytes()

    assert files(1, "a") == files(1, "b")
    assert files(2, "c")[0] != files(1, "a")[0]


def test_the_files_have_the_documented_columns_and_the_summary_counts_them(
    dataset: DatasetSummary, rows: list[dict[str, str]], truth: dict[str, str]
) -> None:
    assert list(rows[0]) == list(CASE_COLUMNS)
    header = dataset.truth_path.read_text(encoding="utf-8").splitlines()[0]
    assert header.split(",") == list(TRUTH_COLUMNS)
    assert dataset.rows == len(rows) == len(truth) == ROWS
    assert dataset.persons == len(set(truth.values()))
    assert [r["case_ref"] for r in rows] == [f"DKT-{n:08d}" for n in range(1, ROWS + 1)]


def test_iter_case_rows_yields_the_rows_that_are_written(rows: list[dict[str, str]]) -> None:
    yielded = list(iter_case_rows(cases=500, seed=7, as_of=AS_OF))
    assert len(yielded) == 500
    # The first rows agree as long as no later group was cut short to fit the smaller count.
    assert [r["given_name"] for r in yielded[:100]] == [r["given_name"] for r in rows[:100]]
    assert all(set(r) == {*CASE_COLUMNS, "person_key"} for r in yielded)


def test_progress_is_reported_in_steps_that_add_up_to_the_rows(tmp_path: Path) -> None:
    steps: list[int] = []
    generate_dataset(cases=2500, seed=3, as_of=AS_OF, out_dir=tmp_path, progress=steps.append)
    assert steps == [1000, 1000, 500]


def test_a_negative_number_of_cases_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        generate_dataset(cases=-1, seed=1, as_of=AS_OF, out_dir=tmp_path / "out")
    with pytest.raises(InvalidInput):
        iter_case_rows(cases=-1, seed=1, as_of=AS_OF)
    assert not (tmp_path / "out").exists()


def test_a_negative_seed_is_refused_not_taken_for_its_positive_twin(tmp_path: Path) -> None:
    """``random.Random(-5)`` is ``random.Random(5)``: two seeds, the same files."""
    with pytest.raises(InvalidInput, match="seed must not be negative"):
        generate_dataset(cases=10, seed=-5, as_of=AS_OF, out_dir=tmp_path / "out")
    with pytest.raises(InvalidInput, match="seed must not be negative"):
        iter_case_rows(cases=10, seed=-5, as_of=AS_OF)
    assert not (tmp_path / "out").exists()


def test_zero_cases_give_files_with_only_their_headers(tmp_path: Path) -> None:
    summary = generate_dataset(cases=0, seed=1, as_of=AS_OF, out_dir=tmp_path)
    assert (summary.rows, summary.persons) == (0, 0)
    assert summary.cases_path.read_text(encoding="utf-8") == ",".join(CASE_COLUMNS) + "\n"


# -- every row keeps the rules ----------------------------------------------------------------


def test_every_row_keeps_the_lifecycle_rules(rows: list[dict[str, str]]) -> None:
    broken = {row["case_ref"]: p for row in rows if (p := problems(row, AS_OF))}
    assert not broken, list(broken.items())[:5]


def test_rows_keep_the_rules_when_the_as_of_date_is_a_leap_day(tmp_path: Path) -> None:
    leap = dt.date(2024, 2, 29)
    summary = generate_dataset(cases=3000, seed=11, as_of=leap, out_dir=tmp_path)
    broken = [p for row in read(summary.cases_path) if (p := problems(row, leap))]
    assert not broken, broken[:5]


@pytest.mark.parametrize(
    ("state", "change", "expected"),
    [
        ("in_proceedings", {"decided_on": "2000-01-01"}, "decided_on without decision"),
        ("final_order", {"final_on": ""}, "final_on"),
        ("closed", {"bars": "stay_of_removal"}, "bar on a case that has ended"),
        ("removal_ordered", {"appeal_filed_on": "", "bars": ""}, "should be final"),
        ("voluntary_departure", {"vd_deadline_on": "2000-01-01"}, "deadline"),
        ("charged", {"charged_on": "1990-01-01"}, "chained dates out of order"),
        ("identified", {"counsel": "Ana López, Esq."}, "counsel before proceedings"),
        ("identified", {"citizenship": "ZZ"}, "citizenship code"),
        ("final_order", {"bars": "motion_to_reopen_stay", "in_absentia": "false"}, "in absentia"),
        ("closed", {"departed_on": "2000-01-01"}, "departed_on iff a confirmed departure"),
    ],
)
def test_the_rule_checker_catches_a_broken_row(
    rows: list[dict[str, str]], state: str, change: dict[str, str], expected: str
) -> None:
    candidates = [r for r in rows if r["state_of_case"] == state]
    if state == "removal_ordered":
        # An appealed order decided long ago: without its appeal it would already be final.
        month_ago = (AS_OF - dt.timedelta(days=30)).isoformat()
        candidates = [r for r in candidates if r["appeal_filed_on"]]
        candidates = [r for r in candidates if r["decided_on"] <= month_ago]
    row = candidates[0]
    assert problems(row, AS_OF) == []
    assert any(expected in p for p in problems({**row, **change}, AS_OF))


# -- the mix ----------------------------------------------------------------------------------


def test_every_state_appears_in_roughly_the_intended_mix(rows: list[dict[str, str]]) -> None:
    counts = Counter(r["state_of_case"] for r in rows)
    assert set(counts) == set(STATES)
    for state, percent in TARGET_MIX.items():
        assert counts[state] >= 100, state
        assert 0.6 <= counts[state] / (ROWS * percent / 100) <= 1.5, (state, counts[state])


def test_optional_fields_are_present_about_as_often_as_intended(
    rows: list[dict[str, str]],
) -> None:
    assert 0.015 <= share(not r["a_number"] for r in rows) <= 0.05
    assert 0.62 <= share(bool(r["document_number"]) for r in rows) <= 0.78
    assert 0.10 <= share(bool(r["aliases"]) for r in rows) <= 0.20
    assert share(r["sex"] == "X" for r in rows) < 0.01
    ordered = [r for r in rows if r["decision"] == "removal_ordered"]
    assert 0.12 <= share(r["in_absentia"] == "true" for r in ordered) <= 0.30
    pending = [r for r in rows if r["state_of_case"] == "removal_ordered"]
    assert 0.2 <= share(bool(r["appeal_filed_on"]) for r in pending) <= 0.4
    later = [r for r in rows if r["state_of_case"] not in ("identified", "charged", "closed")]
    assert 0.33 <= share(bool(r["counsel"]) for r in later) <= 0.47
    kinds = Counter(bar for r in rows for bar in r["bars"].split(";") if bar)
    assert set(kinds) == BARS


def test_names_come_from_many_cultures_and_common_names_are_common(
    rows: list[dict[str, str]], truth: dict[str, str]
) -> None:
    countries = Counter(r["citizenship"] for r in rows)
    assert sum(n >= ROWS / 100 for n in countries.values()) >= 10
    languages = Counter(r["language"] for r in rows)
    assert sum(n >= ROWS / 200 for n in languages.values()) >= 8
    surnames = Counter(r["family_name"].split(" ")[0] for r in rows)
    assert {"García", "Hernández", "Nguyen", "Wang", "Li", "Kim", "Singh"} <= set(surnames)
    assert surnames.most_common(1)[0][1] >= ROWS * 0.015
    assert sum(n == 1 for n in surnames.values()) >= 10  # rare names too
    holders: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in rows:
        holders[(r["given_name"], r["family_name"])].add(truth[r["case_ref"]])
    assert sum(len(people) > 1 for people in holders.values()) >= 100
    names = [f"{r['given_name']} {r['family_name']}" for r in rows]
    assert any("-" in n for n in names)
    assert any("'" in n for n in names)
    assert any(not n.isascii() for n in names)
    compound = [r for r in rows if r["citizenship"] == "MX" and " " in r["family_name"]]
    assert len(compound) >= ROWS * 0.05


def test_addresses_are_consistent_with_their_state(rows: list[dict[str, str]]) -> None:
    states_of_city: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        states_of_city[f"{r['city']}|{r['postcode'][:3]}"].add(r["state"])
    assert all(len(states) == 1 for states in states_of_city.values())
    assert Counter(r["field_office"] for r in rows).keys() == OFFICES


# -- what makes linkage hard ------------------------------------------------------------------


def test_a_number_belongs_to_one_person_and_a_person_has_one(
    rows: list[dict[str, str]], truth: dict[str, str]
) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    numbers: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        if r["a_number"]:
            owners[r["a_number"]].add(truth[r["case_ref"]])
            numbers[truth[r["case_ref"]]].add(r["a_number"])
    assert all(len(people) == 1 for people in owners.values())
    assert all(len(found) == 1 for found in numbers.values())


def test_a_person_met_again_has_a_later_case_with_a_slightly_different_record(
    by_person: dict[str, list[dict[str, str]]],
) -> None:
    again = [cases for cases in by_person.values() if len(cases) > 1]
    assert 0.015 <= len(again) / len(by_person) <= 0.05
    renamed = swapped_dob = 0
    for cases in again:
        assert len(cases) == 2
        first, second = sorted(cases, key=lambda r: r["opened_on"])
        assert first["a_number"]
        assert first["a_number"] == second["a_number"]
        assert first["state_of_case"] in ("closed", "removed", "identified")
        assert first["opened_on"] < second["opened_on"]
        ended = first["closed_on"] or first["removed_on"] or first["opened_on"]
        assert ended < second["opened_on"]
        renamed += (first["given_name"], first["family_name"]) != (
            second["given_name"],
            second["family_name"],
        )
        born = [day(r, "date_of_birth") for r in (first, second)]
        if born[0] != born[1]:
            assert born[0]
            assert born[1]
            assert (born[0].day, born[0].month) == (born[1].month, born[1].day)
            swapped_dob += 1
    assert renamed >= 0.8 * len(again)
    assert swapped_dob >= 1


def test_twins_share_family_name_birth_date_and_home_but_not_identity(
    rows: list[dict[str, str]], truth: dict[str, str], by_person: dict[str, list[dict[str, str]]]
) -> None:
    homes: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for r in rows:
        key = (r["family_name"], r["date_of_birth"], r["address_line"], r["city"], r["postcode"])
        homes[key].add(truth[r["case_ref"]])
    twins = [people for people in homes.values() if len(people) > 1]
    assert len(twins) >= 0.0015 * len(by_person)
    for pair in twins:
        records = [by_person[p][0] for p in pair]
        assert len({r["given_name"] for r in records}) == len(records)
        numbers = [r["a_number"] for r in records if r["a_number"]]
        assert len(set(numbers)) == len(numbers)


def test_siblings_share_family_name_and_home_but_not_birth_date(
    rows: list[dict[str, str]], truth: dict[str, str]
) -> None:
    homes: dict[tuple[str, ...], dict[str, str]] = defaultdict(dict)
    for r in rows:
        home = (r["family_name"], r["address_line"], r["city"], r["postcode"])
        homes[home][truth[r["case_ref"]]] = r["date_of_birth"]
    siblings = [born for born in homes.values() if len(set(born.values())) > 1]
    assert len(siblings) >= 0.006 * ROWS
