"""One row of the event log or the access log altered directly in the database, each way it
can be: ``audit verify`` names that row (the first not as Docket wrote it), never the one
after it."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from docket.audit.access import ACCESS_COLUMNS, AccessEntry, Outcome
from docket.audit.chain import chain_hash, link_body
from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.storage.audit_store import SqlAuditStore
from docket.storage.rows import HASHED_COLUMNS
from tests.audit.tampering import tamper
from tests.builders import in_proceedings

LOGS = {
    # table: (its chain, how findings name the log, its rows and one row; what a row's hash
    # covers besides its place)
    "events": ("events", ("log", "events", "event"), HASHED_COLUMNS),
    "access_log": ("access", ("access log", "entries", "access log entry"), ACCESS_COLUMNS),
}
LENGTH = 8


@pytest.fixture
def logged(docket: Docket) -> Docket:
    """Both logs :data:`LENGTH` rows long."""
    for ref in ("DKT-N-1", "DKT-N-2"):
        in_proceedings(docket, ref)
    assert len(_rows(docket, "events")) == LENGTH
    for n in range(LENGTH):
        entry = AccessEntry(
            at=docket.clock.now(),
            actor="nyc.officer",
            action="read_case",
            record_type="case",
            record_id=f"case-{n}",
            outcome=Outcome.ALLOWED,
        )
        docket.access_log.record([entry])
    return docket


def _rows(docket: Docket, table: str) -> list[dict[str, Any]]:
    with docket.engine.connect() as connection:
        result = connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY seq"))
        return [dict(row._mapping) for row in result]


def _rehashed(docket: Docket, table: str, seq: int, **changes: Any) -> str:
    """The hash row ``seq`` of ``table`` would have with ``changes`` made to it."""
    row = _rows(docket, table)[seq - 1] | changes
    values = {name: row[name] for name in LOGS[table][2]}
    return chain_hash(row["seq"], link_body(values), row["prev_hash"])


def _first_problem(docket: Docket) -> str:
    report = verify(SqlAuditStore(docket.engine))
    assert not report.is_ok
    return report.problems[0]


def _altered(text: str) -> str:
    """``text`` (a hash) with its first digit changed."""
    return ("f" if text[0] != "f" else "e") + text[1:]


@pytest.mark.parametrize("table", sorted(LOGS))
@pytest.mark.parametrize(
    ("change", "named", "problem"),
    [
        pytest.param(
            "SET actor = 'someone.else' WHERE seq = 5",
            5,
            "contents do not match its hash ({link}, or its hash, was edited)",
            id="content",
        ),
        pytest.param(
            "SET hash = :altered_hash WHERE seq = 5",
            5,
            "contents do not match its hash ({link}, or its hash, was edited)",
            id="hash",
        ),
        pytest.param(
            "SET prev_hash = :altered_prev WHERE seq = 5",
            5,
            "its prev_hash was altered (its contents follow the previous {row})",
            id="prev_hash",
        ),
        pytest.param(
            "SET actor = 'someone.else', hash = :rehashed WHERE seq = 5",
            5,
            "its hash is not the one {row} 6 follows on ({link} was edited and its hash "
            "recomputed, or replaced; or the link of {row} 6 to it was rewritten)",
            id="content_and_hash",
        ),
        pytest.param(
            "SET seq = 1000 WHERE seq = 5",
            5,
            "missing: the {log} goes on with {row} 6 ({rows} deleted or renumbered)",
            id="seq",
        ),
        pytest.param(  # the last row: no gap is left behind it
            "SET seq = 1000 WHERE seq = 8",
            8,
            "renumbered: it is stored as {row} 1000",
            id="seq_of_the_last",
        ),
        pytest.param(
            "SET seq = 0 WHERE seq = 1",
            1,
            "renumbered: it is stored as {row} 0",
            id="seq_of_the_first",
        ),
        pytest.param(  # read first, under its new number: the first row not as written
            "SET seq = -5 WHERE seq = 5",
            -5,
            "out of sequence: numbered before {row} 1, where the {log} starts",
            id="seq_to_the_front",
        ),
    ],
)
def test_the_altered_row_is_the_one_named(logged, table, change, named, problem):
    chain, (log, rows, row), _ = LOGS[table]
    fifth = _rows(logged, table)[4]
    tamper(
        logged.engine,
        f"UPDATE {table} {change}",
        params={
            "altered_hash": _altered(fifth["hash"]),
            "altered_prev": _altered(fifth["prev_hash"]),
            "rehashed": _rehashed(logged, table, 5, actor="someone.else"),
        },
    )
    expected = problem.format(row=row, rows=rows, log=log, link=f"the {row}")
    assert _first_problem(logged) == f"{chain} chain: {row} {named}: {expected}"
