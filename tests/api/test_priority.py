"""Prioritisation over HTTP: facts recorded through the command routes and counted, rankings
whose contributions add up, a person's determination as an event on the case, the stop switch,
the disparity report's suppression of small groups, the oversight log, who may do what, and
every request on the access log exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import random
import uuid
from typing import Any

import pytest
import sqlalchemy as sa

from docket.cases.service import open_case, show_case
from docket.identity.model import Role
from docket.priority import switch
from docket.priority.scoring import Scorer
from tests.api.staff import log_in
from tests.builders import a_case, a_person

POLICY = "neutral-example"
RANKINGS = "/api/priority/rankings"
SWITCH = "/api/priority/switch"
REASON = "the file shows a stronger claim to protection than the facts here record"


# -- helpers ----------------------------------------------------------------------------------


def count(docket, table: str, where: str = "") -> int:
    with docket.engine.connect() as connection:
        return connection.execute(sa.text(f"SELECT count(*) FROM {table} {where}")).scalar_one()


def access_entries(docket, action: str) -> list[dict[str, Any]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT actor, outcome, record_type, record_id, details FROM access_log "
                "WHERE action = :action ORDER BY seq"
            ),
            {"action": action},
        ).mappings()
        return [{**row, "details": json.loads(row["details"])} for row in rows]


def record_fact(client, headers, case_ref: str, kind: str, **fields: Any):
    """Record a fact through the generated command route, at the case's current version."""
    version = client.get(f"/api/cases/{case_ref}", headers=headers).headers["ETag"]
    return client.post(
        f"/api/cases/{case_ref}/events/{kind}",
        json={"document_ref": f"DOC-{kind}", **fields},
        headers={**headers, "Idempotency-Key": f"{case_ref}-{kind}-{version}", "If-Match": version},
    )


def conviction(client, headers, case_ref: str = "DKT-NYC-1", **changes: Any):
    fields = {
        "offence": "assault in the second degree",
        "statute": "N.Y. Penal Law § 120.05",
        "category": "violent_felony",
        "sentence_months": 72,
        "convicted_on": "2022-03-01",
        **changes,
    }
    response = record_fact(client, headers, case_ref, "conviction_recorded", **fields)
    assert response.status_code == 201, response.text
    return response


def rank(client, headers, **changes: Any):
    return client.post(
        RANKINGS, json={"policy": POLICY, "office": "NYC", **changes}, headers=headers
    )


@dataclasses.dataclass
class Staff:
    officer: dict[str, str]
    supervisor: dict[str, str]


@pytest.fixture
def staff(client, docket) -> Staff:
    """An NYC officer and supervisor, and a violent felony on DKT-NYC-1 (a priority by the
    neutral example: 60 for the category, 10 for a sentence of five years or more)."""
    officer = log_in(client, docket, "nyc.officer")
    conviction(client, officer)
    return Staff(officer=officer, supervisor=log_in(client, docket, "nyc.super", Role.SUPERVISOR))


# -- facts, rankings, explanations ------------------------------------------------------------


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


def test_the_policies_are_listed_with_their_rules(client, docket, staff):
    response = client.get("/api/priority/policies", headers=staff.supervisor)
    assert response.status_code == 200, response.text
    listed = {p["name"]: p for p in response.json()["policies"]}
    assert set(listed) == {"neutral-example", "dhs-2021-guidelines"}
    assert listed["dhs-2021-guidelines"]["rescinded_on"] == "2025-01-20"
    rules = {r["key"]: r["weight"] for r in listed[POLICY]["rules"]}
    assert rules["mitigating:caregiver"] == -15


def test_top_limits_the_entries_shown_not_the_cases_scored(client, docket, staff):
    a_case(docket, "DKT-NYC-2")
    ranking = rank(client, staff.supervisor, top=1).json()
    assert (ranking["cases_scored"], ranking["cases_shown"]) == (2, 1)
    assert [e["case_ref"] for e in ranking["entries"]] == ["DKT-NYC-1"]
    assert rank(client, staff.supervisor, top=0).status_code == 422
    assert rank(client, staff.supervisor, top=1001).status_code == 422


