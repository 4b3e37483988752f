"""``audit checkpoint --out``: a checkpoint is written whole to a new file, or not at all;
``audit verify --checkpoint`` says what the checkpoints it checked showed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def test_a_checkpoint_never_replaces_an_existing_file(run, tmp_path: Path):
    kept = tmp_path / "monday.json"
    assert run("audit", "checkpoint", "--out", str(kept)).exit_code == 0
    monday = kept.read_bytes()
    again = run("audit", "checkpoint", "--out", str(kept))
    assert again.exit_code == 1
    assert again.stderr == (
        f"error: {kept} exists already: a checkpoint is never written over another; choose a "
        "new file [invalid_input]\n"
    )
    assert kept.read_bytes() == monday


def test_a_checkpoint_into_a_missing_directory_says_so_in_one_line(run, tmp_path: Path):
    out = tmp_path / "no-such-dir" / "checkpoint.json"
    result = run("audit", "checkpoint", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr == (
        f"error: cannot write {out}: No such file or directory [invalid_input]\n"
    )
    assert not out.parent.exists()


def test_a_checkpoint_written_leaves_no_other_file(run, tmp_path: Path):
    out = tmp_path / "checkpoints" / "checkpoint.json"
    out.parent.mkdir()
    assert run("audit", "checkpoint", "--out", str(out)).exit_code == 0
    assert [p.name for p in out.parent.iterdir()] == ["checkpoint.json"]
    assert run("audit", "verify", "--checkpoint", str(out)).exit_code == 0


@pytest.mark.parametrize("listed", ["[]", "{}", '"none"'])
def test_a_checkpoint_file_emptied_of_its_checkpoints_fails_verify(run, tmp_path: Path, listed):
    """It would pass, having checked nothing, where the whole file proved the log's head."""
    out = tmp_path / "checkpoint.json"
    assert run("audit", "checkpoint", "--out", str(out)).exit_code == 0
    emptied = tmp_path / "emptied.json"
    emptied.write_text(f'{{"format": "docket-checkpoint-1", "checkpoints": {listed}}}\n')
    result = run("audit", "verify", "--checkpoint", str(out), "--checkpoint", str(emptied))
    assert result.exit_code == 1
    assert result.stderr.endswith("[invalid_input]\n")
    assert str(emptied) in result.stderr
    assert "ok:" not in result.stdout


def test_verify_says_how_many_checkpoints_held_and_what_that_means(run, tmp_path: Path):
    signed = tmp_path / "checkpoint.json"
    assert run("audit", "checkpoint", "--out", str(signed)).exit_code == 0
    file = json.loads(signed.read_text(encoding="utf-8"))
    one = tmp_path / "one.json"  # each checkpoint is signed on its own: one may be kept alone
    one.write_text(json.dumps(file | {"checkpoints": file["checkpoints"][:1]}), encoding="utf-8")
    said = {
        given: run("audit", "verify", *given).stdout
        for given in [(), ("--checkpoint", str(one)), ("--checkpoint", str(signed))]
    }
    held = "signed is still in its chain, at the length it signed\n"
    assert [text.split("; ")[-1] for text in said.values()] == [
        "no checkpoint given\n",
        f"1 checkpoint held: the head it {held}",
        f"3 checkpoints held: the head each {held}",
    ]
    assert "0 access log entries and 0 departure reports chained" in said[()]


def test_verify_counts_one_of_a_kind_in_the_singular():
    from docket.cli.audit import _count

    assert [_count(n, "access log entry") for n in (0, 1, 2)] == [
        "0 access log entries",
        "1 access log entry",
        "2 access log entries",
    ]
    assert _count(1, "record") == "1 record"
