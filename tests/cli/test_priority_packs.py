"""``docket priority policies`` and ``check``, on each backend: the shipped policy packs listed
with their content hashes, and a pack checked, summarised when good and refused with the field
named when bad."""

from __future__ import annotations

from pathlib import Path

from tests.cli.priority_cases import NEUTRAL


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


def test_check_refuses_a_pack_whose_version_a_ranking_run_could_not_keep(run, tmp_path: Path):
    # PostgreSQL refused the run's row only once the whole docket was scored (DataError)
    long = tmp_path / "long.yaml"
    long.write_text(PACK.replace('version: "1"', f'version: "{"1" * 65}"'), encoding="utf-8")
    for command in (("check", str(long)), ("rank", "--policy", str(long))):
        refused = run("priority", *command)
        assert refused.exit_code == 1, refused.output
        assert (
            refused.stderr == "error: version: at most 64 characters (65 given) [invalid_input]\n"
        )


def test_a_pack_in_force_from_the_calendar_s_first_years_ranks(run, tmp_path: Path):
    # ten years before 0005-06-01 is before the first day there is: every fact is after it
    early = tmp_path / "early.yaml"
    text = PACK.replace("effective_from: 2026-01-01", "effective_from: 0001-01-01").replace(
        "when: {fact: national_security_finding}",
        "when: {fact: national_security_finding, where: {found_on: {within_years: 10}}}",
    )
    early.write_text(text, encoding="utf-8")
    ranked = run("priority", "rank", "--policy", str(early), "--as-of", "0005-06-01")
    assert ranked.exit_code == 0, ranked.output
    assert "0 open cases scored" in ranked.stdout


def test_a_pack_file_that_is_not_utf8_is_refused_by_name_by_every_command(run, tmp_path: Path):
    # rank, explain and disparity read --policy through packs.load, which let the decode
    # error through: "unexpected UnicodeDecodeError" instead of what was wrong
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(PACK.replace("A finding", "Une d\xe9couverte").encode("latin-1"))
    for command in (
        ("rank", "--policy", str(latin1)),
        ("explain", "DKT-1", "--policy", str(latin1)),
        ("disparity", "--policy", str(latin1)),
    ):
        refused = run("priority", *command)
        assert refused.exit_code == 1
        assert "cannot read policy latin1.yaml: not UTF-8 text" in refused.stderr, command
        assert "[invalid_input]" in refused.stderr
