"""``docket priority``: a ranking in three formats, explanations, determinations, the stop
control, the oversight export, the disparity report and policy packs, on each backend."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from docket.bootstrap import SystemClock, bootstrap
from docket.cases.events import EventKind
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id, open_case, record_event
from docket.config import Settings
from docket.priority import oversight, packs, switch
from docket.priority.scoring import Scorer

TODAY = SystemClock().now().date()
NEUTRAL = packs.load("neutral-example")
OFF = "the policy is under review by the board"


def _years_ago(years: int) -> str:
    return TODAY.replace(year=TODAY.year - years, day=min(TODAY.day, 28)).isoformat()


FACTS: dict[str, list[tuple[EventKind, dict[str, str]]]] = {
    # a national-security finding: the first category, 100
    "DKT-P-01": [
        (
            EventKind.NATIONAL_SECURITY_FINDING_RECORDED,
            {"finding": "documented finding", "authority": "FBI", "found_on": _years_ago(1)},
        )
    ],
    # a violent felony 6 years ago with a 6-year sentence, a caregiver: 60 + 10 - 10 - 15 = 45
    "DKT-P-02": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "assault",
                "statute": "PC 245",
                "category": "violent_felony",
                "sentence_months": "72",
                "convicted_on": _years_ago(6),
            },
        ),
        (EventKind.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED, {"since_on": _years_ago(3)}),
    ],
    # drug trafficking 2 years ago, asylum pending: 60 - 20 = 40
    "DKT-P-03": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "trafficking",
                "statute": "21 USC 841",
                "category": "drug_trafficking",
                "sentence_months": "24",
                "convicted_on": _years_ago(2),
            },
        ),
        (
            EventKind.RELIEF_APPLICATION_RECORDED,
            {"application": "asylum", "filed_on": _years_ago(1)},
        ),
    ],
    # a traffic offence: no category, 0
    "DKT-P-04": [
        (
            EventKind.CONVICTION_RECORDED,
            {
                "offence": "speeding",
                "statute": "VC 22350",
                "category": "traffic_offence",
                "sentence_months": "0",
                "convicted_on": _years_ago(1),
            },
        )
    ],
}
OFFICES = {"DKT-P-03": "ATL", "DKT-P-04": "ATL"}
CASES = [f"DKT-P-{n:02d}" for n in range(1, 13)]
"""Twelve open cases: four with facts, eight without; one person of another citizenship and
sex (DKT-P-12), so those groups are too small to show."""


@pytest.fixture
def docket_with_facts(run, database_url: str):
    docket = bootstrap(Settings(database_url=database_url))
    try:
        for case_ref in CASES:
            odd = case_ref == "DKT-P-12"
            open_case(
                uow=docket.uow,
                clock=docket.clock,
                case_ref=case_ref,
                person=Person(
                    person_id=new_person_id(),
                    name=Name("Ana", "Reyes"),
                    date_of_birth=dt.date(1990, 5, 17),
                    sex="M" if odd else "F",
                    citizenship="MX" if odd else "GT",
                ),
                field_office=OFFICES.get(case_ref, "NYC"),
                opened_on=TODAY - dt.timedelta(days=400),
                actor="officer.test",
                document_ref=f"I-213-{case_ref}",
            )
            for number, (kind, fields) in enumerate(FACTS.get(case_ref, []), start=1):
                record_event(
                    uow=docket.uow,
                    clock=docket.clock,
                    case_ref=case_ref,
                    kind=kind,
                    fields=fields,
                    actor="officer.test",
                    document_ref=f"DOC-{case_ref}-{number}",
                )
    finally:
        docket.close()
    return run


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_rank_as_a_table_with_the_run_and_what_to_do_next(docket_with_facts):
    run = docket_with_facts
    result = run("priority", "rank", "--policy", "neutral-example")
    assert result.exit_code == 0, result.output
    rows = result.stdout.splitlines()
    assert rows[0].split() == ["rank", "case", "category", "score", "contributions"]
    assert rows[1].split()[:4] == ["1", "DKT-P-01", "national_security_finding", "100"]
    assert rows[2].split()[:4] == ["2", "DKT-P-02", "recent_serious_conviction", "45"]
    assert "long_sentence +10" in rows[2]
    assert "caregiver -15" in rows[2]
    assert rows[3].split()[:4] == ["3", "DKT-P-03", "recent_serious_conviction", "40"]
    assert rows[4].split() == ["4", "DKT-P-04", "-", "0", "-"]
    assert len([r for r in rows if r.split()[:1] and r.split()[0].isdigit()]) == 12
    assert "12 open cases scored, 12 shown, 3 in a priority category" in result.stdout
    assert "docket priority explain CASE_REF" in result.stdout
    assert "scoring 12 cases" in result.stderr


def test_rank_as_json_lines_whose_contributions_add_up_to_the_score(docket_with_facts):
    result = docket_with_facts("priority", "rank", "--policy", "neutral-example", "--json")
    assert result.exit_code == 0, result.output
    entries = _lines(result.stdout)
    assert [e["rank"] for e in entries] == list(range(1, 13))
    for entry in entries:
        assert sum(c["points"] for c in entry["contributions"]) == entry["score"]
    second = entries[1]
    assert second["case_ref"] == "DKT-P-02"
    assert {c["rule"]: c["points"] for c in second["contributions"]} == {
        "category:recent_serious_conviction": 60,
        "aggravating:long_sentence": 10,
        "mitigating:caregiver": -15,
        "mitigating:time_since_offence": -10,
    }
    conviction = second["contributions"][0]["facts"][0]
    assert conviction["fact_id"] == "DKT-P-02/F2"
    assert conviction["document_ref"] == "DOC-DKT-P-02-1"
    assert "run " in result.stderr
    assert "run " not in result.stdout


def test_rank_as_csv_with_the_top_n(docket_with_facts):
    result = docket_with_facts(
        "priority", "rank", "--policy", "neutral-example", "--csv", "--top", "2"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [r["case_ref"] for r in rows] == ["DKT-P-01", "DKT-P-02"]
    assert rows[1]["category"] == "recent_serious_conviction"
    assert rows[1]["score"] == "45"
    assert rows[1]["contributions"].split(";")[0] == "category:recent_serious_conviction:60"
    assert rows[1]["fact_ids"] == "DKT-P-02/F2;DKT-P-02/F3"
    assert "12 open cases scored, 2 shown" in result.stderr


def test_rank_of_one_office(docket_with_facts):
    result = docket_with_facts(
        "priority", "rank", "--policy", "neutral-example", "--office", "ATL", "--json"
    )
    assert [(e["rank"], e["case_ref"]) for e in _lines(result.stdout)] == [
        (1, "DKT-P-03"),
        (2, "DKT-P-04"),
    ]


def test_a_rescinded_policy_is_refused_unless_allowed(docket_with_facts):
    run = docket_with_facts
    refused = run("priority", "rank", "--policy", "dhs-2021-guidelines")
    assert refused.exit_code == 1
    assert "rescinded on 2025-01-20" in refused.stderr
    assert "--allow-rescinded" in refused.stderr
    assert refused.stdout == ""
    explain = run("priority", "explain", "DKT-P-02", "--policy", "dhs-2021-guidelines")
    assert explain.exit_code == 1
    assert "--allow-rescinded" in explain.stderr

    allowed = run("priority", "rank", "--policy", "dhs-2021-guidelines", "--allow-rescinded")
    assert allowed.exit_code == 0, allowed.output
    assert "DKT-P-02" in allowed.stdout
    assert "public_safety" in allowed.stdout
    in_force = run("priority", "rank", "--policy", "dhs-2021-guidelines", "--as-of", "2024-06-01")
    assert in_force.exit_code == 0, in_force.output


def test_explain_lists_each_contribution_with_its_facts_and_measures(docket_with_facts):
    run = docket_with_facts
    result = run("priority", "explain", "DKT-P-02", "--policy", "neutral-example")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "Case DKT-P-02: category recent_serious_conviction" in text
    assert "score 45" in text
    assert "+60  category:recent_serious_conviction" in text
    assert f"fact DKT-P-02/F2  conviction  {_years_ago(6)}  document DOC-DKT-P-02-1" in text
    assert "-15  mitigating:caregiver" in text
    assert "measure years_since_last_offence = 6 (from DKT-P-02/F2)" in text


def test_explain_without_a_policy_uses_the_latest_run_and_speaks_english_or_spanish(
    docket_with_facts,
):
    run = docket_with_facts
    none_yet = run("priority", "explain", "DKT-P-01")
    assert none_yet.exit_code == 1
    assert "--policy" in none_yet.stderr
    run("priority", "rank", "--policy", "neutral-example")
    english = run("priority", "explain", "DKT-P-03", "--lang", "en")
    assert english.exit_code == 0, english.output
    assert "Neutral example policy" in english.stdout
    assert "only a recommendation" in english.stdout
    assert "document DOC-DKT-P-03-1, record DKT-P-03/F2" in english.stdout
    spanish = run("priority", "explain", "DKT-P-03", "--lang", "es")
    assert "Según esta política, su caso está en la categoría" in spanish.stdout
    assert "una condena penal" in spanish.stdout
    as_json = json.loads(run("priority", "explain", "DKT-P-03", "--json").stdout)
    assert as_json["score"] == 40
    assert as_json["policy"]["content_hash"] == NEUTRAL.content_hash


def test_explain_refuses_the_latest_runs_policy_once_it_has_changed(docket_with_facts, tmp_path):
    changed = tmp_path / "neutral-edited.yaml"
    original = (packs.PACKS_DIR / "neutral-example.yaml").read_text(encoding="utf-8")
    changed.write_text(original.replace("weight: 100", "weight: 90"), encoding="utf-8")
    run = docket_with_facts
    assert run("priority", "rank", "--policy", str(changed)).exit_code == 0
    refused = run("priority", "explain", "DKT-P-01")
    assert refused.exit_code == 1
    assert "policy neutral-example has changed since the latest ranking run" in refused.stderr
    given = run("priority", "explain", "DKT-P-01", "--policy", str(changed))
    assert "score 90" in given.stdout


def test_decide_accepts_or_overrides_with_a_reason_and_the_oversight_export_keeps_it(
    docket_with_facts, tmp_path
):
    run = docket_with_facts
    ranked = run("priority", "rank", "--policy", "neutral-example", "--purpose", "weekly review")
    assert ranked.exit_code == 0
    no_reason = run("priority", "decide", "DKT-P-02", "--override")
    assert no_reason.exit_code == 1
    assert "--reason" in no_reason.stderr
    assert "needs a written reason" in no_reason.stderr
    both = run("priority", "decide", "DKT-P-02", "--override", "--accept")
    assert both.exit_code == 2
    accepted = run("priority", "decide", "DKT-P-01", "--accept", "--actor", "supervisor.a")
    assert accepted.exit_code == 0, accepted.output
    assert "DKT-P-01: recommendation accepted" in accepted.stdout
    reason = "caregiver of two young children; conviction is six years old"
    overridden = run("priority", "decide", "DKT-P-02", "--override", "--reason", reason)
    assert overridden.exit_code == 0, overridden.output

    export = tmp_path / "oversight.jsonl"
    written = run("priority", "oversight", "--export", str(export))
    assert written.exit_code == 0, written.output
    assert "1 runs, 12 entries, 2 determinations" in written.stdout
    records = _lines(export.read_text(encoding="utf-8"))
    (ranking,) = [r for r in records if r["type"] == "run"]
    assert ranking["policy_name"] == "neutral-example"
    assert ranking["policy_hash"] == NEUTRAL.content_hash
    assert ranking["purpose"] == "weekly review"
    assert ranking["ran_by"] == "officer.cli"
    assert {"DKT-P-01/F2", "DKT-P-02/F2", "DKT-P-02/F3", "DKT-P-03/F3"} <= set(ranking["fact_ids"])
    assert len([r for r in records if r["type"] == "entry"]) == 12
    decisions = {r["case_ref"]: r for r in records if r["type"] == "determination"}
    assert decisions["DKT-P-01"]["determination"] == "accept"
    assert decisions["DKT-P-01"]["decided_by"] == "supervisor.a"
    assert decisions["DKT-P-02"]["determination"] == "override"
    assert decisions["DKT-P-02"]["reason"] == reason
    assert decisions["DKT-P-02"]["decided_by"] == "officer.cli"
    assert decisions["DKT-P-02"]["run_id"] == ranking["run_id"]
    assert decisions["DKT-P-02"]["score"] == 45

    again = run("priority", "oversight", "--export", str(export))
    assert again.exit_code == 1
    assert "--force" in again.stderr
    forced = run("priority", "oversight", "--export", str(export), "--force")
    assert forced.exit_code == 0
    assert run("audit", "verify").exit_code == 0


def test_switched_off_nothing_is_scored_shown_or_used_until_switched_on(docket_with_facts):
    run = docket_with_facts
    assert run("priority", "rank", "--policy", "neutral-example").exit_code == 0
    off = run("priority", "off", "--reason", OFF)
    assert off.exit_code == 0, off.output
    assert "prioritisation is off" in off.stdout
    assert "switched by officer.cli" in run("priority", "status").stdout
    for args in (
        ("rank", "--policy", "neutral-example"),
        ("explain", "DKT-P-01", "--policy", "neutral-example"),
        ("decide", "DKT-P-01", "--accept"),
        ("disparity", "--policy", "neutral-example"),
    ):
        refused = run("priority", *args)
        assert refused.exit_code == 1, args
        assert "prioritisation is switched off" in refused.stderr, args
        assert OFF in refused.stderr
        assert refused.stdout == ""
    assert run("priority", "off", "--reason", OFF).exit_code == 1  # already off
    assert run("priority", "on", "--reason", "review done").exit_code == 0
    again = run("priority", "rank", "--policy", "neutral-example", "--top", "1")
    assert again.exit_code == 0
    assert "DKT-P-01" in again.stdout


def test_a_run_refused_at_the_end_shows_no_score(docket_with_facts, database_url, monkeypatch):
    """Switched off after scoring, before the run is kept: the run is refused and not kept,
    and nothing of it reaches stdout, in any format."""
    run = docket_with_facts
    score = Scorer.rank

    def scored_then_switched_off(scorer: Scorer):
        ranking = score(scorer)
        admin = bootstrap(Settings(database_url=database_url))
        try:
            switch.set_switch(
                store=admin.priority, clock=admin.clock, actor="admin.test", on=False, reason=OFF
            )
        finally:
            admin.close()
        return ranking

    monkeypatch.setattr(Scorer, "rank", scored_then_switched_off)
    for form in ((), ("--json",), ("--csv",)):
        refused = run("priority", "rank", "--policy", "neutral-example", *form)
        assert refused.exit_code == 1, form
        assert refused.stdout == "", form
        assert "prioritisation is switched off" in refused.stderr
        assert "Traceback" not in refused.stderr
        assert run("priority", "on", "--reason", "the board approved it").exit_code == 0
    admin = bootstrap(Settings(database_url=database_url))
    try:
        assert oversight.run_records(store=admin.priority) == []
    finally:
        admin.close()


def test_a_switch_needs_a_reason(docket_with_facts):
    short = docket_with_facts("priority", "off", "--reason", "no")
    assert short.exit_code == 1
    assert "--reason" in short.stderr
    assert "prioritisation is on (never switched)" in docket_with_facts("priority", "status").stdout


def test_disparity_suppresses_groups_under_ten(docket_with_facts):
    run = docket_with_facts
    result = run("priority", "disparity", "--policy", "neutral-example")
    assert result.exit_code == 0, result.output
    assert "citizenship_country (groups: 1 shown, 1 suppressed)" in result.stdout
    assert "sex (groups: 1 shown, 1 suppressed)" in result.stdout
    assert "MX" not in result.stdout
    report = json.loads(
        run("priority", "disparity", "--policy", "neutral-example", "--json").stdout
    )
    citizenship = report["dimensions"]["citizenship_country"]
    assert [g["group"] for g in citizenship["groups"]] == ["GT"]
    assert citizenship["groups"][0]["cases"] == 11
    assert citizenship["suppressed_groups"] == 1
    assert report["dimensions"]["age_band"]["suppressed_groups"] == 0


def test_policies_lists_the_shipped_packs(run):
    result = run("priority", "policies")
    assert result.exit_code == 0
    assert "dhs-2021-guidelines" in result.stdout
    assert "2025-01-20" in result.stdout
    assert NEUTRAL.content_hash in result.stdout


PACK = """
name: local-test
version: "1"
effective_from: 2026-01-01
categories:
  - id: finding
    label: A finding
    weight: 50
    when: {fact: national_security_finding}
"""


def test_check_summarises_a_good_pack_and_names_the_field_of_a_bad_one(run, tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(PACK, encoding="utf-8")
    ok = run("priority", "check", str(good))
    assert ok.exit_code == 0, ok.output
    assert "ok: local-test 1" in ok.stdout
    assert "+50  category:finding" in ok.stdout

    protected = tmp_path / "protected.yaml"
    protected.write_text(
        PACK.replace("when: {fact: national_security_finding}", "when: {measure: nationality}"),
        encoding="utf-8",
    )
    refused = run("priority", "check", str(protected))
    assert refused.exit_code == 1
    assert "categories[0].when.measure: 'nationality' refers to nationality" in refused.stderr
    assert "protected attribute" in refused.stderr

    misspelt = tmp_path / "misspelt.yaml"
    misspelt.write_text(PACK.replace("weight: 50", "wieght: 50"), encoding="utf-8")
    unknown = run("priority", "check", str(misspelt))
    assert unknown.exit_code == 1
    assert "categories[0].wieght: unknown key" in unknown.stderr
