"""``audit checkpoint --out``: a checkpoint is written whole to a new file, or not at all."""

from __future__ import annotations

from pathlib import Path


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
