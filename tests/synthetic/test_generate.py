"""The synthetic docket: deterministic, lawful row by row, and hard for record linkage."""

from __future__ import annotations

import csv
import datetime as dt
import re
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

AS_OF = dt.date(2025, 6, 30)
ROWS = 10_000

STATES = (
    "identified", "charged", "in_proceedings", "relief_granted", "terminated",
    "voluntary_departure", "removal_ordered", "final_order", "removal_scheduled", "removed",
    "closed",
)  # fmt: skip
TARGET_MIX = dict(zip(STATES, (8, 10, 30, 4, 3, 5, 6, 10, 3, 3, 18), strict=True))
DECIDED = {"relief_granted", "terminated", "voluntary_departure", "removal_ordered"}
AFTER_ORDER = {"final_order", "removal_scheduled", "removed"}
OPEN = set(STATES) - {"removed", "closed"}
CLOSE_DECISION = {
    "relief": "relief_granted",
    "termination": "terminated",
    "departure_confirmed": "voluntary_departure",
    "removal_executed": "removal_ordered",
}
BARS = {
    "pending_appeal", "stay_of_removal", "citizenship_claim", "protected_status",
    "motion_to_reopen_stay", "unaccompanied_minor", "medical_hold",
}  # fmt: skip
OFFICES = {
    "ATL", "BAL", "BOS", "BUF", "CHI", "DAL", "DEN", "DET", "ELP", "HOU", "LOS", "MIA", "NEW",
    "NOL", "NYC", "PHI", "PHO", "SEA", "SFR", "SLC", "SNA", "SND", "SPM", "WAS",
}  # fmt: skip
CUSTODY = {"none", "detained", "bond", "recognizance", "atd"}
DATE_COLUMNS = [c for c in CASE_COLUMNS if c.endswith(("_on", "_for")) or c == "date_of_birth"]


def day(row: dict[str, str], column: str) -> dt.date | None:
    text = row[column]
    return dt.date.fromisoformat(text) if text else None


