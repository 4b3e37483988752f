"""``docket priority rank`` and ``explain``, on each backend: a ranking as a table, JSON lines
whose contributions add up to the score, or CSV with the top n; one office's ranking; a
rescinded policy refused unless allowed; and explanations of each contribution with its facts
and measures, from the latest run in English or Spanish, refused once its policy has changed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest

from docket.bootstrap import bootstrap
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id, open_case
from docket.config import Settings
from docket.priority import packs
from tests.cli import priority_cases
from tests.cli.priority_cases import NEUTRAL, _lines, _years_ago

docket_with_facts = priority_cases.docket_with_facts
"""The CLI on a database of twelve open cases, four of them with facts (a fixture)."""


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


def _runs(run, folder) -> list[dict]:
    """The ranking runs kept for oversight, as ``docket priority oversight`` exports them."""
    export = folder / "runs.jsonl"
    assert run("priority", "oversight", "--export", str(export), "--force").exit_code == 0
    return [r for r in _lines(export.read_text(encoding="utf-8")) if r["type"] == "run"]


def test_an_office_is_ranked_however_its_name_is_cased_or_spaced(docket_with_facts, tmp_path):
    for office in ("atl", " ATL "):
        result = docket_with_facts(
            "priority", "rank", "--policy", "neutral-example", "--office", office, "--json"
        )
        assert result.exit_code == 0, result.output
        assert [e["case_ref"] for e in _lines(result.stdout)] == ["DKT-P-03", "DKT-P-04"]
    assert [r["office"] for r in _runs(docket_with_facts, tmp_path)] == ["ATL", "ATL"]


@pytest.mark.parametrize("office", ["", "  ", "*", "A" * 17])
def test_an_office_that_names_no_office_is_refused_and_no_run_is_kept(
    docket_with_facts, tmp_path, office
):
    result = docket_with_facts(
        "priority", "rank", "--policy", "neutral-example", "--office", office
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: office: ")
    assert len(result.stderr.splitlines()) == 1
    assert _runs(docket_with_facts, tmp_path) == []


def test_a_policy_is_not_applied_for_a_day_still_to_come(docket_with_facts, tmp_path):
    run = docket_with_facts
    future = ("--policy", "neutral-example", "--as-of", "9999-12-31")
    for command in (("rank", *future), ("explain", "DKT-P-02", *future), ("disparity", *future)):
        refused = run("priority", *command)
        assert refused.exit_code == 1, refused.output
        assert "is after today" in refused.stderr
        assert refused.stdout == ""
    assert _runs(docket_with_facts, tmp_path) == []


def test_rank_as_csv_writes_a_case_ref_a_spreadsheet_would_run_with_a_quote_before_it(
    docket_with_facts, database_url
):
    """CSV injection: a case reference imported as ``=1+2`` is written ``'=1+2``, so a
    spreadsheet opening the ranking shows it and computes nothing."""
    docket = bootstrap(Settings(database_url=database_url))
    try:
        open_case(
            uow=docket.uow,
            clock=docket.clock,
            case_ref="=1+2",
            person=Person(
                person_id=new_person_id(),
                name=Name("Eva", "Lind"),
                date_of_birth=dt.date(1991, 1, 1),
            ),
            field_office="NYC",
            opened_on=priority_cases.TODAY - dt.timedelta(days=10),
            actor="officer.test",
            document_ref="I-213-X",
        )
    finally:
        docket.close()
    result = docket_with_facts("priority", "rank", "--policy", "neutral-example", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert "'=1+2" in [r["case_ref"] for r in rows]
    assert "=1+2" not in [r["case_ref"] for r in rows]
