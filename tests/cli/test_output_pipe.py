"""Output piped into a command that stops reading early (``docket case list | head``)."""

from __future__ import annotations

import os
import subprocess
import sys


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