# -- determinations ---------------------------------------------------------------------------


def determine(client, headers, case_ref: str = "DKT-NYC-1", key: str | None = None, **body: Any):
    """A determination request; each gets its own Idempotency-Key unless ``key`` is given."""
    headers = {**headers, "Idempotency-Key": key or f"test-{uuid.uuid4()}"}
    return client.post(f"/api/cases/{case_ref}/priority-determination", json=body, headers=headers)


def test_a_determination_is_an_event_on_the_case(client, docket, staff):
    run_id = rank(client, staff.supervisor).json()["run_id"]
    version = show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.version
    accepted = determine(client, staff.supervisor, determination="accept")
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["determination"] == "accept"
    overridden = determine(
        client, staff.supervisor, determination="override", reason=REASON, run_id=run_id
    )
    assert overridden.status_code == 201, overridden.text
    view = show_case(uow=docket.uow, case_ref="DKT-NYC-1")
    assert view.case.version == version + 2
    assert view.case.state.value == "identified"  # a recommendation changes nothing else
    timeline = client.get("/api/cases/DKT-NYC-1/timeline", headers=staff.supervisor).json()
    last = timeline["events"][-2:]
    assert [e["kind"] for e in last] == ["priority_determined", "priority_determined"]
    assert last[-1]["seq"] == overridden.json()["event_seq"]
    assert last[-1]["actor"] == "nyc.super"
    assert last[-1]["document_ref"] == f"priority-run:{run_id}"
    logged = access_entries(docket, "decide_priority")
    assert [(e["outcome"], e["details"]["determination"]) for e in logged] == [
        ("allowed", "accept"),
        ("allowed", "override"),
    ]


def test_a_retried_determination_is_recorded_once(client, docket, staff):
    run_id = rank(client, staff.supervisor).json()["run_id"]
    body = {"determination": "override", "reason": REASON}
    first = determine(client, staff.supervisor, key="decide-1", **body)
    assert first.status_code == 201, first.text
    events = count(docket, "events")
    retry = determine(client, staff.supervisor, key="decide-1", **body)
    assert retry.status_code == 201, retry.text
    assert {**first.json(), "replayed": True} == retry.json()
    assert (retry.json()["run_id"], first.json()["replayed"]) == (run_id, False)
    assert count(docket, "events") == events
    other = determine(client, staff.supervisor, key="decide-1", determination="accept")
    assert other.status_code == 422, other.text
    assert count(docket, "events") == events
    no_key = client.post(
        "/api/cases/DKT-NYC-1/priority-determination",
        json={"determination": "accept"},
        headers=staff.supervisor,
    )
    assert no_key.status_code == 422, no_key.text
    assert count(docket, "events") == events


@pytest.mark.parametrize("reason", [None, "", "too short"])
def test_an_override_without_a_reason_is_refused_and_records_nothing(client, docket, staff, reason):
    rank(client, staff.supervisor)
    before = count(docket, "events")
    body = (
        {"determination": "override"}
        if reason is None
        else {
            "determination": "override",
            "reason": reason,
        }
    )
    response = determine(client, staff.supervisor, **body)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert count(docket, "events") == before


def test_a_case_no_run_ranked_cannot_be_determined(client, docket, staff):
    response = determine(client, staff.supervisor, determination="accept")
    assert response.status_code == 404
    rank(client, staff.supervisor)
    unknown = determine(client, staff.supervisor, determination="accept", run_id="nope")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["details"] == {"run_id": "nope"}
    failed = access_entries(docket, "decide_priority")
    assert [e["details"].get("failed") for e in failed] == ["not_found", "not_found"]


# -- the switch -------------------------------------------------------------------------------


