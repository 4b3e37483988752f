"""``audit checkpoint --out``: a checkpoint is written whole to a new file, or not at all."""

from __future__ import annotations

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
