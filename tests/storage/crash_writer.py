"""A writer that is killed mid-stream by ``test_crash_durability``.

Usage: python -m tests.storage.crash_writer DATABASE_URL CASE_REF KEY_PREFIX
Records ``hearing_held`` events for ever, each under its own idempotency key, and prints
``ACK <key> <seq>`` only after the write has committed.
"""

from __future__ import annotations

import sys
from itertools import count

from docket.bootstrap import SystemClock, bootstrap
from docket.cases.events import EventKind
from docket.cases.service import record_event
from docket.config import Settings


def main(database_url: str, case_ref: str, prefix: str) -> None:
    docket = bootstrap(Settings(database_url=database_url), clock=SystemClock(), migrate=False)
    out = sys.stdout
    for number in count():
        key = f"{prefix}-{number}"
        result = record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=case_ref,
            kind=EventKind.HEARING_HELD,
            fields={},
            actor="crash.writer",
            document_ref=key,
            idempotency_key=key,
        )
        out.write(f"ACK {key} {result.event_seqs[0]}\n")
        out.flush()


if __name__ == "__main__":
    main(*sys.argv[1:4])