def test_switched_off_nothing_is_scored_shown_or_used_and_nothing_is_written(client, docket, staff):
    analyst = log_in(client, docket, "the.analyst", Role.ANALYST)
    admin = log_in(client, docket, "the.admin", Role.ADMIN)
    rank(client, staff.supervisor)
    off = client.put(
        SWITCH, json={"on": False, "reason": "audit of the policy weights"}, headers=admin
    )
    assert off.status_code == 200, off.text
    assert (off.json()["on"], off.json()["changed_by"]) == (False, "the.admin")
    switched = count(docket, "events", "WHERE kind = 'prioritisation_switched'")
    assert switched == 1
    assert access_entries(docket, "switch_prioritisation")[-1]["details"]["to"] == "off"

    events, runs = count(docket, "events"), count(docket, "priority_runs")
    answers = [
        rank(client, staff.supervisor),
        client.get(
            "/api/cases/DKT-NYC-1/priority", params={"policy": POLICY}, headers=staff.supervisor
        ),
        determine(client, staff.supervisor, determination="accept"),
        client.get("/api/priority/disparity", params={"policy": POLICY}, headers=analyst),
    ]
    for answer in answers:
        assert answer.status_code == 409, answer.text
        assert answer.json()["error"]["details"] == {"rule": "prioritisation_off"}
    assert (count(docket, "events"), count(docket, "priority_runs")) == (events, runs)

    state = client.get(SWITCH, headers=admin).json()
    assert (state["on"], state["reason"]) == (False, "audit of the policy weights")
    again = client.put(SWITCH, json={"on": False, "reason": "once more, to be sure"}, headers=admin)
    assert again.status_code == 409
    back = client.put(
        SWITCH, json={"on": True, "reason": "the audit found no fault"}, headers=admin
    )
    assert back.status_code == 200
    assert count(docket, "events", "WHERE kind = 'prioritisation_switched'") == 2
    assert rank(client, staff.supervisor).status_code == 201


def test_a_ranking_refused_at_the_end_answers_409_with_no_entries(
    client, docket, staff, monkeypatch
):
    """Switched off after scoring, before the run is kept: the answer is the refusal alone."""
    score = Scorer.rank

    def scored_then_switched_off(scorer: Scorer):
        ranking = score(scorer)
        switch.set_switch(
            store=docket.priority, clock=docket.clock, actor="admin", on=False, reason=REASON
        )
        return ranking

    monkeypatch.setattr(Scorer, "rank", scored_then_switched_off)
    runs = count(docket, "priority_runs")
    refused = rank(client, staff.supervisor)
    assert refused.status_code == 409, refused.text
    assert list(refused.json()) == ["error"]  # no entries, no score
    assert refused.json()["error"]["details"] == {"rule": "prioritisation_off"}
    assert count(docket, "priority_runs") == runs


def test_switching_needs_a_reason(client, docket):
    admin = log_in(client, docket, "the.admin", Role.ADMIN)
    for body in ({"on": False}, {"on": False, "reason": "because"}, {"on": "x", "reason": REASON}):
        assert client.put(SWITCH, json=body, headers=admin).status_code == 422
    assert count(docket, "events", "WHERE kind = 'prioritisation_switched'") == 0


# -- disparity --------------------------------------------------------------------------------


def test_the_disparity_report_suppresses_small_groups(client, docket, staff):
    for number in range(2, 11):  # ten cases of Guatemalan women born in 1990
        a_case(docket, f"DKT-NYC-{number}")
    open_case(
        uow=docket.uow,
        clock=docket.clock,
        case_ref="DKT-NYC-99",
        person=dataclasses.replace(a_person("Luis", "Mora"), citizenship="MX", sex="M"),
        field_office="NYC",
        opened_on=dt.date(2026, 1, 5),
        actor="officer.test",
        document_ref="I-213-9",
    )
    analyst = log_in(client, docket, "the.analyst", Role.ANALYST)
    response = client.get("/api/priority/disparity", params={"policy": POLICY}, headers=analyst)
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["cases"], report["minimum_group"]) == (11, 10)
    citizenship = report["dimensions"]["citizenship_country"]
    assert [g["group"] for g in citizenship["groups"]] == ["GT"]
    assert citizenship["suppressed_groups"] == 1
    (gt,) = citizenship["groups"]
    assert gt["cases"] == 10
    assert gt["priority_share"] == 0.1
    assert gt["categories"]["recent_serious_conviction"] == 0.1
    assert "MX" not in json.dumps(report)
    assert report["dimensions"]["sex"]["suppressed_groups"] == 1
    assert [g["group"] for g in report["dimensions"]["age_band"]["groups"]] == ["35-49"]


