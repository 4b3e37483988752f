"""The command line end to end: each command, and errors as one line with exit status 1."""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from docket.audit.chain import link_hash
from docket.cli.main import cli
from docket.importing.cases_csv import COLUMNS
from docket.storage import bulk_indexes
from docket.storage.rows import HASHED_COLUMNS
from docket.synthetic import generate_dataset
from tests.audit.tampering import rows, tamper
from tests.importing.case_rows import GOOD, write_rows

SCHEDULE_HEARING = (
    *("case", "record", "DKT-2", "hearing_scheduled"),
    *("--hearing-on", "2026-12-15", "--document", "EOIR-1"),
)


@pytest.fixture
def imported(run, tmp_path: Path):
    path = tmp_path / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow({c: GOOD.get(c, "") for c in COLUMNS})
        writer.writerow({**{c: GOOD.get(c, "") for c in COLUMNS}, "case_ref": "DKT-X", "sex": "Q"})
        writer.writerow(
            {
                **{c: "" for c in COLUMNS},
                "case_ref": "DKT-2",
                "family_name": "Okafor",
                "a_number": "A301112223",
                "field_office": "ATL",
                "state_of_case": "charged",
                "opened_on": "2026-01-05",
                "charged_on": "2026-01-09",
            }
        )
    return run("import", "cases", str(path))


def test_import_reports_refused_rows_and_exits_1(imported):
    assert imported.exit_code == 1
    assert "cases imported: 2" in imported.stdout
    assert "refused row 3, column sex: 'Q' is not one of F, M, X" in imported.stderr


def test_import_refuses_a_row_with_a_field_past_csvs_limit_and_prints_the_summary(run, tmp_path):
    path = tmp_path / "cases.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerow({c: GOOD.get(c, "") for c in COLUMNS})
        long = {c: GOOD.get(c, "") for c in COLUMNS}
        writer.writerow({**long, "case_ref": "DKT-2", "counsel": "x" * 200_000})
    result = run("import", "cases", str(path))
    assert result.exit_code == 1
    assert "rows read: 2; cases imported: 1" in result.stdout
    assert "refused row 3, column counsel: 200000 characters, longer than a field may be" in (
        result.stderr
    )
    assert run("case", "show", "DKT-2").exit_code == 1


def test_case_show_prints_state_bars_custody_and_timeline(run, imported):
    shown = run("case", "show", "DKT-00000001")
    assert shown.exit_code == 0
    assert "state:     final_order" in shown.stdout
    assert "stay_of_removal" in shown.stdout
    assert "custody:   detained since 2025-08-01" in shown.stdout
    assert "case_imported by officer.cli" in shown.stdout


def test_case_show_names_each_protected_status(run, imported):
    for status in ("tps", "parole"):
        recorded = run(
            *("case", "record", "DKT-2", "protected_status_recorded"),
            *("--status", status, "--document", f"DOC-{status}"),
        )
        assert recorded.exit_code == 0, recorded.output
    shown = run("case", "show", "DKT-2").stdout
    assert "protected_status (parole, since" in shown
    assert "protected_status (tps, since" in shown
    ended = run("case", "record", "DKT-2", "protected_status_ended", "--document", "D-3")
    assert ended.exit_code == 1
    assert "give the status that ended" in ended.stderr


def test_case_record_then_refusal_naming_the_bar(run, imported):
    ok = run(*SCHEDULE_HEARING)
    assert ok.exit_code == 0, ok.output
    assert "state in_proceedings, version 2" in ok.stdout
    refused = run(
        "case",
        "record",
        "DKT-00000001",
        "removal_scheduled",
        "--scheduled-for",
        "2026-12-20",
        "--document",
        "I-205-1",
    )
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1
    assert "stay_of_removal" in refused.stderr
    assert "[bar_in_force]" in refused.stderr
    assert "Traceback" not in refused.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["case", "record", "DKT-2", "hearing_scheduled", "--document", "D", "--room", "4"],
            "takes no field room",
        ),
        (["case", "record", "DKT-2", "hearing_scheduled", "--document", "D"], "needs hearing_on"),
        (["case", "record", "DKT-404", "hearing_held", "--document", "D"], "no case DKT-404"),
        (["case", "record", "DKT-2", "removal_executed", "--document", "D"], "not allowed"),
    ],
)
def test_bad_commands_fail_with_one_clear_line(run, imported, args, message):
    result = run(*args)
    assert result.exit_code == 1
    assert message in result.stderr
    assert result.stderr.count("\n") == 1


def test_case_list_filters_by_state_office_bar_and_deadline(run, imported):
    assert run("case", "list", "--state", "charged").stdout.startswith("DKT-2 ")
    assert run("case", "list", "--office", "HOU").stdout.startswith("DKT-00000001 ")
    assert run("case", "list", "--office", " hou").stdout.startswith("DKT-00000001 ")
    assert run("case", "list", "--bar", "stay_of_removal").stdout.startswith("DKT-00000001 ")
    assert run("case", "list", "--bar", "medical_hold").stdout == ""
    run(*SCHEDULE_HEARING)
    assert run("case", "list", "--deadline-before", "2026-12-16").stdout.startswith("DKT-00000001")


