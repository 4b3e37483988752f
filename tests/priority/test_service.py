"""Prioritisation on each backend: a ranking is kept for oversight and changes no case; a
determination is an event on the case, and an override needs a reason; while switched off
nothing is scored, shown or used; the disparity report suppresses small groups."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.service import get_case, show_case
from docket.errors import Conflict, IdempotencyConflict, InvalidInput, NotFound
from docket.priority import disparity, oversight, packs, service, switch
from docket.priority.scoring import Explanation
from docket.storage.audit_store import SqlAuditStore
from tests.builders import record
from tests.priority.service_cases import convicted, open_priority_case

K = EventKind
NEUTRAL = packs.load("neutral-example")


def _rank(docket: Docket, **kwargs) -> tuple[service.RunSummary, list[Explanation]]:
    shown: list[Explanation] = []
    summary = service.rank(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        pack=kwargs.pop("pack", NEUTRAL),
        emit=lambda entry: shown.append(entry.explanation()),
        **kwargs,
    )
    return summary, shown


@pytest.fixture
def ranked(docket: Docket) -> Docket:
    for ref in ("DKT-P-1", "DKT-P-2", "DKT-P-3"):
        open_priority_case(docket, ref)
    convicted(docket, "DKT-P-2")
    return docket


def test_a_ranking_is_kept_for_oversight_and_changes_no_case(ranked: Docket):
    docket = ranked
    before = [get_case(uow=docket.uow, case_ref=r) for r in ("DKT-P-1", "DKT-P-2", "DKT-P-3")]
    summary, shown = _rank(docket, purpose="weekly docket review")
    assert (summary.scored, summary.shown, summary.priorities) == (3, 3, 1)
    assert [e.case_ref for e in shown][:1] == ["DKT-P-2"]
    # the category, one sentence of 5 years or more, less five years since the offence
    assert shown[0].score == 60 + 10 - 10
    after = [get_case(uow=docket.uow, case_ref=r) for r in ("DKT-P-1", "DKT-P-2", "DKT-P-3")]
    assert after == before
    records = list(oversight.oversight(store=docket.priority))
    run = records[0]
    assert run["type"] == "run"
    assert (run["policy_name"], run["policy_hash"]) == ("neutral-example", NEUTRAL.content_hash)
    assert run["purpose"] == "weekly docket review"
    fact_id = shown[0].contributions[0].facts[0].fact_id
    assert run["fact_ids"] == [fact_id]
    entries = [r for r in records if r["type"] == "entry"]
    assert [e["case_ref"] for e in entries] == [e.case_ref for e in shown]
    assert entries[0]["contributions"][0]["facts"][0]["document_ref"] == "CERT-DISPO-1"
    assert not verify(SqlAuditStore(docket.engine)).problems


def test_a_determination_is_an_event_and_an_override_needs_a_reason(ranked: Docket):
    docket = ranked
    summary, _ = _rank(docket)
    version = get_case(uow=docket.uow, case_ref="DKT-P-2").version
    for reason in (None, "   ", "no"):
        with pytest.raises(InvalidInput, match="needs a written reason"):
            service.decide(
                store=docket.priority,
                clock=docket.clock,
                actor="supervisor.test",
                case_ref="DKT-P-2",
                determination=service.Determination.OVERRIDE,
                reason=reason,
            )
    assert get_case(uow=docket.uow, case_ref="DKT-P-2").version == version
    service.decide(
        store=docket.priority,
        clock=docket.clock,
        actor="supervisor.test",
        case_ref="DKT-P-2",
        determination=service.Determination.OVERRIDE,
        reason="conviction is on appeal; revisit when decided",
    )
    view = show_case(uow=docket.uow, case_ref="DKT-P-2")
    assert view.case.state.value == "identified"
    last = view.events[-1]
    assert last.kind is K.PRIORITY_DETERMINED
    assert last.actor == "supervisor.test"
    assert last.data["determination"] == "override"
    assert last.data["run_id"] == summary.run_id
    assert (last.data["category"], last.data["score"]) == ("recent_serious_conviction", 60)
    determinations = [
        r for r in oversight.oversight(store=docket.priority) if r["type"] == "determination"
    ]
    assert [(d["decided_by"], d["reason"]) for d in determinations] == [
        ("supervisor.test", "conviction is on appeal; revisit when decided")
    ]
    with pytest.raises(NotFound, match="no ranking run"):
        service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            case_ref="DKT-P-2",
            determination=service.Determination.ACCEPT,
            reason=None,
            run_id="nope",
        )
    assert not verify(SqlAuditStore(docket.engine)).problems


def test_a_determination_retried_with_its_key_is_recorded_once(ranked: Docket):
    docket = ranked
    summary, _ = _rank(docket)

    def decide(key: str, determination: service.Determination) -> service.Decided:
        return service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            case_ref="DKT-P-2",
            determination=determination,
            reason="agreed at the weekly docket review",
            idempotency_key=key,
        )

    first = decide("retry-1", service.Determination.ACCEPT)
    version = get_case(uow=docket.uow, case_ref="DKT-P-2").version
    again = decide("retry-1", service.Determination.ACCEPT)
    assert again == dataclasses.replace(first, replayed=True)
    assert (first.run_id, first.replayed) == (summary.run_id, False)
    assert get_case(uow=docket.uow, case_ref="DKT-P-2").version == version
    with pytest.raises(IdempotencyConflict, match="already used for a different request"):
        decide("retry-1", service.Determination.OVERRIDE)
    assert get_case(uow=docket.uow, case_ref="DKT-P-2").version == version
    assert decide("retry-2", service.Determination.ACCEPT).seq > first.seq


def test_nothing_is_scored_shown_or_used_while_switched_off(ranked: Docket):
    docket = ranked
    _rank(docket)
    runs_before = len(list(oversight.oversight(store=docket.priority)))
    switch.set_switch(
        store=docket.priority,
        clock=docket.clock,
        actor="admin.test",
        on=False,
        reason="suspended pending the oversight board's review",
    )
    state = switch.switch_state(store=docket.priority)
    assert (state.on, state.changed_by) == (False, "admin.test")
    calls = [
        lambda: _rank(docket),
        lambda: service.explain(
            store=docket.priority, clock=docket.clock, case_ref="DKT-P-2", pack=NEUTRAL
        ),
        lambda: service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            case_ref="DKT-P-2",
            determination=service.Determination.ACCEPT,
            reason=None,
        ),
        lambda: disparity.disparity(store=docket.priority, clock=docket.clock, pack=NEUTRAL),
    ]
    for call in calls:
        with pytest.raises(switch.SwitchedOff, match="switched off"):
            call()
    assert len(list(oversight.oversight(store=docket.priority))) == runs_before
    with pytest.raises(Conflict, match="already off"):
        switch.set_switch(
            store=docket.priority,
            clock=docket.clock,
            actor="admin.test",
            on=False,
            reason="once more for good measure",
        )
    with pytest.raises(InvalidInput, match="reason"):
        switch.set_switch(
            store=docket.priority, clock=docket.clock, actor="admin.test", on=True, reason=""
        )
    switch.set_switch(
        store=docket.priority,
        clock=docket.clock,
        actor="admin.test",
        on=True,
        reason="board approved resumption",
    )
    assert _rank(docket)[0].scored == 3
    with docket.priority.read() as tx:
        switches = tx.switch_events()
    assert [(e.kind, e.data["on"], e.actor) for e in switches] == [
        (K.PRIORITISATION_SWITCHED, False, "admin.test"),
        (K.PRIORITISATION_SWITCHED, True, "admin.test"),
    ]
    assert not verify(SqlAuditStore(docket.engine)).problems


def test_a_rescinded_pack_is_refused_for_a_later_date_without_the_flag(ranked: Docket):
    dhs = packs.load("dhs-2021-guidelines")
    with pytest.raises(InvalidInput, match="rescinded on 2025-01-20"):
        _rank(ranked, pack=dhs)
    summary, shown = _rank(ranked, pack=dhs, allow_rescinded=True)
    assert summary.scored == 3
    assert shown[0].category is not None
    assert shown[0].category.id == "public_safety"
    run = next(r for r in oversight.oversight(store=ranked.priority) if r["type"] == "run")
    assert run["rescinded_allowed"] is True


def _not_shown(report: dict, dimension: str) -> int:
    shown = report["dimensions"][dimension]["groups"]
    return int(report["cases"]) - sum(g["cases"] for g in shown)


def test_the_disparity_report_is_aggregates_with_small_groups_suppressed(docket: Docket):
    for n in range(12):
        open_priority_case(docket, f"DKT-G-{n:02d}", citizenship="GT", sex="F" if n % 2 else "M")
    for n in range(12):
        open_priority_case(docket, f"DKT-S-{n:02d}", citizenship="SV", sex="F")
    for n in range(4):
        open_priority_case(docket, f"DKT-M-{n:02d}", citizenship="MX", sex="M")
    for n in range(6):
        open_priority_case(docket, f"DKT-H-{n:02d}", citizenship="HN", sex="M")
    convicted(docket, "DKT-G-00")
    report = disparity.disparity(store=docket.priority, clock=docket.clock, pack=NEUTRAL)
    assert report["cases"] == 34
    countries = report["dimensions"]["citizenship_country"]
    assert [g["group"] for g in countries["groups"]] == ["GT", "SV"]
    assert countries["suppressed_groups"] == 2  # 4 and 6: 10 together, neither's size shown
    assert _not_shown(report, "citizenship_country") == 10
    gt = countries["groups"][0]
    assert gt["cases"] == 12
    assert gt["priority_share"] == round(1 / 12, 4)
    assert gt["categories"]["none"] == round(11 / 12, 4)
    sexes = {g["group"]: g["cases"] for g in report["dimensions"]["sex"]["groups"]}
    assert sexes == {"F": 18, "M": 16}
    assert report["dimensions"]["sex"]["suppressed_groups"] == 0
    assert "DKT-G-00" not in repr(report)


def test_a_small_group_s_size_cannot_be_worked_out_from_the_total(docket: Docket):
    """A group under 10 suppressed alone would be the total less the groups shown; the next
    smallest is suppressed with it, so what is not shown is 10 cases or more."""
    for n in range(12):
        open_priority_case(docket, f"DKT-G-{n:02d}", citizenship="GT")
    for n in range(11):
        open_priority_case(docket, f"DKT-S-{n:02d}", citizenship="SV")
    for n in range(3):
        open_priority_case(docket, f"DKT-M-{n:02d}", citizenship="MX", sex="M")
    report = disparity.disparity(store=docket.priority, clock=docket.clock, pack=NEUTRAL)
    countries = report["dimensions"]["citizenship_country"]
    assert [g["group"] for g in countries["groups"]] == ["GT"]
    assert countries["suppressed_groups"] == 2
    assert _not_shown(report, "citizenship_country") == 14
    assert report["dimensions"]["sex"]["groups"] == []  # 23 women and 3 men: both hidden
    assert report["dimensions"]["sex"]["suppressed_groups"] == 2
    for dimension in report["dimensions"]:
        assert _not_shown(report, dimension) in (0, *range(10, 27)), dimension


def test_explaining_one_case_gives_what_the_ranking_gave(ranked: Docket):
    _, shown = _rank(ranked)
    alone = service.explain(
        store=ranked.priority, clock=ranked.clock, case_ref="DKT-P-2", pack=NEUTRAL
    )
    assert dataclasses.replace(alone, rank=shown[0].rank) == shown[0]
    with pytest.raises(NotFound, match="no open case"):
        service.explain(store=ranked.priority, clock=ranked.clock, case_ref="NOPE", pack=NEUTRAL)


def test_a_corrected_fact_counts_as_corrected(ranked: Docket):
    docket = ranked
    fact_id = get_case(uow=docket.uow, case_ref="DKT-P-2").facts[0].fact_id
    record(
        docket,
        "DKT-P-2",
        K.FACT_CORRECTED,
        fields={
            "fact_id": fact_id,
            "field": "disposition",
            "value": "vacated",
            "reason": "vacated on direct appeal",
        },
        document_ref="ORDER-VACATUR-1",
    )
    alone = service.explain(
        store=docket.priority, clock=docket.clock, case_ref="DKT-P-2", pack=NEUTRAL
    )
    assert (alone.category, alone.score) == (None, 0)
    fact = get_case(uow=docket.uow, case_ref="DKT-P-2").facts[0]
    assert fact.value("disposition") == "vacated"
    assert len(fact.corrections) == 1
    assert not verify(SqlAuditStore(docket.engine)).problems


@pytest.mark.parametrize(
    ("born", "band"),
    [
        (None, "unknown"),
        (dt.date(2008, 6, 2), "under 18"),  # 17 until tomorrow
        (dt.date(2008, 6, 1), "18-24"),  # 18 today
        (dt.date(1991, 6, 1), "35-49"),
        (dt.date(1976, 6, 2), "35-49"),
        (dt.date(1976, 6, 1), "50-64"),
        (dt.date(1961, 6, 1), "65 and over"),
        (dt.date(1961, 6, 2), "50-64"),
        (dt.date(2004, 2, 29), "18-24"),  # 22 on a 1 June
    ],
)
def test_age_bands_are_whole_years_on_the_day(born: dt.date | None, band: str):
    assert disparity.age_bands([born], dt.date(2026, 6, 1)) == [band]


def test_a_determination_finds_its_own_case_in_the_run_not_one_whose_reference_extends_it(
    docket: Docket,
):
    open_priority_case(docket, "DKT-Q-1")
    open_priority_case(docket, "DKT-Q-10")
    convicted(docket, "DKT-Q-10")  # ranked first, and its reference begins with DKT-Q-1
    _rank(docket)
    for ref, score in (("DKT-Q-1", 0), ("DKT-Q-10", 60)):
        service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            case_ref=ref,
            determination=service.Determination.ACCEPT,
            reason=None,
        )
        last = show_case(uow=docket.uow, case_ref=ref).events[-1]
        assert (last.data["case_ref"], last.data["score"]) == (ref, score)


@pytest.mark.parametrize("actor", ["", "   "])
def test_a_ranking_a_determination_and_a_switch_need_a_named_person(ranked: Docket, actor: str):
    docket = ranked
    _rank(docket)
    version = get_case(uow=docket.uow, case_ref="DKT-P-2").version
    with pytest.raises(InvalidInput, match="needs an actor"):
        service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor=actor,
            case_ref="DKT-P-2",
            determination=service.Determination.ACCEPT,
            reason=None,
        )
    assert get_case(uow=docket.uow, case_ref="DKT-P-2").version == version
    runs = oversight.run_records(store=docket.priority)
    with pytest.raises(InvalidInput, match="needs an actor"):
        service.rank(
            store=docket.priority, clock=docket.clock, actor=actor, pack=NEUTRAL, emit=print
        )
    assert oversight.run_records(store=docket.priority) == runs
    with pytest.raises(InvalidInput, match="needs an actor"):
        switch.set_switch(
            store=docket.priority,
            clock=docket.clock,
            actor=actor,
            on=False,
            reason="suspended pending review",
        )
    assert switch.switch_state(store=docket.priority).on


def test_a_purpose_too_long_to_keep_is_refused_not_cut(ranked: Docket):
    docket = ranked
    with pytest.raises(InvalidInput, match="500 characters") as refused:
        _rank(docket, purpose="weekly review " * 40)
    assert refused.value.details["field"] == "purpose"
    assert oversight.run_records(store=docket.priority) == []
    _rank(docket, purpose="  weekly review  ")
    assert [r.purpose for r in oversight.run_records(store=docket.priority)] == ["weekly review"]


def test_no_determination_is_recorded_on_a_case_closed_since_its_ranking(ranked: Docket):
    docket = ranked
    _rank(docket)
    record(docket, "DKT-P-2", K.CASE_CLOSED, fields={"reason": "duplicate"})
    version = get_case(uow=docket.uow, case_ref="DKT-P-2").version
    with pytest.raises(Conflict, match="is closed") as refused:
        service.decide(
            store=docket.priority,
            clock=docket.clock,
            actor="supervisor.test",
            case_ref="DKT-P-2",
            determination=service.Determination.ACCEPT,
            reason=None,
        )
    assert refused.value.details["rule"] == "case_not_open"
    assert get_case(uow=docket.uow, case_ref="DKT-P-2").version == version
