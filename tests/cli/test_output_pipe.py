"""Running the command: as `python -m`, and with its output piped into a reader that stops
early (`docket case list | head`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def test_output_into_a_closed_pipe_ends_quietly():
    reading, writing = os.pipe()
    os.close(reading)  # the reader has gone before the first line is written: like `| head -0`
    try:
        done = subprocess.run(
            [sys.executable, "-c", "from docket.cli.main import cli; cli()", "case", "moves"],
            stdout=writing,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(writing)
    assert done.stderr == ""
    assert done.returncode == 1


@pytest.mark.parametrize("module", ["docket", "docket.cli.main"])
def test_python_dash_m_runs_the_command_rather_than_nothing(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "case", "list", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Usage: ")
    assert "case list [OPTIONS]" in done.stdout