def test_audit_verify_passes_then_names_the_tampered_event(run, imported, database_url):
    assert run("audit", "verify").exit_code == 0
    from docket.storage.engine import make_engine

    engine = make_engine(database_url)
    tamper(engine, "UPDATE events SET actor = 'x' WHERE seq = 2")
    engine.dispose()
    failed = run("audit", "verify")
    assert failed.exit_code == 1
    assert "event 2: contents do not match its hash" in failed.stderr


def test_audit_verify_names_an_event_edited_with_its_hash_recomputed(run, imported, database_url):
    """Not the event after it, whose link to it no longer holds; exit status 1 all the same."""
    from docket.storage.engine import make_engine

    engine = make_engine(database_url)
    second = rows(engine)[1]
    forged = {name: second[name] for name in HASHED_COLUMNS} | {"actor": "x"}
    tamper(
        engine,
        "UPDATE events SET actor = 'x', hash = :hash WHERE seq = 2",
        params={"hash": link_hash(forged, second["prev_hash"])},
    )
    engine.dispose()
    failed = run("audit", "verify")
    assert failed.exit_code == 1
    assert "events chain: event 2: its hash is not the one event 3 follows on" in failed.stderr
    assert failed.stderr.endswith("[tamper_detected]\n")


def test_a_deleted_chain_head_fails_verify_and_refuses_writes_in_one_line(
    run, imported, database_url
):
    from docket.storage.engine import make_engine

    engine = make_engine(database_url)
    tamper(engine, "DELETE FROM chain_heads WHERE chain = 'events'")
    engine.dispose()
    failed = run("audit", "verify")
    assert failed.exit_code == 1
    assert "events chain: the chain head: missing" in failed.stderr
    refused = run("case", "record", "DKT-2", "medical_hold_placed", "--document", "D")
    assert refused.exit_code == 1
    assert refused.stderr.count("\n") == 1
    assert "[tamper_detected]" in refused.stderr
    assert "events chain has no head" in refused.stderr


def test_audit_checkpoint_then_verify_against_it(run, imported, tmp_path):
    out = tmp_path / "checkpoint.json"
    made = run("audit", "checkpoint", "--out", str(out))
    assert made.exit_code == 0
    assert out.exists()
    checked = run("audit", "verify", "--checkpoint", str(out))
    assert checked.exit_code == 0
    # the event log, the access log and the departure reports
    assert checked.stdout.endswith(
        "; 3 checkpoints held: the head each signed is still in its chain, at the length it "
        "signed\n"
    )
    assert "access log entries, head" in made.stdout
    assert "0 departure reports, head" in made.stdout


def test_an_unusable_database_url_is_one_line():
    result = CliRunner().invoke(cli, ["--database", "mysql://x/y", "case", "list"])
    assert result.exit_code == 1
    assert (
        result.stderr
        == "error: unsupported database 'mysql': use sqlite or postgresql [configuration_error]\n"
    )


def test_case_moves_lists_every_move_with_its_legal_basis():
    from docket.cases.table import TABLE

    result = CliRunner().invoke(cli, ["case", "moves"])
    assert result.exit_code == 0
    for kind, move in TABLE.items():
        assert f"{kind.value}: {move.summary}" in result.stdout
        assert move.legal_basis in result.stdout


def test_a_command_on_an_uninitialised_database_says_to_run_init(tmp_path):
    (tmp_path / "new.db").touch()  # an empty SQLite database
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(cli, ["--database", url, "case", "list"])
    assert result.exit_code == 1
    assert result.stderr == (
        "error: the database is not initialised: run `docket init` first [configuration_error]\n"
    )


