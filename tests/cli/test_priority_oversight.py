"""``docket priority`` under oversight, on each backend: determinations accepted or overridden
with a reason and kept by the oversight export, the stop control that leaves nothing scored,
shown or used while off (even a run refused at its end), and the disparity report's
suppression of groups under ten."""

from __future__ import annotations

import json
import os
import stat

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.priority import oversight, switch
from docket.priority.scoring import Scorer
from tests.cli import priority_cases
from tests.cli.priority_cases import NEUTRAL, _lines

OFF = "the policy is under review by the board"

docket_with_facts = priority_cases.docket_with_facts
"""The CLI on a database of twelve open cases, four of them with facts (a fixture)."""


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
    # the 11 GT cases are hidden with the one MX case: 12 - 11 would give that case away
    assert "citizenship_country (groups: 0 shown, 2 suppressed)" in result.stdout
    assert "sex (groups: 0 shown, 2 suppressed)" in result.stdout
    assert "MX" not in result.stdout
    assert "GT" not in result.stdout
    report = json.loads(
        run("priority", "disparity", "--policy", "neutral-example", "--json").stdout
    )
    citizenship = report["dimensions"]["citizenship_country"]
    assert citizenship == {"groups": [], "suppressed_groups": 2}
    (band,) = report["dimensions"]["age_band"]["groups"]
    assert band["cases"] == report["cases"] == 12
    assert report["dimensions"]["age_band"]["suppressed_groups"] == 0


def test_an_export_that_cannot_be_written_is_one_clear_line_and_leaves_nothing(run, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    too_long = folder / ("x" * 300 + ".jsonl")  # no file system takes such a name
    refused = run("priority", "oversight", "--export", str(too_long))
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: cannot write {too_long}: ")
    assert refused.stderr.endswith("[invalid_input]\n")
    assert list(folder.iterdir()) == []


def test_an_export_over_a_pipe_is_refused_not_put_in_its_place(run, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    pipe = folder / "pipe"
    os.mkfifo(pipe)
    refused = run("priority", "oversight", "--export", str(pipe), "--force")
    assert refused.exit_code == 1
    assert (
        refused.stderr
        == f"error: {pipe} is not a file: the export is written to a file [invalid_input]\n"
    )
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert [p.name for p in folder.iterdir()] == ["pipe"]
