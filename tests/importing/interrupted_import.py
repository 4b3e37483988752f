"""An import stopped by Ctrl-C at a terminal, for ``test_interrupted_import``.

Usage: python -m tests.importing.interrupted_import DATABASE_URL CSV_FILE ROWS
Imports CSV_FILE with two worker processes and, once ROWS rows are written, sends SIGINT to its
whole process group, as Ctrl-C at a terminal does (run it in a session of its own). Exits 130
when the import stopped for it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from docket.bootstrap import bootstrap
from docket.config import Settings
from docket.importing.cases_csv import import_cases


def main(database_url: str, path: str, rows: str) -> int:
    written = [0]

    def interrupt(batch: int) -> None:
        written[0] += batch
        if written[0] >= int(rows):
            os.killpg(os.getpgid(0), signal.SIGINT)

    docket = bootstrap(Settings(database_url=database_url))
    try:
        import_cases(
            uow=docket.uow,
            clock=docket.clock,
            path=Path(path),
            actor="test",
            batch_size=50,
            workers=2,
            progress=interrupt,
        )
    except KeyboardInterrupt:
        return 130
    finally:
        docket.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
