"""The files ``generate`` writes: whole, or none of them; never half of one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from docket.cli.main import cli
from docket.errors import InvalidInput
from docket.synthetic import generate_dataset

AS_OF = dt.date(2025, 6, 30)


def _stop_after_the_first_rows(_rows: int) -> None:
    raise KeyboardInterrupt


def test_an_interrupted_generation_leaves_the_earlier_files_as_they_were(tmp_path: Path) -> None:
    earlier = generate_dataset(cases=50, seed=1, as_of=AS_OF, out_dir=tmp_path)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(
            cases=5000, seed=2, as_of=AS_OF, out_dir=tmp_path, progress=_stop_after_the_first_rows
        )
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    assert earlier.cases_path.exists()


def test_an_interrupted_first_generation_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        generate_dataset(
            cases=5000, seed=2, as_of=AS_OF, out_dir=tmp_path, progress=_stop_after_the_first_rows
        )
    assert list(tmp_path.iterdir()) == []


def test_an_out_dir_that_cannot_be_made_is_refused_naming_it(tmp_path: Path) -> None:
    (tmp_path / "a-file").touch()
    out = tmp_path / "a-file" / "data"
    with pytest.raises(InvalidInput, match=f"cannot write to {out}: Not a directory"):
        generate_dataset(cases=5, seed=1, as_of=AS_OF, out_dir=out)


def test_the_command_says_in_one_line_when_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "a-file").touch()
    out = tmp_path / "a-file" / "data"
    result = CliRunner().invoke(cli, ["generate", "--cases", "5", "--out", str(out)])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"error: cannot write to {out}: Not a directory [invalid_input]\n"
    )
    assert "unexpected" not in result.stderr


def test_the_command_refuses_a_negative_seed_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "data"
    result = CliRunner().invoke(
        cli, ["generate", "--cases", "5", "--seed", "-5", "--out", str(out)]
    )
    assert result.exit_code == 2
    assert "Invalid value for '--seed'" in result.stderr
    assert not out.exists()


def test_the_command_refuses_a_future_as_of_and_writes_nothing(tmp_path: Path) -> None:
    """Histories as of a day to come would be cases the import refuses as in the future."""
    out = tmp_path / "data"
    later = dt.datetime.now(dt.UTC).date() + dt.timedelta(days=2)
    result = CliRunner().invoke(
        cli, ["generate", "--cases", "5", "--out", str(out), "--as-of", later.isoformat()]
    )
    assert result.exit_code == 1
    assert f"error: --as-of {later} is in the future" in result.stderr
    assert not out.exists()


def test_a_cases_file_not_written_by_an_earlier_run_is_never_replaced(tmp_path: Path) -> None:
    """`docket generate --out .` where an agency's own export, cases.csv, lies."""
    theirs = tmp_path / "cases.csv"
    theirs.write_text("case_ref,a_number\nNYC-2023-001,A201234567\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["generate", "--cases", "5", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.endswith(
        f"error: {theirs} exists and is not from an earlier run (no truth.csv beside it): it "
        "is kept; choose another directory [invalid_input]\n"
    )
    assert theirs.read_text(encoding="utf-8") == "case_ref,a_number\nNYC-2023-001,A201234567\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cases.csv"]


def test_the_files_of_an_earlier_run_are_replaced(tmp_path: Path) -> None:
    generate_dataset(cases=5, seed=1, as_of=AS_OF, out_dir=tmp_path)
    again = generate_dataset(cases=7, seed=2, as_of=AS_OF, out_dir=tmp_path)
    assert again.rows == 7
    assert len(again.cases_path.read_text(encoding="utf-8").splitlines()) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cases.csv", "truth.csv"]