def age_on(born: dt.date, when: dt.date) -> int:
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def problems(row: dict[str, str], as_of: dt.date) -> list[str]:
    """Every rule of the synthetic docket that ``row`` breaks (empty when it keeps them all)."""
    found: list[str] = []

    def rule(ok: object, message: str) -> None:
        if not ok:
            found.append(message)

    d = {c: day(row, c) for c in DATE_COLUMNS}
    state, decision, reason = row["state_of_case"], row["decision"], row["close_reason"]
    bars = row["bars"].split(";") if row["bars"] else []
    opened, charged, hearing = d["opened_on"], d["charged_on"], d["hearing_on"]
    decided, appeal, deadline = d["decided_on"], d["appeal_filed_on"], d["vd_deadline_on"]
    final, scheduled, removed = d["final_on"], d["removal_scheduled_for"], d["removed_on"]
    closed, custody_on, born = d["closed_on"], d["custody_on"], d["date_of_birth"]

    # Identity and address fields.
    rule(re.fullmatch(r"DKT-\d{8}", row["case_ref"]), "case_ref shape")
    rule(re.fullmatch(r"(A\d{9})?", row["a_number"]), "a_number shape")
    for column in ("given_name", "family_name", "address_line", "city"):
        rule(row[column], f"{column} missing")
    for column in ("given_name", "family_name", "aliases", "counsel"):
        rule(re.fullmatch(r"[^\W\d_]*([ '\-;,.][^\W\d_]*)*", row[column]), f"{column} letters")
        try:
            row[column].encode("latin-1")
        except UnicodeEncodeError:
            found.append(f"{column} outside Latin-1")
    for alias in row["aliases"].split(";") if row["aliases"] else []:
        rule(" " in alias, "alias is not a given and family name")
        rule(alias != f"{row['given_name']} {row['family_name']}", "alias repeats the name")
    rule(born and 1 <= age_on(born, as_of) <= 85, "age outside 1..85")
    rule(row["sex"] in ("F", "M", "X"), "sex")
    rule(re.fullmatch(r"[A-Z]{2}", row["citizenship"]), "citizenship code")
    rule(re.fullmatch(r"[a-z]{2}", row["language"]), "language code")
    rule(re.fullmatch(r"\d{5}", row["postcode"]), "postcode")
    rule(re.fullmatch(r"[A-Z]{2}", row["state"]), "US state")
    rule(re.fullmatch(r"([A-Z0-9]{9})?", row["document_number"]), "document number shape")
    rule(row["field_office"] in OFFICES, "field office")

    # State and decision.
    rule(state in STATES, "unknown state")
    if state in ("identified", "charged", "in_proceedings"):
        rule(decision == "", "decision before any decision")
    if state in DECIDED:
        rule(decision == state, "decision differs from the decided state")
    if state in AFTER_ORDER:
        rule(decision in ("removal_ordered", "voluntary_departure"), "no order behind the state")
    if state == "closed":
        rule(reason in (*CLOSE_DECISION, "citizenship_verified", "duplicate", "other"), "reason")
        rule(closed is not None, "closed without closed_on")
        if reason in CLOSE_DECISION:
            rule(decision == CLOSE_DECISION[reason], "decision differs from close reason")
    else:
        rule(not reason and closed is None, "closing data on an open case")
    rule(decision in ("", *DECIDED), "unknown decision")
    rule((decided is not None) == bool(decision), "decided_on without decision or vice versa")
    if decision == "removal_ordered":
        rule(row["in_absentia"] in ("true", "false"), "in_absentia missing on a removal order")
    else:
        rule(row["in_absentia"] == "", "in_absentia without a removal order")

    # Dates: present where the state needs them, in order, and not in the future.
    rule(opened is not None, "opened_on missing")
    rule((charged is None) == (state == "identified") or state == "closed", "charged_on")
    exempt = {"hearing_on", "removal_scheduled_for", "vd_deadline_on"}
    for column, value in d.items():
        if value is not None and column not in exempt:
            rule(value <= as_of, f"{column} in the future")
    chain = [v for v in (opened, charged, decided, final, removed, closed) if v is not None]
    rule(chain == sorted(chain), "chained dates out of order")
    if state == "in_proceedings":
        rule(hearing is not None, "no hearing in proceedings")
    if hearing is not None:
        rule(charged is not None and hearing >= charged, "hearing before the charge")
        limit = as_of + dt.timedelta(days=300) if state == "in_proceedings" else as_of
        rule(hearing <= limit, "hearing too far ahead")
        if decided is not None:
            rule(hearing <= decided, "hearing after the decision")
    if appeal is not None:
        rule(decision in ("removal_ordered", "relief_granted", "terminated"), "appeal of what")
        rule(decided and decided <= appeal <= decided + dt.timedelta(days=30), "appeal window")
        rule(row["in_absentia"] != "true", "appeal of an in-absentia order")
    if state == "removal_ordered":
        if appeal is not None:
            rule("pending_appeal" in bars, "appeal without pending_appeal bar")
        else:
            rule(decided and (as_of - decided).days < 30, "unappealed order should be final")
    if decision == "voluntary_departure":
        rule(decided and deadline, "voluntary departure without deadline")
        if decided and deadline:
            rule(60 <= (deadline - decided).days <= 120, "deadline not 60..120 days")
            if state == "voluntary_departure":
                rule(deadline >= as_of, "deadline passed but still in voluntary_departure")
            if state in AFTER_ORDER:
                rule(deadline < as_of, "deadline not passed but order final")
                rule(final == deadline + dt.timedelta(days=1), "final_on is not deadline + 1")
    else:
        rule(deadline is None, "deadline without voluntary departure")
    executed = state == "closed" and reason == "removal_executed"
    rule((final is not None) == (state in AFTER_ORDER or executed), "final_on")
    if final is not None and decision == "removal_ordered" and decided:
        if appeal is None:
            rule(final == decided + dt.timedelta(days=30), "final_on is not decided + 30")
        else:
            rule(final > appeal, "final before the appeal was dismissed")
    if state == "removal_scheduled":
        rule(scheduled and as_of <= scheduled <= as_of + dt.timedelta(days=60), "schedule")
    elif state == "removed" or executed:
        rule(scheduled and removed and scheduled == removed, "removed_on differs from schedule")
        rule(final and removed and removed >= final, "removed before the order was final")
    else:
        rule(scheduled is None and removed is None, "removal dates on a case not removed")
    if closed is not None:
        rule(all(v <= closed for k, v in d.items() if v and k != "date_of_birth"), "after close")

    # Custody, bars, counsel.
    custody = row["custody"]
    rule(custody in CUSTODY, "custody value")
    rule(state in OPEN or custody == "none", "custody on a case that has ended")
    rule((custody_on is not None) == (custody != "none"), "custody_on iff custody")
    if custody_on is not None and opened is not None:
        rule(opened <= custody_on <= as_of, "custody_on outside the case")
    rule(set(bars) <= BARS and len(set(bars)) == len(bars), "unknown or repeated bar")
    rule(state in OPEN or not bars, "bar on a case that has ended")
    if "pending_appeal" in bars:
        ok = appeal is not None and state in ("removal_ordered", "relief_granted", "terminated")
        rule(ok, "pending_appeal without a pending appeal")
    if "motion_to_reopen_stay" in bars:
        rule(state in ("removal_ordered", "final_order", "removal_scheduled"), "reopen where")
    if "stay_of_removal" in bars:
        rule(state in ("removal_ordered", "final_order", "removal_scheduled"), "stay where")
    if "unaccompanied_minor" in bars:
        rule(born and age_on(born, as_of) < 18, "unaccompanied minor who is an adult")
    if "medical_hold" in bars:
        rule(custody == "detained", "medical hold while not detained")
    if state == "removal_scheduled":
        rule(len(bars) <= 1, "more than a last-minute bar on a scheduled removal")
    if row["counsel"]:
        rule(state not in ("identified", "charged"), "counsel before proceedings")
        rule(row["counsel"].endswith(", Esq."), "counsel format")
    return found


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
