"""The oversight log's page of one run: what the whole log gives, a page at a time."""

from __future__ import annotations

import pytest

from docket.bootstrap import Docket
from docket.errors import NotFound
from docket.priority import oversight, packs, service
from tests.priority.service_cases import convicted, open_priority_case

NEUTRAL = packs.load("neutral-example")


def test_a_run_s_page_is_the_log_s_entries_a_page_at_a_time(docket: Docket):
    for ref in ("DKT-P-1", "DKT-P-2", "DKT-P-3", "DKT-P-4"):
        open_priority_case(docket, ref)
    convicted(docket, "DKT-P-2")
    convicted(docket, "DKT-P-4", category="drug_trafficking")
    summary = service.rank(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        pack=NEUTRAL,
        emit=lambda _: None,
    )
    service.decide(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        case_ref="DKT-P-2",
        determination=service.Determination.ACCEPT,
        reason=None,
    )
    records = list(oversight.oversight(store=docket.priority, run_id=summary.run_id))
    header = {k: v for k, v in records[0].items() if k not in ("type", "fact_ids")}
    entries = [{k: v for k, v in r.items() if k != "type"} for r in records if r["type"] == "entry"]
    decided = [
        {k: v for k, v in r.items() if k != "type"} for r in records if r["type"] == "determination"
    ]
    assert len(entries) == 4
    assert len(records[0]["fact_ids"]) == 2
    assert len(decided) == 1
    for after in range(5):
        for limit in (1, 2, 10):
            page = oversight.run_page(
                store=docket.priority, run_id=summary.run_id, after=after, limit=limit
            )
            assert page.run == header
            assert page.facts_used == 2
            assert page.entries == entries[after : after + limit]
            assert page.more is (after + limit < 4)
            assert page.determinations == decided
    with pytest.raises(NotFound, match="no ranking run"):
        oversight.run_page(store=docket.priority, run_id="nope", after=0, limit=1)
    with pytest.raises(NotFound, match="no ranking run"):
        oversight.run_record(store=docket.priority, run_id="nope")
