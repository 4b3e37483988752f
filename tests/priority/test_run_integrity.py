"""A kept ranking run cannot be changed or removed in the database, and ``audit verify``
compares each run's kept output with the digest its ``priority_ranked`` event put on the
chain: an output changed behind Docket's back, a run removed, or a run slipped in without an
event is a finding."""

from __future__ import annotations

import hashlib
import zlib

import pytest
import sqlalchemy as sa

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.priority import packs, service
from docket.storage.audit_store import SqlAuditStore
from tests.audit.tampering import tamper
from tests.priority.service_cases import convicted, open_priority_case

NEUTRAL = packs.load("neutral-example")


@pytest.fixture
def run_id(docket: Docket) -> str:
    for ref in ("DKT-R-1", "DKT-R-2"):
        open_priority_case(docket, ref)
    convicted(docket, "DKT-R-2")
    summary = service.rank(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        pack=NEUTRAL,
        emit=lambda _: None,
    )
    assert not verify(SqlAuditStore(docket.engine)).problems
    return summary.run_id


def _problems(docket: Docket) -> list[str]:
    return verify(SqlAuditStore(docket.engine)).problems


@pytest.mark.parametrize(
    "statement", ["UPDATE priority_runs SET purpose = 'x'", "DELETE FROM priority_runs"]
)
def test_kept_runs_are_append_only_in_the_database(docket: Docket, run_id: str, statement: str):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), docket.engine.begin() as c:
        c.execute(sa.text(statement))


def test_verify_finds_an_output_changed_with_its_recorded_digest(docket: Docket, run_id: str):
    # Rewritten consistently in its own table (the recorded digest too): only the chained
    # event still holds the digest of what the run showed.
    forged = b'{"case_ref":"DKT-R-1","rank":1,"category":null,"score":0}\n'
    tamper(
        docket.engine,
        "UPDATE priority_runs SET output = :output, output_sha256 = :digest WHERE run_id = :id",
        params={
            "output": zlib.compress(forged),
            "digest": hashlib.sha256(forged).hexdigest(),
            "id": run_id,
        },
    )
    (problem,) = _problems(docket)
    assert problem.startswith(f"ranking run {run_id}: its kept output does not match")


def test_verify_finds_an_unreadable_output(docket: Docket, run_id: str):
    tamper(
        docket.engine,
        "UPDATE priority_runs SET output = :output WHERE run_id = :id",
        params={"output": b"not zlib", "id": run_id},
    )
    (problem,) = _problems(docket)
    assert "does not match the digest on the log" in problem


def test_verify_finds_a_removed_run(docket: Docket, run_id: str):
    tamper(docket.engine, "DELETE FROM priority_runs")
    assert _problems(docket) == [
        f"ranking run {run_id}: named on the log, but its record is missing"
    ]


def test_verify_finds_a_run_kept_without_an_event(docket: Docket, run_id: str):
    tamper(
        docket.engine,
        "INSERT INTO priority_runs (run_id, ran_at, ran_by, purpose, policy_name, "
        "policy_version, policy_hash, as_of, rescinded_allowed, office, cases_scored, "
        "cases_shown, output_sha256, output) SELECT 'forged', ran_at, ran_by, purpose, "
        "policy_name, policy_version, policy_hash, as_of, rescinded_allowed, office, "
        "cases_scored, cases_shown, output_sha256, output FROM priority_runs",
    )
    assert _problems(docket) == ["ranking run forged: kept, but no event on the log names it"]


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ran_by", "someone.else"),
        ("purpose", "a purpose never given"),
        ("policy_hash", "0" * 64),
        ("as_of", "2001-01-01"),
        ("office", "ZZZ"),
        ("cases_shown", 0),
        ("rescinded_allowed", True),
    ],
)
def test_verify_finds_a_run_s_details_changed_behind_docket_s_back(
    docket: Docket, run_id: str, column: str, value: object
):
    """The oversight record shows who ran a run, why, under what policy, as of when: each is
    on the chained event too, and a change to the kept one is a finding."""
    tamper(
        docket.engine,
        f"UPDATE priority_runs SET {column} = :value WHERE run_id = :id",
        params={"value": value, "id": run_id},
    )
    problems = _problems(docket)
    assert len(problems) == 1, problems
    assert problems[0] == (
        f"ranking run {run_id}: its kept {column} differ from what the log says of it "
        "(changed after the run)"
    )
