"""``docket serve --workers N`` on a database it cannot use: said once, before any worker
starts, instead of every worker failing with a stack trace, and being started again, for ever."""

from __future__ import annotations

import socket
import subprocess
import sys


def test_serve_with_workers_on_a_missing_database_says_so_once_and_stops(tmp_path):
    missing = tmp_path / "docket.db"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    try:
        done = subprocess.run(
            [
                *(sys.executable, "-c", "from docket.cli.main import cli; cli()"),
                *("--database", f"sqlite:///{missing}", "serve", "--workers", "2", "--port", port),
            ],
            capture_output=True,
            text=True,
            timeout=60,  # a guard: without the check, the workers are restarted for ever
            check=False,
        )
    except subprocess.TimeoutExpired as stuck:
        raise AssertionError(f"serve kept running:\n{stuck.stderr!r}") from None
    assert done.returncode == 1
    assert done.stderr == (
        f"error: there is no database at {missing}: run `docket init` to make it "
        "[configuration_error]\n"
    )
