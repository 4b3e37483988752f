"""The docket read from stored snapshots scores and explains exactly as the same facts given as
objects; a run's kept output is the explanations it emitted, byte for byte."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading

import orjson
import pytest

from docket.bootstrap import Docket as Wired
from docket.cases.snapshot import fact_from_dict
from docket.priority import oversight, packs, service
from docket.priority.docket import Docket, SnapshotFacts
from docket.priority.scoring import Scorer
from docket.synthetic.facts import facts_for
from tests.builders import a_case, record
from tests.cases.scenarios import TODAY
from tests.priority import dockets

AS_OF = {"dhs-2021-guidelines": dt.date(2024, 6, 1), "neutral-example": TODAY}


@pytest.fixture(scope="module")
def snapshots() -> list[tuple[str, str, dt.date, dt.date | None, str]]:
    return dockets.snapshots(400)


def test_snapshot_facts_are_the_facts_of_the_snapshot(snapshots):
    for *_, text in snapshots[:50]:
        records = orjson.loads(text).get("facts", [])
        assert SnapshotFacts(text).facts() == [fact_from_dict(r) for r in records]
        assert len(SnapshotFacts(text)) == len(records)


def test_the_docket_keeps_each_fact_in_force_whole_without_the_snapshot(snapshots):
    docket = Docket.build([(r, p, o, b, SnapshotFacts(t)) for r, p, o, b, t in snapshots])
    in_force = [SnapshotFacts(text).facts(in_force=True) for *_, text in snapshots]
    assert [docket.case_facts(i) for i in range(len(docket))] == in_force
    assert any(f.corrections for facts in in_force for f in facts)


@pytest.mark.parametrize("name", sorted(AS_OF))
def test_snapshots_score_and_explain_as_the_same_facts_given_as_objects(snapshots, name):
    as_text = [(r, p, o, b, SnapshotFacts(t)) for r, p, o, b, t in snapshots]
    as_objects = [(r, p, o, b, SnapshotFacts(t).facts()) for r, p, o, b, t in snapshots]
    lazy, eager = Docket.build(as_text), Docket.build(as_objects)
    assert lazy.fact_values == eager.fact_values
    assert (lazy.fact_kind == eager.fact_kind).all()
    assert (lazy.fact_on == eager.fact_on).all()
    assert lazy.fact_count < sum(len(facts) for *_, facts in as_objects)  # some do not count
    pack = packs.load(name)
    one = list(Scorer(pack, lazy, AS_OF[name]).rank().top())
    other = list(Scorer(pack, eager, AS_OF[name]).rank().top())
    assert one == other
    assert [e.to_json() for e in one] == [e.to_json() for e in other]
    assert any(e.contributions for e in one)


def test_a_runs_kept_output_is_what_it_emitted(docket: Wired):
    today = docket.clock.now().date()
    for n in range(30):
        ref = f"DKT-O-{n}"
        opened_on = today - dt.timedelta(days=400)
        a_case(docket, ref, opened_on=opened_on)
        for kind, fields in facts_for(ref, seed=2, opened_on=opened_on, as_of=today):
            record(docket, ref, kind, fields=fields)
    shown = []
    summary = service.rank(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        pack=packs.load("neutral-example"),
        emit=shown.append,
    )
    with docket.priority.read() as tx:
        run = tx.run(summary.run_id)
        entries = list(oversight.run_entries(tx, summary.run_id))
    lines = b"".join(e.to_json() + b"\n" for e in shown)
    assert run is not None
    assert run.output_sha256 == hashlib.sha256(lines).hexdigest()
    assert entries == [e.to_dict() for e in shown]


def test_a_failing_emit_leaves_no_thread_behind(docket: Wired):
    a_case(docket, "DKT-O-1")

    def emit(_):
        raise RuntimeError("the pipe closed")

    with pytest.raises(RuntimeError):
        service.rank(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            pack=packs.load("neutral-example"),
            emit=emit,
        )
    assert not [t for t in threading.enumerate() if t.name == "priority-run-output"]
