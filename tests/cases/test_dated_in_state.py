"""A move of the case's state is not dated before the case entered it (``Case.state_since``):
neither one that moves it on nor a step of the proceedings in it. Bars, custody and documented
facts may be dated earlier. The day is kept on the case and rebuilt from its events, imported
cases included."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import sqlalchemy as sa

from docket.cases import lifecycle, snapshot
from docket.cases.events import EventKind
from docket.cases.legacy import LegacyCase, to_case
from docket.cases.lifecycle import rebuild
from docket.cases.model import CaseId, CaseState, Decision, PersonId
from docket.cases.service import show_case
from docket.errors import InvalidInput
from tests.builders import a_case, record
from tests.cases.scenarios import FACT_SAMPLES, NOW, in_state

K = EventKind
S = CaseState
REFUSED = {"field": "occurred_on", "rule": "dated_before_current_state"}


def _event_count(docket) -> int:
    with docket.engine.connect() as connection:
        return int(connection.exec_driver_sql("SELECT count(*) FROM events").scalar_one())


def test_a_hearing_dated_before_the_charging_document_was_served_is_refused_and_nothing_saved(
    docket,
):
    today = docket.clock.now().date()
    charged_on, scheduled_on = today - dt.timedelta(days=100), today - dt.timedelta(days=90)
    a_case(docket)
    record(docket, "DKT-S-1", K.CHARGING_DOCUMENT_SERVED, occurred_on=charged_on)
    record(
        docket,
        "DKT-S-1",
        K.HEARING_SCHEDULED,
        occurred_on=scheduled_on,
        fields={"hearing_on": (today - dt.timedelta(days=60)).isoformat()},
    )
    before = _event_count(docket)
    for kind, fields in [(K.HEARING_HELD, {}), (K.REMOVAL_ORDERED, {})]:
        with pytest.raises(InvalidInput) as refused:
            record(
                docket,
                "DKT-S-1",
                kind,
                occurred_on=charged_on - dt.timedelta(days=1),
                fields=fields,
            )
        assert refused.value.details == REFUSED
        assert (
            f"{kind.value} on case DKT-S-1 cannot be dated {charged_on - dt.timedelta(days=1)}, "
            f"before the case entered state in_proceedings ({scheduled_on})"
        ) in refused.value.message
    assert _event_count(docket) == before
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    assert (view.case.version, view.case.state_since) == (3, scheduled_on)
    held = record(docket, "DKT-S-1", K.HEARING_HELD, occurred_on=scheduled_on)
    assert held.version == 4
    view = show_case(uow=docket.uow, case_ref="DKT-S-1")
    assert view.case.state_since == scheduled_on  # a step that keeps the state keeps the day
    assert rebuild(view.events) == view.case
    with docket.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT data FROM cases")).scalar_one()
    assert snapshot.parse_json(stored)["state_since"] == scheduled_on.isoformat()


def test_a_removal_cannot_be_carried_out_on_a_day_before_it_was_scheduled():
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    assert scheduled.case.final_on is not None
    assert scheduled.case.final_on < scheduled.on
    assert scheduled.case.state_since == scheduled.on
    with pytest.raises(InvalidInput) as refused:
        scheduled.then(K.REMOVAL_EXECUTED, days=-1)
    assert refused.value.details == REFUSED
    assert f"entered state removal_scheduled ({scheduled.on})" in refused.value.message
    removed = scheduled.then(K.REMOVAL_EXECUTED, days=0)
    assert (removed.case.state, removed.case.state_since) == (S.REMOVED, scheduled.on)


def test_bars_custody_and_facts_may_be_dated_before_the_state_began_but_not_move_it_on():
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    stayed = scheduled.then(K.STAY_GRANTED, days=-2, authority="court")
    assert stayed.case.state_since == scheduled.on
    booked = scheduled.then(K.CUSTODY_BOOKED, days=-2, facility="Krome")
    assert booked.case.state is S.REMOVAL_SCHEDULED
    fact = scheduled.then(K.APPREHENSION_RECORDED, days=-2, **FACT_SAMPLES[K.APPREHENSION_RECORDED])
    assert fact.case.state is S.REMOVAL_SCHEDULED
    # A motion filed before removal was scheduled stands, but granting it dated then would
    # take the case back to proceedings before it left them for the scheduled removal.
    filed = scheduled.then(K.MOTION_TO_REOPEN_FILED, days=-2)
    with pytest.raises(InvalidInput) as refused:
        filed.then(K.MOTION_TO_REOPEN_DECIDED, days=1, outcome="granted")
    assert refused.value.details == REFUSED
    reopened = filed.then(K.MOTION_TO_REOPEN_DECIDED, days=2, outcome="granted")
    assert (reopened.case.state, reopened.case.state_since) == (S.IN_PROCEEDINGS, scheduled.on)


@pytest.mark.parametrize("state", list(S))
def test_the_day_is_that_of_the_event_that_moved_the_case_there_and_rebuilt(state):
    built = in_state(state)
    cases = [rebuild(built.events[:n]) for n in range(1, len(built.events) + 1)]
    days = [
        event.occurred_on
        for event, before, after in zip(built.events[1:], cases[:-1], cases[1:], strict=True)
        if after.state is not before.state
    ]
    assert built.case.state_since == (days[-1] if days else built.case.opened_on)
    assert rebuild(built.events) == built.case


OPENED, CHARGED, DECIDED = dt.date(2020, 1, 6), dt.date(2020, 3, 2), dt.date(2021, 5, 3)
LEGACY = [
    (LegacyCase("DKT-L-1", "NYC", S.IDENTIFIED, OPENED), OPENED),
    (LegacyCase("DKT-L-1", "NYC", S.IN_PROCEEDINGS, OPENED, charged_on=CHARGED), CHARGED),
    (
        LegacyCase(
            "DKT-L-1",
            "NYC",
            S.REMOVAL_ORDERED,
            OPENED,
            decision=Decision.REMOVAL_ORDERED,
            charged_on=CHARGED,
            decided_on=DECIDED,
        ),
        DECIDED,
    ),
]


@pytest.mark.parametrize(("legacy", "since"), LEGACY)
def test_an_imported_case_is_in_its_state_since_the_latest_day_its_record_shows(legacy, since):
    case = to_case(
        legacy,
        case_id=CaseId("case-L"),
        person_id=PersonId("person-L"),
        today=NOW.date(),
        document_ref="LEGACY:1",
    )
    assert case.state_since == since
    event, imported = lifecycle.import_case(
        case, history=legacy.history(), actor="import.test", document_ref="L:1", recorded_at=NOW
    )
    assert rebuild([event]) == imported
    # Imported before cases kept the day: its import event rebuilds the same day from the
    # record's dates and the import's history (the charging date).
    case_data = snapshot.case_to_dict(imported)
    del case_data["state_since"]
    older = dataclasses.replace(event, data={"case": case_data, "history": legacy.history()})
    assert rebuild([older]) == imported


def test_an_imported_case_in_proceedings_takes_no_step_dated_before_its_charging():
    legacy, charged_on = LEGACY[1]
    case = to_case(
        legacy, case_id=CaseId("c"), person_id=PersonId("p"), today=NOW.date(), document_ref="L"
    )
    with pytest.raises(InvalidInput) as refused:
        lifecycle.record(
            case,
            kind=K.HEARING_HELD,
            fields={},
            occurred_on=charged_on - dt.timedelta(days=1),
            actor="officer.test",
            document_ref="DOC-1",
            recorded_at=NOW,
        )
    assert refused.value.details == REFUSED
