"""Departure reports as received are on a hash chain of their own: the intake chains them,
the database refuses to change or delete them, and ``audit verify`` names any report changed
behind Docket's back; a signed checkpoint covers their chain too."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from docket.audit import checkpoint as checkpoints
from docket.audit.chain import chain_hash, link_body
from docket.audit.reports import DEPARTURES_CHAIN, REPORT_COLUMNS
from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.departures.service import accept_reports
from docket.storage.audit_store import SqlAuditStore
from docket.storage.migrate import downgrade, upgrade
from tests.audit.tampering import tamper
from tests.departures.intake_cases import report


@pytest.fixture
def reported(docket: Docket) -> Docket:
    """Four reports, taken in two batches."""
    for batch in (("X-1", "X-2"), ("X-3", "X-4")):
        accept_reports(
            store=docket.departures,
            clock=docket.clock,
            actor="intake.test",
            reports=[report(record_id=key, port=f"P{key}") for key in batch],
        )
    return docket


def _verify(docket: Docket, *cps, key=None):
    public = key.public_key() if key else None
    return verify(SqlAuditStore(docket.engine), checkpoints=list(cps), public_key=public)


def _reports(docket: Docket) -> list[dict[str, object]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM departure_reports ORDER BY report_seq"))
        return [dict(row._mapping) for row in rows]


def test_the_intake_chains_each_report_as_received(reported: Docket) -> None:
    verified = _verify(reported)
    assert verified.problems == []
    assert verified.departure_reports == 4
    stored = _reports(reported)
    assert [row["report_seq"] for row in stored] == [1, 2, 3, 4]
    prev = "0" * 64
    for row in stored:  # each link recomputed here, independently of the store
        expected = chain_hash(
            int(row["report_seq"]), link_body({n: row[n] for n in REPORT_COLUMNS}), prev
        )
        assert (row["prev_hash"], row["hash"]) == (prev, expected)
        prev = expected
    assert SqlAuditStore(reported.engine).chain_head(DEPARTURES_CHAIN).head_hash == prev


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE departure_reports SET departed_on = '2026-11-01' WHERE report_seq = 2",
        "UPDATE departure_reports SET content = replace(content, 'Ana', 'Ann') "
        "WHERE report_seq = 2",
        "UPDATE departure_reports SET recorded_by = 'someone.else' WHERE report_seq = 2",
        "DELETE FROM departure_reports WHERE report_seq = 2",
    ],
)
def test_the_database_refuses_to_change_or_delete_a_report_as_received(
    reported: Docket, statement: str
) -> None:
    with (
        pytest.raises(sa.exc.DatabaseError, match="append-only"),
        reported.engine.begin() as connection,
    ):
        connection.execute(sa.text(statement))
    assert _verify(reported).problems == []


def test_what_linkage_makes_of_a_report_stays_writable(reported: Docket) -> None:
    with reported.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE departure_reports SET status = 'review' WHERE report_seq = 2")
        )
    assert _verify(reported).problems == []


def test_an_edited_report_is_named(reported: Docket) -> None:
    tamper(
        reported.engine,
        "UPDATE departure_reports SET departed_on = '2026-11-01' WHERE report_seq = 3",
    )
    assert _verify(reported).problems == [
        "departures chain: departure report 3: contents do not match its hash (the departure "
        "report, or its hash, was edited)"
    ]


def test_a_deleted_report_is_found(reported: Docket) -> None:
    tamper(reported.engine, "DELETE FROM departure_reports WHERE report_seq = 2")
    assert _verify(reported).problems == [
        "departures chain: departure report 2: missing: the departure report chain goes on with "
        "departure report 3 (reports deleted or renumbered)"
    ]


def test_a_consistent_rewrite_of_the_reports_is_caught_by_their_checkpoint(
    reported: Docket,
) -> None:
    key = Ed25519PrivateKey.generate()
    head = SqlAuditStore(reported.engine).chain_head(DEPARTURES_CHAIN)
    signed = checkpoints.make_checkpoint(head, key, now=reported.clock.now())
    stored = _reports(reported)
    statements, prev = [], "0" * 64
    for row in stored:  # report 2's day moved, every hash after it recomputed, head too
        if row["report_seq"] == 2:
            row["departed_on"] = "2026-11-01"
        digest = chain_hash(
            int(row["report_seq"]), link_body({n: row[n] for n in REPORT_COLUMNS}), prev
        )
        statements.append(
            f"UPDATE departure_reports SET departed_on = '{row['departed_on']}', "
            f"prev_hash = '{prev}', hash = '{digest}' WHERE report_seq = {row['report_seq']}"
        )
        prev = digest
    statements.append(f"UPDATE chain_heads SET head_hash = '{prev}' WHERE chain = 'departures'")
    tamper(reported.engine, *statements)
    assert _verify(reported).problems == []  # the chain alone cannot tell
    assert _verify(reported, signed, key=key).problems == [
        f"departure report 4 does not match the checkpoint of {signed.created_at} (the "
        "departure report chain was rewritten)"
    ]


def test_reports_taken_before_the_chain_are_chained_by_the_migration(reported: Docket) -> None:
    before = [{n: row[n] for n in ("report_seq", *REPORT_COLUMNS)} for row in _reports(reported)]
    chained = [row["hash"] for row in _reports(reported)]
    downgrade(reported.engine, "0012")
    with reported.engine.connect() as connection:
        head = connection.execute(
            sa.text("SELECT count(*) FROM chain_heads WHERE chain = 'departures'")
        ).scalar()
    assert head == 0
    upgrade(reported.engine)
    after = _reports(reported)
    assert [{n: row[n] for n in ("report_seq", *REPORT_COLUMNS)} for row in after] == before
    assert [row["hash"] for row in after] == chained
    assert _verify(reported).problems == []