def test_the_cli_starts_without_loading_splink() -> None:
    """Splink (and DuckDB) load only for the commands that train or relink: every other
    command starts without them."""
    probe = (
        "import sys, docket.cli.main; "
        "print(sorted(m for m in sys.modules if m.startswith(('splink', 'duckdb'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_a_large_import_says_when_it_builds_the_indexes_it_left_out(
    run, database_url, tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(bulk_indexes, "DEFERRED_FROM_ROWS", 100)
    generate_dataset(cases=150, seed=3, as_of=dt.date(2026, 11, 22), out_dir=tmp_path / "data")
    result = run("import", "cases", str(tmp_path / "data" / "cases.csv"))
    assert result.exit_code == 0
    assert "cases imported: 150" in result.stdout
    building = "building 9 indexes left out during the import" in result.stderr
    assert building == database_url.startswith("sqlite")  # PostgreSQL keeps its indexes


def test_an_interrupted_import_says_what_was_kept_and_how_to_finish(run, tmp_path, monkeypatch):
    import docket.cli.main

    def interrupted(**_options):
        raise KeyboardInterrupt

    monkeypatch.setattr(docket.cli.main, "import_cases", interrupted)
    path = tmp_path / "cases.csv"
    path.write_text(",".join(COLUMNS) + "\n", encoding="utf-8")
    result = run("import", "cases", str(path))
    assert result.exit_code == 130
    assert result.stderr.endswith(
        "interrupted: the batches written before it are kept, each whole; import the file "
        "again to finish (rows already imported are skipped)\n"
    )


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="Linux procfs")
def test_an_import_of_a_file_that_cannot_be_read_says_so_in_one_line(run):
    unreadable = "/proc/self/clear_refs"  # a file no one may read (write-only)
    result = run("import", "cases", unreadable)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"error: cannot read {unreadable}: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        (("--actor", ""), {}, "--actor names no one"),
        (("--actor", "   "), {}, "--actor names no one"),
        (("--actor", "x" * 201), {}, "--actor: at most 200 characters (201 given)"),
        ((), {"DOCKET_ACTOR": "y" * 300}, "DOCKET_ACTOR: at most 200 characters (300 given)"),
        ((), {"DOCKET_ACTOR": "bad\udcffbyte"}, "DOCKET_ACTOR: not valid text"),
    ],
)
def test_an_actor_that_names_no_one_is_refused_and_nothing_is_recorded(
    run, imported, database_url, args, env, said
):
    result = CliRunner().invoke(
        cli,
        [*SCHEDULE_HEARING, *args],
        env={"DOCKET_DATABASE_URL": database_url, "DOCKET_ACTOR": "officer.cli", **env},
    )
    assert result.exit_code == 1
    assert said in result.stderr
    assert "[invalid_input]" in result.stderr
    assert "hearing_scheduled" not in run("case", "show", "DKT-2").stdout


def test_a_stripped_actor_is_recorded(run, imported):
    assert run(*SCHEDULE_HEARING, "--actor", "  judge.clerk ").exit_code == 0
    assert "hearing_scheduled by judge.clerk" in run("case", "show", "DKT-2").stdout


@pytest.mark.parametrize("bad", ["bad\udcffbyte", "nul\x00"])
def test_an_argument_that_is_not_text_is_refused_by_place_and_nothing_is_recorded(
    run, imported, database_url, bad
):
    # What a shell passes for bytes that are not UTF-8 (Python makes them lone surrogates):
    # no database column takes them, and "unexpected UnicodeEncodeError" helped no one.
    result = CliRunner().invoke(
        cli,
        [*SCHEDULE_HEARING, "--actor", bad],
        env={"DOCKET_DATABASE_URL": database_url, "DOCKET_ACTOR": "officer.cli"},
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: argument 10 is not valid text (not UTF-8, or a NUL character) [invalid_input]\n"
    )
    assert "hearing_scheduled" not in run("case", "show", "DKT-2").stdout


@pytest.mark.skipif(not Path("/dev/fd").exists(), reason="/dev/fd names open files")
def test_an_import_from_a_pipe_reads_it_once_and_imports_its_rows(run, tmp_path):
    """`docket import cases <(zcat cases.csv.gz)`: a pipe cannot be read twice."""
    text = write_rows(tmp_path / "cases.csv", [GOOD]).read_text(encoding="utf-8")
    reading, writing = os.pipe()
    with os.fdopen(writing, "w", encoding="utf-8") as handle:
        handle.write(text)  # far less than a pipe holds: written whole before the import
    try:
        result = run("import", "cases", f"/dev/fd/{reading}")
    finally:
        os.close(reading)
    assert result.exit_code == 0, result.stderr
    assert "rows read: 1; cases imported: 1;" in result.stdout
    assert run("case", "show", GOOD["case_ref"]).exit_code == 0


def test_an_import_names_the_columns_it_ignored(run, tmp_path):
    path = write_rows(tmp_path / "cases.csv", [GOOD])
    header, row = path.read_text(encoding="utf-8").splitlines()
    path.write_text(f"{header},remarks\n{row},kept in the old system\n", encoding="utf-8")
    result = run("import", "cases", str(path))
    assert result.exit_code == 0
    assert "cases imported: 1;" in result.stdout
    assert "  columns ignored (unknown): remarks\n" in result.stderr


def test_case_show_writes_control_characters_of_a_record_as_escapes(run, docket):
    """A name taken through the API with ESC and a sequence in it: the terminal showing the
    case would obey it (here: clear the screen)."""
    from tests.builders import a_case, a_person

    a_case(docket, person=a_person(given="Ana\x1b[2J\x9b31m", family="Reyes\nstate: closed"))
    result = run("case", "show", "DKT-S-1")
    assert result.exit_code == 0
    assert (
        "  person:    Ana\\x1b[2J\\x9b31m Reyes\\x0astate: closed, born 1990-05-17" in result.stdout
    )
    assert not any(ch in result.stdout for ch in "\x1b\x9b")
