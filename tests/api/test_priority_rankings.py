"""Prioritisation over HTTP, the rankings: facts recorded through the command routes (a
number field within its bounds only) and counted, or no longer once vacated; rankings whose
contributions add up to each score; one case's explanation naming the policy and the facts;
the policies that may be named and listed; and ``top`` limiting the entries shown, not the
cases scored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api import priority_requests
from tests.api.priority_requests import POLICY, conviction, count, rank, record_fact
from tests.builders import a_case

staff = priority_requests.staff
"""An NYC officer and supervisor, and a priority case (a fixture)."""


def test_a_conviction_recorded_through_its_command_route_is_counted(client, docket, staff):
    a_case(docket, "DKT-NYC-2")  # no facts: no priority
    response = rank(client, staff.supervisor, purpose="weekly docket review")
    assert response.status_code == 201, response.text
    ranking = response.json()
    assert ranking["policy"]["name"] == POLICY
    assert len(ranking["policy"]["content_hash"]) == 64
    assert (ranking["as_of"], ranking["cases_scored"], ranking["cases_shown"]) == (
        "2026-11-22",
        2,
        2,
    )
    assert ranking["priorities"] == 1
    first, second = ranking["entries"]
    assert (first["case_ref"], first["rank"], first["category"], first["score"]) == (
        "DKT-NYC-1",
        1,
        "recent_serious_conviction",
        70,
    )
    assert [(c["rule"], c["points"]) for c in first["contributions"]] == [
        ("category:recent_serious_conviction", 60),
        ("aggravating:long_sentence", 10),
    ]
    fact = first["contributions"][0]["facts"][0]
    assert fact["kind"] == "conviction"
    assert fact["on"] == "2022-03-01"
    assert fact["document_ref"] == "DOC-conviction_recorded"
    assert (second["case_ref"], second["category"], second["score"]) == ("DKT-NYC-2", None, 0)
    assert second["contributions"] == []


def test_the_contributions_of_every_entry_sum_to_its_score(client, docket, staff):
    for ref in ("DKT-NYC-2", "DKT-NYC-3"):
        a_case(docket, ref)
    conviction(client, staff.officer, "DKT-NYC-2", sentence_months=90, convicted_on="2023-01-05")
    conviction(client, staff.officer, "DKT-NYC-2", category="drug_trafficking")
    response = record_fact(
        client,
        staff.officer,
        "DKT-NYC-2",
        "relief_application_recorded",
        application="asylum",
        filed_on="2025-06-01",
    )
    assert response.status_code == 201, response.text
    conviction(client, staff.officer, "DKT-NYC-3", category="misdemeanor", sentence_months=0)
    entries = rank(client, staff.supervisor).json()["entries"]
    assert [e["case_ref"] for e in entries] == ["DKT-NYC-1", "DKT-NYC-2", "DKT-NYC-3"]
    for entry in entries:
        assert sum(c["points"] for c in entry["contributions"]) == entry["score"]
    two = {c["rule"]: c["points"] for c in entries[1]["contributions"]}
    assert two == {
        "category:recent_serious_conviction": 60,
        "aggravating:long_sentence": 20,  # per conviction, two of them
        "mitigating:pending_protection": -20,
    }
    assert entries[1]["score"] == 60


def test_a_conviction_vacated_through_fact_corrected_no_longer_counts(client, docket, staff):
    def explained() -> dict[str, Any]:
        return client.get(
            "/api/cases/DKT-NYC-1/priority", params={"policy": POLICY}, headers=staff.supervisor
        ).json()

    fact_id = explained()["contributions"][0]["facts"][0]["fact_id"]
    response = record_fact(
        client,
        staff.officer,
        "DKT-NYC-1",
        "fact_corrected",
        fact_id=fact_id,
        field="disposition",
        value="vacated",
        reason="judgment vacated on appeal",
    )
    assert response.status_code == 201, response.text
    after = explained()
    assert (after["category"], after["score"], after["contributions"]) == (None, 0, [])


def test_one_cases_explanation_names_the_policy_and_the_facts(client, docket, staff):
    response = client.get(
        "/api/cases/DKT-NYC-1/priority", params={"policy": POLICY}, headers=staff.supervisor
    )
    assert response.status_code == 200, response.text
    explanation = response.json()
    assert (explanation["case_ref"], explanation["rank"], explanation["score"]) == (
        "DKT-NYC-1",
        0,
        70,
    )
    assert explanation["policy"]["name"] == POLICY
    assert explanation["as_of"] == "2026-11-22"
    assert explanation["contributions"][0]["facts"][0]["fact_id"].startswith("DKT-NYC-1/F")


def test_a_number_field_takes_a_whole_number_within_bounds_only(client, docket, staff):
    for bad in (-1, 100_001, 2.5, "twelve"):
        response = record_fact(
            client,
            staff.officer,
            "DKT-NYC-1",
            "conviction_recorded",
            offence="theft",
            statute="§ 1",
            category="misdemeanor",
            sentence_months=bad,
            convicted_on="2020-01-01",
        )
        assert response.status_code == 422, (bad, response.text)
        fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
        assert fields == ["body.sentence_months"]


@pytest.mark.parametrize(
    "name",
    [
        "src/docket/priority/packs/neutral-example.yaml",
        "/etc/passwd",
        "../neutral-example",
        "neutral-example.yaml",
        "no-such-pack",
    ],
)
def test_a_policy_is_named_by_its_shipped_pack_only(client, docket, staff, name):
    before = count(docket, "priority_runs")
    response = rank(client, staff.supervisor, policy=name)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"]["fields"][0]["field"] == "body.policy"
    explain = client.get(
        "/api/cases/DKT-NYC-1/priority", params={"policy": name}, headers=staff.supervisor
    )
    assert explain.status_code == 422
    assert count(docket, "priority_runs") == before


def test_a_rescinded_policy_applies_only_when_asked_for(client, docket, staff):
    refused = rank(client, staff.supervisor, policy="dhs-2021-guidelines")
    assert refused.status_code == 422
    assert refused.json()["error"]["details"]["field"] == "policy"
    allowed = rank(client, staff.supervisor, policy="dhs-2021-guidelines", allow_rescinded=True)
    assert allowed.status_code == 201, allowed.text
    assert allowed.json()["entries"][0]["category"] == "public_safety"


def test_a_policy_is_not_applied_for_a_day_still_to_come(client, docket, staff):
    # a year mistyped (2062 for 2026) would age every fact, and determinations default to
    # the latest run
    runs = count(docket, "priority_runs")
    ranked = rank(client, staff.supervisor, as_of="2026-11-23")
    assert ranked.status_code == 422, ranked.text
    assert ranked.json()["error"]["details"] == {"field": "as_of"}
    assert count(docket, "priority_runs") == runs
    params = {"policy": POLICY, "as_of": "2062-11-22"}
    explained = client.get("/api/cases/DKT-NYC-1/priority", params=params, headers=staff.supervisor)
    assert explained.status_code == 422, explained.text
    assert rank(client, staff.supervisor, as_of="2026-11-22").status_code == 201


def test_the_policies_are_listed_with_their_rules(client, docket, staff):
    response = client.get("/api/priority/policies", headers=staff.supervisor)
    assert response.status_code == 200, response.text
    listed = {p["name"]: p for p in response.json()["policies"]}
    assert set(listed) == {"neutral-example", "dhs-2021-guidelines"}
    assert listed["dhs-2021-guidelines"]["rescinded_on"] == "2025-01-20"
    rules = {r["key"]: r["weight"] for r in listed[POLICY]["rules"]}
    assert rules["mitigating:caregiver"] == -15


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"top": "5"}, "top"),
        ({"top": True}, "top"),
        ({"allow_rescinded": "yes"}, "allow_rescinded"),
        ({"allow_rescinded": 1}, "allow_rescinded"),
        ({"allow_rescinded": "false"}, "allow_rescinded"),
    ],
)
def test_a_ranking_takes_a_number_and_a_yes_no_only_as_their_json_types(
    client, docket, staff, changes, field
):
    before = count(docket, "priority_runs")
    response = rank(client, staff.supervisor, **changes)
    assert response.status_code == 422, response.text
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert fields == [f"body.{field}"]
    assert count(docket, "priority_runs") == before


def test_a_ranking_takes_a_whole_number_written_with_a_point(client, docket, staff):
    # 1.0 is an integer to JSON Schema, as a command's number field takes it
    response = rank(client, staff.supervisor, top=1.0)
    assert response.status_code == 201, response.text
    assert response.json()["cases_shown"] == 1


@pytest.mark.parametrize("flag", ["yes", "1", "on", "t", "True"])
def test_an_explanation_s_yes_no_in_the_query_is_true_or_false_only(client, docket, staff, flag):
    def explain(allow: str):
        params = {"policy": "dhs-2021-guidelines", "allow_rescinded": allow}
        return client.get("/api/cases/DKT-NYC-1/priority", params=params, headers=staff.supervisor)

    refused = explain(flag)
    assert refused.status_code == 422, refused.text
    fields = [f["field"] for f in refused.json()["error"]["details"]["fields"]]
    assert fields == ["query.allow_rescinded"]
    assert explain("true").status_code == 200
    assert explain("false").json()["error"]["details"]["field"] == "policy"  # rescinded


def test_top_limits_the_entries_shown_not_the_cases_scored(client, docket, staff):
    a_case(docket, "DKT-NYC-2")
    ranking = rank(client, staff.supervisor, top=1).json()
    assert (ranking["cases_scored"], ranking["cases_shown"]) == (2, 1)
    assert [e["case_ref"] for e in ranking["entries"]] == ["DKT-NYC-1"]
    assert rank(client, staff.supervisor, top=0).status_code == 422
    assert rank(client, staff.supervisor, top=1001).status_code == 422
