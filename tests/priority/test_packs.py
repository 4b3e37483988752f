"""Policy packs: the shipped packs load; every protected attribute is refused by name, wherever
it is written; the schema refuses what it does not know; removability alone cannot make a
category; a rescinded pack is refused after its rescission without the explicit flag."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
import yaml

from docket.errors import InvalidInput
from docket.priority import packs

MINIMAL = {
    "name": "test-pack",
    "version": "1",
    "effective_from": "2026-01-01",
    "categories": [
        {
            "id": "serious",
            "label": "Serious violent conviction",
            "weight": 50,
            "when": {"fact": "conviction", "where": {"category": ["violent_felony"]}},
        }
    ],
}


def _pack(**changes: object) -> str:
    return yaml.safe_dump({**MINIMAL, **changes})


def test_the_shipped_packs_load_and_say_what_they_are():
    loaded = {path.stem: packs.load(path.stem) for path in packs.shipped()}
    assert set(loaded) == {"dhs-2021-guidelines", "neutral-example"}
    dhs = loaded["dhs-2021-guidelines"]
    assert dhs.rescinded_on == dt.date(2025, 1, 20)
    assert [c.id for c in dhs.categories] == [
        "national_security",
        "public_safety",
        "border_security",
    ]
    assert {r.group for r in dhs.factors} == {"aggravating", "mitigating"}
    assert all(r.weight < 0 for r in dhs.factors if r.group == "mitigating")
    assert loaded["neutral-example"].rescinded_on is None
    assert len(dhs.content_hash) == 64


# Each protected attribute of the issue, written the ways a policy author might write it.
PROTECTED = [
    ("nationality", "nationality or citizenship"),
    ("citizenship", "nationality or citizenship"),
    ("country_of_citizenship", "nationality or citizenship"),
    ("race", "race"),
    ("ethnicity", "ethnicity"),
    ("national_origin", "national origin"),
    ("country_of_birth", "national origin"),
    ("religion", "religion"),
    ("primary_language", "language"),
    ("sex", "sex"),
    ("gender_identity", "gender identity"),
    ("sexual_orientation", "sexual orientation"),
    ("political_opinion", "political opinion or association"),
    ("union_association", "political opinion or association"),
    ("predicted_flight_risk", "a predicted or inferred trait"),
    ("inferred_gang_affiliation", "a predicted or inferred trait"),
]


@pytest.mark.parametrize(("name", "attribute"), PROTECTED)
def test_every_protected_attribute_is_refused_naming_the_field(name: str, attribute: str):
    as_fact_field = _pack(
        categories=[
            {
                "id": "x",
                "label": "x",
                "weight": 1,
                "when": {"fact": "conviction", "where": {name: ["anything"]}},
            }
        ]
    )
    as_fact = _pack(categories=[{"id": "x", "label": "x", "weight": 1, "when": {"fact": name}}])
    as_measure = _pack(
        mitigating=[
            {"id": "m", "label": "m", "weight": 1, "when": {"measure": name, "at_least": 1}}
        ]
    )
    as_key = _pack(**{name: "anything"})
    for text, field in (
        (as_fact_field, f"categories[0].when.where.{name}"),
        (as_fact, "categories[0].when.fact"),
        (as_measure, "mitigating[0].when.measure"),
        (as_key, name),
    ):
        with pytest.raises(InvalidInput) as refused:
            packs.parse(text)
        assert refused.value.details["field"] == field
        assert refused.value.details["protected"] == attribute
        assert attribute in refused.value.message


def test_a_fact_named_for_a_citizen_child_is_not_mistaken_for_citizenship():
    text = _pack(
        mitigating=[
            {
                "id": "caregiver",
                "label": "caregiver",
                "weight": 5,
                "when": {"fact": "caregiver_of_us_citizen_child"},
            }
        ]
    )
    assert packs.parse(text).factors[0].id == "caregiver"


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"weigth": 3}, "weigth", "unknown key"),
        ({"effective_from": "someday"}, "effective_from", "not a date"),
        ({"categories": []}, "categories", "at least one category"),
        (
            {"categories": [{"id": "x", "label": "x", "weight": 0, "when": {"fact": "entry"}}]},
            "categories[0].weight",
            "whole number",
        ),
        (
            {"categories": [{"id": "x", "label": "x", "weight": 5, "when": {"fact": "tattoo"}}]},
            "categories[0].when.fact",
            "not one of",
        ),
        (
            {
                "categories": [
                    {
                        "id": "x",
                        "label": "x",
                        "weight": 5,
                        "when": {"fact": "conviction", "where": {"category": ["jaywalking"]}},
                    }
                ]
            },
            "categories[0].when.where.category",
            "not one of",
        ),
        (
            {
                "categories": [
                    {
                        "id": "x",
                        "label": "x",
                        "weight": 5,
                        "when": {"fact": "conviction", "where": {"sentence_months": 12}},
                    }
                ]
            },
            "categories[0].when.where.sentence_months",
            "at_least",
        ),
        (
            {"rescinded_on": "2025-12-31"},
            "rescinded_on",
            "after effective_from",
        ),
        (
            {
                "aggravating": [
                    {
                        "id": "x",
                        "label": "x",
                        "weight": 5,
                        "besides_category": True,
                        "when": {"measure": "age", "at_least": 60},
                    }
                ]
            },
            "aggravating[0].besides_category",
            "single fact condition",
        ),
        (
            {
                "aggravating": [
                    {
                        "id": "x",
                        "label": "x",
                        "weight": 5,
                        "besides_category": "yes",
                        "when": {"fact": "conviction"},
                    }
                ]
            },
            "aggravating[0].besides_category",
            "true or false",
        ),
    ],
)
def test_the_schema_refuses_what_it_does_not_know_naming_the_field(changes, field, words):
    with pytest.raises(InvalidInput) as refused:
        packs.parse(_pack(**changes))
    assert refused.value.details["field"] == field
    assert words in refused.value.message


@pytest.mark.parametrize(
    "when",
    [
        {"fact": "final_order"},
        {"any": [{"fact": "final_order"}, {"fact": "national_security_finding"}]},
        {"all": [{"fact": "final_order"}, {"measure": "age", "at_least": 18}]},
        {"measure": "presence_years", "at_most": 2},
    ],
)
def test_a_category_that_removability_alone_could_satisfy_is_refused(when):
    text = _pack(categories=[{"id": "removable", "label": "x", "weight": 10, "when": when}])
    with pytest.raises(InvalidInput) as refused:
        packs.parse(text)
    assert refused.value.details["field"] == "categories[0].when"
    assert "removable" in refused.value.message


def test_a_final_order_may_still_weigh_within_a_category():
    text = _pack(
        aggravating=[{"id": "final", "label": "x", "weight": 5, "when": {"fact": "final_order"}}]
    )
    assert packs.parse(text).factors[0].weight == 5


TODAY = dt.date(2026, 11, 22)


def test_a_rescinded_pack_is_refused_after_its_rescission_without_the_explicit_flag():
    dhs = packs.load("dhs-2021-guidelines")
    dhs.check_date(dt.date(2024, 6, 1), today=TODAY)
    with pytest.raises(InvalidInput, match="rescinded on 2025-01-20"):
        dhs.check_date(dt.date(2025, 1, 20), today=TODAY)
    with pytest.raises(InvalidInput, match="flag"):
        dhs.check_date(TODAY, today=TODAY)
    dhs.check_date(TODAY, today=TODAY, allow_rescinded=True)
    with pytest.raises(InvalidInput, match="takes effect on 2021-11-29"):
        dhs.check_date(dt.date(2021, 1, 1), today=TODAY, allow_rescinded=True)


def test_a_pack_is_not_applied_for_a_day_still_to_come():
    neutral = packs.load("neutral-example")
    neutral.check_date(TODAY, today=TODAY)
    with pytest.raises(InvalidInput, match="is after today") as refused:
        neutral.check_date(TODAY + dt.timedelta(days=1), today=TODAY)
    assert refused.value.details == {"field": "as_of"}


def test_the_content_hash_follows_the_content_not_the_layout():
    one = packs.parse(_pack())
    relaid = packs.parse(textwrap.indent(yaml.safe_dump(MINIMAL, default_flow_style=True), ""))
    changed = packs.parse(_pack(version="2"))
    assert one.content_hash == relaid.content_hash
    assert one.content_hash != changed.content_hash


def test_a_pack_is_named_by_a_file_or_a_shipped_name_and_nothing_else(tmp_path):
    path = tmp_path / "mine.yaml"
    path.write_text(_pack(), encoding="utf-8")
    assert packs.load(str(path)).name == "test-pack"
    with pytest.raises(InvalidInput, match="no policy pack"):
        packs.load("../../etc/passwd")
    with pytest.raises(InvalidInput, match="not valid YAML"):
        packs.parse("name: [unclosed")


def test_a_version_written_as_a_number_is_refused_since_yaml_would_change_it():
    # 1.10 read as a YAML number is 1.1: the run would record a version the pack never had
    with pytest.raises(InvalidInput) as refused:
        packs.parse(_pack(version=1.10))
    assert refused.value.details["field"] == "version"
    assert "in quotes" in refused.value.message
    assert packs.parse(_pack(version="1.10")).version == "1.10"
    assert packs.parse(_pack(version=2)).version == "2"


@pytest.mark.parametrize(
    ("where", "field"),
    [
        ({"category": []}, "category"),
        ({"sentence_months": {"at_least": 60, "at_most": 10}}, "sentence_months"),
        ({"convicted_on": {"on_or_after": "2020-01-01", "before": "2019-01-01"}}, "convicted_on"),
        ({"convicted_on": {"within_years": 5, "more_than_years_ago": 10}}, "convicted_on"),
    ],
)
def test_a_test_that_no_fact_could_pass_is_refused_naming_the_field(where, field):
    category = {**MINIMAL["categories"][0], "when": {"fact": "conviction", "where": where}}
    with pytest.raises(InvalidInput) as refused:
        packs.parse(_pack(categories=[category]))
    assert refused.value.details["field"] == f"categories[0].when.where.{field}"
    assert "no fact could pass" in refused.value.message


@pytest.mark.parametrize(
    ("when", "field"),
    [
        (
            {"fact": "conviction", "where": {"convicted_on": {"within_years": 3000}}},
            "where.convicted_on.within_years",
        ),
        (
            {"fact": "conviction", "where": {"convicted_on": {"more_than_years_ago": 151}}},
            "where.convicted_on.more_than_years_ago",
        ),
        (
            {"fact": "conviction", "where": {"convicted_on": {"within_years": float("inf")}}},
            "where.convicted_on.within_years",
        ),
        (
            {"fact": "conviction", "where": {"sentence_months": {"at_least": float("nan")}}},
            "where.sentence_months.at_least",
        ),
    ],
)
def test_a_bound_no_calendar_or_number_holds_is_refused_naming_the_field(when, field):
    # accepted, such a pack failed only when a ranking worked out the date ("year -974")
    category = {**MINIMAL["categories"][0], "when": when}
    with pytest.raises(InvalidInput) as refused:
        packs.parse(_pack(categories=[category]))
    assert refused.value.details["field"] == f"categories[0].when.{field}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (_pack() + "categories: []\n", "categories"),
        (_pack().replace("weight: 50", "weight: 50\n  weight: 5"), "weight"),
    ],
)
def test_a_key_given_twice_is_refused_not_left_to_the_last(text: str, key: str):
    # YAML keeps the last: a second `weight` would change a rule, a second list replace one
    with pytest.raises(InvalidInput, match=f"'{key}' is given twice"):
        packs.parse(text)


def test_a_version_longer_than_a_run_can_keep_is_refused():
    assert packs.parse(_pack(version="v" * packs.MAX_VERSION)).version == "v" * 64
    with pytest.raises(InvalidInput) as refused:
        packs.parse(_pack(version="v" * (packs.MAX_VERSION + 1)))
    assert refused.value.details == {"field": "version"}
    assert "at most 64 characters" in refused.value.message


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('version: "1\\0"', "version"),
        ('version: "1\\uD800"', "version"),
        ('title: "A \\uD800 title"', "title"),
    ],
)
def test_text_no_database_holds_is_refused_naming_the_field(line: str, field: str):
    # YAML's escapes write a NUL or a lone surrogate, which the content hash could not encode
    text = yaml.safe_dump({k: v for k, v in MINIMAL.items() if k != field}) + line + "\n"
    with pytest.raises(InvalidInput) as refused:
        packs.parse(text)
    assert refused.value.details == {"field": field}
    assert refused.value.message.startswith(f"{field}: not valid text")


@pytest.mark.parametrize("field", ["name", "id"])
def test_a_name_or_rule_id_ending_in_a_newline_is_refused(field: str):
    # a regex "$" matches before a final newline: "test-pack\n" was taken as a pack's name
    category = {**MINIMAL["categories"][0], "id": "serious\n"}  # type: ignore[index]
    text = _pack(name="test-pack\n") if field == "name" else _pack(categories=[category])
    with pytest.raises(InvalidInput) as refused:
        packs.parse(text)
    assert refused.value.details["field"] == ("name" if field == "name" else "categories[0].id")
