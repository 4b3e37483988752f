"""Prioritisation over HTTP, its oversight: the stop switch, the disparity report's
suppression of small groups, the oversight log of runs and determinations, who may do what,
that a refusal changes nothing, and every request on the access log exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import random

import pytest
import sqlalchemy as sa

from docket.cases.service import open_case
from docket.identity.model import Role
from docket.priority import switch
from docket.priority.scoring import Scorer
from tests.api import priority_requests
from tests.api.priority_requests import (
    POLICY,
    REASON,
    SWITCH,
    access_entries,
    count,
    determine,
    rank,
)
from tests.api.staff import log_in
from tests.builders import a_case, a_person

staff = priority_requests.staff
"""An NYC officer and supervisor, and a priority case (a fixture)."""


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
    for body in (
        {"on": False},
        {"on": False, "reason": "because"},
        {"on": "x", "reason": REASON},
        {"on": False, "reason": "\u200b" * 12},  # twelve zero-width spaces: nothing written
    ):
        assert client.put(SWITCH, json=body, headers=admin).status_code == 422
    assert count(docket, "events", "WHERE kind = 'prioritisation_switched'") == 0


@pytest.mark.parametrize("on", ["false", "off", 0, "no"])
def test_the_switch_takes_only_a_json_boolean(client, docket, on):
    admin = log_in(client, docket, "the.admin", Role.ADMIN)
    response = client.put(SWITCH, json={"on": on, "reason": REASON}, headers=admin)
    assert response.status_code == 422, response.text
    fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
    assert fields == ["body.on"]
    assert count(docket, "events", "WHERE kind = 'prioritisation_switched'") == 0
    assert client.get(SWITCH, headers=admin).json()["on"] is True


# -- disparity --------------------------------------------------------------------------------


def test_the_disparity_report_s_yes_no_in_the_query_is_true_or_false_only(client, docket):
    analyst = log_in(client, docket, "the.analyst", Role.ANALYST)
    for flag in ("yes", "1", "on"):
        params = {"policy": "dhs-2021-guidelines", "allow_rescinded": flag}
        response = client.get("/api/priority/disparity", params=params, headers=analyst)
        assert response.status_code == 422, response.text
        fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
        assert fields == ["query.allow_rescinded"]
    params = {"policy": "dhs-2021-guidelines", "allow_rescinded": "true"}
    assert client.get("/api/priority/disparity", params=params, headers=analyst).status_code == 200


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
    # GT (10) is hidden with MX (1): else 11 - 10 would give the one Mexican case away
    assert citizenship == {"groups": [], "suppressed_groups": 2}
    assert report["dimensions"]["sex"] == {"groups": [], "suppressed_groups": 2}
    assert "MX" not in json.dumps(report)
    (band,) = report["dimensions"]["age_band"]["groups"]
    assert (band["group"], band["cases"]) == ("35-49", 11)
    assert band["priority_share"] == round(1 / 11, 4)
    assert band["categories"]["recent_serious_conviction"] == round(1 / 11, 4)


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


def test_a_listing_of_runs_from_an_unknown_cursor_is_logged_as_failed(client, docket, staff):
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    response = client.get("/api/priority/runs", params={"after": "nope"}, headers=auditor)
    assert response.status_code == 422, response.text
    (entry,) = access_entries(docket, "read_priority_oversight")
    assert (entry["actor"], entry["details"]["failed"]) == ("the.auditor", "invalid_input")


@pytest.mark.parametrize("number", ["1.0", " 1", "+1", "1_0"])
def test_the_oversight_log_s_cursor_and_page_size_are_whole_numbers_in_digits(
    client, docket, staff, number
):
    run_id = rank(client, staff.supervisor).json()["run_id"]
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    for path, name in [
        ("/api/priority/runs", "limit"),
        (f"/api/priority/runs/{run_id}", "limit"),
        (f"/api/priority/runs/{run_id}", "after"),
    ]:
        response = client.get(path, params={name: number}, headers=auditor)
        assert response.status_code == 422, (path, name, response.text)
        fields = [f["field"] for f in response.json()["error"]["details"]["fields"]]
        assert fields == [f"query.{name}"]
    taken = client.get(
        f"/api/priority/runs/{run_id}", params={"after": "0", "limit": "1"}, headers=auditor
    )
    assert taken.status_code == 200, taken.text


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


def test_a_run_s_page_read_is_logged_with_the_cases_it_named(client, docket, staff):
    a_case(docket, "DKT-NYC-2")
    run_id = rank(client, staff.supervisor).json()["run_id"]
    determine(client, staff.supervisor, determination="override", reason=REASON, run_id=run_id)
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR)
    for after in (0, 1):
        params = {"after": after, "limit": 1}
        response = client.get(f"/api/priority/runs/{run_id}", params=params, headers=auditor)
        assert response.status_code == 200, response.text
    first, second = access_entries(docket, "read_priority_oversight")
    assert (first["record_type"], first["record_id"]) == ("priority_run", run_id)
    # each page's entries, then the determinations every page shows
    assert first["details"]["cases"] == ["DKT-NYC-1"]
    assert second["details"]["cases"] == ["DKT-NYC-2", "DKT-NYC-1"]


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


def test_a_run_s_output_is_read_only_where_its_office_may_be(client, docket, staff):
    run_id = rank(client, staff.supervisor).json()["run_id"]  # a run of NYC
    houston = log_in(client, docket, "hou.super", Role.SUPERVISOR, field_office="HOU")
    refused = client.get(f"/api/priority/runs/{run_id}", headers=houston)
    assert refused.status_code == 403
    assert refused.json()["error"]["details"]["relation"] == "other_office"
    assert "DKT-NYC-1" not in refused.text
    assert client.get("/api/priority/runs/nope", headers=houston).status_code == 403
    own = client.get(f"/api/priority/runs/{run_id}", headers=staff.supervisor)
    assert [e["case_ref"] for e in own.json()["entries"]] == ["DKT-NYC-1"]
    auditor = log_in(client, docket, "the.auditor", Role.AUDITOR, field_office="HOU")
    assert client.get(f"/api/priority/runs/{run_id}", headers=auditor).status_code == 200
    assert client.get("/api/priority/runs/nope", headers=auditor).status_code == 404
    outcomes = [
        (e["actor"], e["outcome"], e["details"]["relation"])
        for e in access_entries(docket, "read_priority_oversight")
    ]
    assert outcomes == [
        ("hou.super", "refused", "other_office"),
        ("hou.super", "refused", "other_office"),
        ("nyc.super", "allowed", "own_office"),
        ("the.auditor", "allowed", "other_office"),
        ("the.auditor", "refused", "other_office"),  # no such run: not an allowed read
    ]
    assert access_entries(docket, "read_priority_oversight")[-1]["details"]["failed"] == (
        "not_found"
    )
