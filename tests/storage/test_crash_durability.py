"""A writer killed with SIGKILL at random moments loses no acknowledged write, and the log it
leaves behind verifies."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from docket.audit.verify import verify
from docket.cases.idempotency import command_key
from docket.cases.service import show_case
from docket.storage.audit_store import SqlAuditStore
from tests.builders import in_proceedings

TRIALS = 10
ROOT = Path(__file__).resolve().parents[2]


def _run_and_kill(database_url: str, prefix: str, rng: random.Random) -> list[tuple[str, int]]:
    """Start a writer, let it acknowledge a random number of writes, then SIGKILL it at a
    random moment (often in the middle of the next transaction)."""
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.storage.crash_writer", database_url, "DKT-S-1", prefix],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert writer.stdout is not None
    acked: list[tuple[str, int]] = []
    wanted = rng.randint(90, 150)
    try:
        for line in writer.stdout:
            _, key, seq = line.split()
            acked.append((key, int(seq)))
            if len(acked) >= wanted:
                time.sleep(rng.random() * 0.004)
                break
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    # Lines already written by the writer before the kill were acknowledged too.
    acked.extend((key, int(seq)) for _, key, seq in (line.split() for line in writer.stdout))
    return acked


def test_every_acknowledged_write_survives_sigkill_exactly_once(docket):
    in_proceedings(docket)
    rng = random.Random(20261122)
    acked: list[tuple[str, int]] = []
    for trial in range(TRIALS):
        acked += _run_and_kill(str(docket.engine.url.render_as_string(False)), f"t{trial}", rng)
    assert len(acked) >= 1000
    with docket.engine.connect() as connection:
        stored = dict(
            connection.execute(sa.text("SELECT idempotency_key, result FROM commands")).all()
        )
        documents = connection.execute(
            sa.text("SELECT document_ref, seq FROM events WHERE kind = 'hearing_held'")
        ).all()
    by_document: dict[str, list[int]] = {}
    for document, seq in documents:
        by_document.setdefault(document, []).append(int(seq))
    for key, seq in acked:
        assert by_document.get(key) == [seq], f"acknowledged write {key} lost or duplicated"
        assert json.loads(stored[command_key(key, "crash.writer")])["event_seqs"] == [seq]
    # A write may have committed without its acknowledgement being printed; never the reverse.
    assert len(by_document) >= len(acked)
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    assert view.case.version == len(view.events)
    report = verify(SqlAuditStore(docket.engine))
    assert report.is_ok, report.problems