# -- oversight --------------------------------------------------------------------------------


def test_the_oversight_log_shows_each_run_its_entries_and_determinations(client, docket, staff):
    a_case(docket, "DKT-NYC-2")
    first = rank(client, staff.supervisor, purpose="first look").json()["run_id"]
    second = rank(client, staff.supervisor).json()["run_id"]
    determine(client, staff.supervisor, determination="override", reason=REASON, run_id=first)
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)

    page = client.get("/api/priority/runs", params={"limit": 1}, headers=auditor).json()
    assert [r["run_id"] for r in page["runs"]] == [first]
    assert page["runs"][0]["purpose"] == "first look"
    assert page["runs"][0]["ran_by"] == "nyc.super"
    assert page["next_after"] == first
    rest = client.get("/api/priority/runs", params={"after": first}, headers=auditor).json()
    assert ([r["run_id"] for r in rest["runs"]], rest["next_after"]) == ([second], None)
    assert (
        client.get("/api/priority/runs", params={"after": "x"}, headers=auditor).status_code == 422
    )

    detail = client.get(f"/api/priority/runs/{first}", params={"limit": 1}, headers=auditor).json()
    assert detail["run"]["run_id"] == first
    assert detail["facts_used"] == 1
    assert [e["case_ref"] for e in detail["entries"]] == ["DKT-NYC-1"]
    assert detail["next_after"] == 1
    (made,) = detail["determinations"]
    assert (made["case_ref"], made["determination"], made["reason"]) == (
        "DKT-NYC-1",
        "override",
        REASON,
    )
    assert (made["decided_by"], made["rank"], made["score"]) == ("nyc.super", 1, 70)
    more = client.get(f"/api/priority/runs/{first}", params={"after": 1}, headers=auditor).json()
    assert ([e["case_ref"] for e in more["entries"]], more["next_after"]) == (["DKT-NYC-2"], None)
    assert (
        client.get(f"/api/priority/runs/{second}", headers=auditor).json()["determinations"] == []
    )
    assert client.get("/api/priority/runs/nope", headers=auditor).status_code == 404


def test_a_ranking_is_logged_with_the_cases_it_showed(client, docket, staff):
    a_case(docket, "DKT-NYC-2")
    rank(client, staff.supervisor, top=1)
    (entry,) = access_entries(docket, "rank_cases")
    assert (entry["actor"], entry["outcome"], entry["record_type"], entry["record_id"]) == (
        "nyc.super",
        "allowed",
        "field_office",
        "NYC",
    )
    assert entry["details"]["cases"] == ["DKT-NYC-1"]
    assert entry["details"]["policy"] == POLICY


# -- who may do what --------------------------------------------------------------------------

ROUTES = ("policies", "rank", "explain", "decide", "disparity", "switch", "runs")

WHO = [
    # role, office, statuses by route
    (Role.SUPERVISOR, "NYC", (200, 201, 200, 201, 403, 403, 200)),
    (Role.SUPERVISOR, "HOU", (200, 403, 403, 403, 403, 403, 200)),
    (Role.LEGAL_REVIEWER, "HOU", (200, 403, 200, 403, 403, 403, 403)),
    (Role.OFFICER, "NYC", (403, 403, 403, 403, 403, 403, 403)),
    (Role.LOGISTICS, "NYC", (403, 403, 403, 403, 403, 403, 403)),
    (Role.ANALYST, "NYC", (403, 403, 403, 403, 200, 403, 403)),
    (Role.AUDITOR, "NYC", (403, 403, 403, 403, 403, 403, 200)),
    (Role.ADMIN, "NYC", (403, 403, 403, 403, 403, 200, 403)),
]


