"""Ctrl-C during an import with worker processes: the import stops without a stack trace from
any process, what was written is whole, and importing the file again finishes the job."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from docket.audit.verify import verify
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from docket.synthetic import generate_dataset

ROWS = 1000


def test_ctrl_c_stops_a_parallel_import_quietly_and_a_rerun_completes_it(
    database_url: str, docket, tmp_path: Path
):
    generate_dataset(cases=ROWS, seed=4, as_of=dt.date(2026, 11, 1), out_dir=tmp_path)
    stopped = subprocess.run(
        [
            *(sys.executable, "-m", "tests.importing.interrupted_import"),
            # Near the end, when the workers have prepared every batch and wait for more.
            *(database_url, str(tmp_path / "cases.csv"), str(ROWS - 100)),
        ],
        capture_output=True,
        text=True,
        start_new_session=True,  # the SIGINT goes to this process group, not to pytest's
        check=False,
    )
    assert stopped.returncode == 130, stopped.stderr
    assert "Traceback" not in stopped.stderr, stopped.stderr
    assert "KeyboardInterrupt" not in stopped.stderr
    store = SqlAuditStore(docket.engine)
    assert verify(store).is_ok
    again = import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=tmp_path / "cases.csv",
        actor="test",
        batch_size=200,
    )
    assert again.errors == []
    assert 0 < again.already_present < ROWS
    assert again.already_present + again.cases_imported == ROWS
    assert verify(store).is_ok