def _ask(client, headers, route: str):
    if route == "policies":
        return client.get("/api/priority/policies", headers=headers)
    if route == "rank":
        return rank(client, headers)
    if route == "explain":
        return client.get(
            "/api/cases/DKT-NYC-1/priority", params={"policy": POLICY}, headers=headers
        )
    if route == "decide":
        return determine(client, headers, determination="accept")
    if route == "disparity":
        return client.get("/api/priority/disparity", params={"policy": POLICY}, headers=headers)
    if route == "switch":
        return client.get(SWITCH, headers=headers)
    return client.get("/api/priority/runs", headers=headers)


@pytest.mark.parametrize(("role", "office", "statuses"), WHO, ids=lambda v: str(v))
def test_who_may_rank_explain_decide_and_oversee(client, docket, staff, role, office, statuses):
    rank(client, staff.supervisor)  # a run for determinations to refer to
    headers = log_in(client, docket, f"{role.value}.{office.lower()}", role, field_office=office)
    got = tuple(_ask(client, headers, route).status_code for route in ROUTES)
    assert dict(zip(ROUTES, got, strict=True)) == dict(zip(ROUTES, statuses, strict=True))
    refused = [
        e
        for e in itertools.chain.from_iterable(
            access_entries(docket, a)
            for a in (
                "rank_cases",
                "explain_priority",
                "decide_priority",
                "read_disparity",
                "switch_prioritisation",
                "read_priority_oversight",
            )
        )
        if e["outcome"] == "refused"
    ]
    assert len(refused) == statuses.count(403)


def test_a_refusal_changes_nothing(client, docket, staff):
    rank(client, staff.supervisor)
    houston = log_in(client, docket, "hou.super", Role.SUPERVISOR, field_office="HOU")
    events, runs = count(docket, "events"), count(docket, "priority_runs")
    assert rank(client, houston, office="nyc").status_code == 403
    assert determine(client, houston, determination="accept").status_code == 403
    officer = staff.officer
    assert (
        client.put(SWITCH, json={"on": False, "reason": REASON}, headers=officer).status_code == 403
    )
    assert (count(docket, "events"), count(docket, "priority_runs")) == (events, runs)


def test_every_priority_request_is_logged_exactly_once(client, docket, staff):
    users = [
        staff.supervisor,
        staff.officer,
        log_in(client, docket, "hou.super", Role.SUPERVISOR, field_office="HOU"),
        log_in(client, docket, "the.analyst", Role.ANALYST),
        log_in(client, docket, "the.auditor", Role.AUDITOR),
        log_in(client, docket, "the.admin", Role.ADMIN),
    ]
    chooser = random.Random(5)
    routes = [*ROUTES, "switch_off", "switch_on", "override"]
    # A fixed start that is sure to rank, decide, switch off, be refused and find it off.
    start = [(0, "rank"), (0, "override"), (5, "switch_off"), (0, "rank"), (2, "rank")]
    sent = []
    for number in range(60):
        who, route = start[number] if number < len(start) else (None, chooser.choice(routes))
        user = users[who] if who is not None else chooser.choice(users)
        headers = {**user, "X-Purpose": f"request-{number}"}
        if route.startswith("switch_"):
            body = {"on": route == "switch_on", "reason": REASON}
            response = client.put(SWITCH, json=body, headers=headers)
        elif route == "override":
            response = determine(client, headers, determination="override", reason=REASON)
        else:
            response = _ask(client, headers, route)
        assert response.status_code < 500, response.text
        sent.append((f"request-{number}", response.status_code))
    with docket.engine.connect() as connection:
        logged = connection.execute(
            sa.text("SELECT purpose FROM access_log WHERE purpose LIKE 'request-%'")
        ).scalars()
        counts = {p: len(list(g)) for p, g in itertools.groupby(sorted(logged))}
    assert {purpose: counts.get(purpose, 0) for purpose, _ in sent} == {p: 1 for p, _ in sent}
    assert {status for _, status in sent} >= {200, 201, 403, 409}
