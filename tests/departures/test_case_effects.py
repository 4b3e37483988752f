"""What a confirmed departure does to the person's open cases: only a departure on or after
the case's grant (voluntary departure) or opening (any other case) touches it, and one after
the voluntary-departure deadline goes to legal review under the alternate order instead of
closing the case as if it had been complied with."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.model import BarKind, CaseState
from docket.cases.service import get_case, record_event
from docket.departures.metrics import metrics, recount
from docket.departures.model import Parsed, Status
from docket.departures.relink import links
from docket.departures.service import IntakeSummary, accept_reports
from docket.errors import BarInForce
from tests.departures.intake_cases import IN_PROCEEDINGS, TODAY, case_of, report, vd_case


def take(docket: Docket, *reports: Parsed) -> IntakeSummary:
    return accept_reports(
        store=docket.departures, clock=docket.clock, actor="intake.test", reports=list(reports)
    )


def live(docket: Docket) -> dict[str, Any]:
    return metrics(store=docket.departures, clock=docket.clock).to_dict()


def days_ago(days: int) -> str:
    return (TODAY - dt.timedelta(days=days)).isoformat()


def test_a_departure_before_the_grant_leaves_a_voluntary_departure_case_open(
    docket: Docket,
) -> None:
    ref = vd_case(docket)  # granted a month ago
    years_before = take(
        docket, report(record_id="OLD", a_number="012345678", departed_on="2019-03-01")
    )
    before_grant = take(
        docket, report(record_id="PRE", a_number="012345678", departed_on=days_ago(45))
    )
    for taken in (years_before, before_grant):
        assert taken.results[0].status is Status.LINKED  # the person's departure all the same
        assert taken.results[0].case_events == ()
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.VOLUNTARY_DEPARTURE
    assert case.departed_on is None
    figures = live(docket)
    assert figures["by_programme"] == {"no_case": 2}
    assert figures["voluntary_departure_compliance"]["confirmed_by_deadline"] == 0
    # a departure after the grant closes it
    after = take(docket, report(record_id="NEW", a_number="012345678", departed_on=days_ago(2)))
    assert after.results[0].case_events == (f"{ref}:departure_confirmed",)
    assert get_case(uow=docket.uow, case_ref=ref).state is CaseState.CLOSED
    assert live(docket)["voluntary_departure_compliance"]["confirmed_by_deadline"] == 1
    assert recount(store=docket.departures).agrees


def test_a_departure_before_the_case_opened_places_no_bar(docket: Docket) -> None:
    ref = case_of(docket, "023456789", "DKT-IP-1", *IN_PROCEEDINGS)  # opened 300 days ago
    taken = take(docket, report(record_id="OLD", a_number="023456789", departed_on="2019-03-01"))
    assert taken.results[0].case_events == ()
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.IN_PROCEEDINGS
    assert not case.has_bar(BarKind.DEPARTURE_REPORTED)
    assert live(docket)["by_programme"] == {"no_case": 1}
    since = take(docket, report(record_id="NEW", a_number="023456789", departed_on=days_ago(2)))
    assert since.results[0].case_events == (f"{ref}:departure_recorded",)
    assert get_case(uow=docket.uow, case_ref=ref).has_bar(BarKind.DEPARTURE_REPORTED)
    assert recount(store=docket.departures).agrees


def late_vd_case(docket: Docket, *more: tuple[EventKind, dict[str, object]]) -> str:
    """Voluntary departure granted by the judge 60 days ago, to depart by 40 days ago (the
    appeal window closed 30 days ago), with ``more`` recorded the same day."""
    grant = {"deadline_on": days_ago(40), "granted_by": "judge_at_conclusion"}
    moves = (*IN_PROCEEDINGS, (EventKind.VOLUNTARY_DEPARTURE_GRANTED, grant), *more)
    return case_of(docket, "034567890", "DKT-VD-LATE", *moves, on=TODAY - dt.timedelta(days=60))


def test_a_departure_after_the_deadline_takes_the_alternate_order_to_legal_review(
    docket: Docket,
) -> None:
    ref = late_vd_case(docket)
    taken = take(docket, report(a_number="034567890", departed_on=days_ago(10)))
    assert taken.results[0].case_events == (
        f"{ref}:voluntary_departure_expired",
        f"{ref}:departure_recorded",
    )
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.FINAL_ORDER  # the alternate order, not a compliant close
    assert case.close_reason is None
    assert case.has_bar(BarKind.DEPARTURE_REPORTED)  # enforcement stops; legal review decides
    compliance = live(docket)["voluntary_departure_compliance"]
    assert (compliance["confirmed_by_deadline"], compliance["confirmed_after_deadline"]) == (0, 1)
    assert recount(store=docket.departures).agrees


def test_a_departure_by_the_deadline_day_is_compliance(docket: Docket) -> None:
    ref = late_vd_case(docket)
    taken = take(docket, report(a_number="034567890", departed_on=days_ago(40)))
    assert taken.results[0].case_events == (f"{ref}:departure_confirmed",)
    assert get_case(uow=docket.uow, case_ref=ref).state is CaseState.CLOSED


def test_a_late_departure_under_appeal_is_recorded_under_the_grant_and_stops_enforcement(
    docket: Docket,
) -> None:
    ref = late_vd_case(docket, (EventKind.APPEAL_FILED, {"filed_by": "respondent"}))
    taken = take(docket, report(a_number="034567890", departed_on=days_ago(10)))
    assert taken.accepted == 1
    assert taken.results[0].status is Status.LINKED
    # the expiry is refused while the appeal is pending; the departure is recorded all the same
    assert taken.results[0].case_events == (f"{ref}:departure_recorded",)
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.VOLUNTARY_DEPARTURE
    assert case.departed_on == TODAY - dt.timedelta(days=10)
    assert {bar.kind for bar in case.bars} == {
        BarKind.PENDING_APPEAL,
        BarKind.DEPARTURE_REPORTED,
    }
    assert live(docket)["voluntary_departure_compliance"]["confirmed_after_deadline"] == 1
    again = take(docket, report(record_id="R-2", a_number="034567890", departed_on=days_ago(9)))
    assert again.results[0].case_events == ()  # recorded once; legal review pending
    # the appeal dismissed, the alternate order takes effect; the departure's bar stands
    for kind, fields in (
        (EventKind.APPEAL_DECIDED, {"outcome": "dismissed"}),
        (EventKind.VOLUNTARY_DEPARTURE_EXPIRED, {}),
    ):
        record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=ref,
            kind=kind,
            fields=fields,
            actor="officer.test",
            document_ref=f"DOC-{kind.value}",
        )
    final = get_case(uow=docket.uow, case_ref=ref)
    assert final.state is CaseState.FINAL_ORDER
    assert final.has_bar(BarKind.DEPARTURE_REPORTED)
    with pytest.raises(BarInForce, match="departure_reported"):
        record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=ref,
            kind=EventKind.REMOVAL_SCHEDULED,
            fields={"scheduled_for": (TODAY + dt.timedelta(days=7)).isoformat()},
            actor="officer.test",
            document_ref="I-166",
        )
    assert recount(store=docket.departures).agrees


def test_every_report_of_a_departure_that_closed_the_case_lists_that_case(docket: Docket) -> None:
    ref = vd_case(docket)
    take(docket, report("exit_record", "E-1", a_number="A012345678"))
    take(docket, report("carrier_manifest", "C-1", a_number="A012345678"))
    take(docket, report("self_report", "S-1", a_number="A012345678", departed_on=days_ago(1)))
    rows = links(store=docket.departures)
    assert len({row["departure_id"] for row in rows}) == 1
    assert [(row["source_record_id"], row["case_ref"]) for row in rows] == [
        ("E-1", ref),
        ("C-1", ref),
        ("S-1", ref),
    ]


@pytest.mark.parametrize("self_report_first", [True, False], ids=["before", "after"])
def test_a_self_reported_earlier_day_does_not_make_a_late_departure_compliance(
    docket: Docket, self_report_first: bool
) -> None:
    """The person says they left by the deadline; the exit record says ten days after it. In
    either order of arrival the case goes by the exit record (the alternate order, legal
    review), and so do the compliance figures: a self-report confirms nothing, its day
    included."""
    ref = late_vd_case(docket)
    said = report("self_report", "S-1", a_number="034567890", departed_on=days_ago(41))
    exit_record = report(record_id="E-1", a_number="034567890", departed_on=days_ago(30))
    for parsed in (said, exit_record) if self_report_first else (exit_record, said):
        take(docket, parsed)
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.FINAL_ORDER  # not closed as complied with
    assert case.departed_on == TODAY - dt.timedelta(days=30)
    figures = live(docket)
    assert figures["unique_departures"]["total"] == 1
    compliance = figures["voluntary_departure_compliance"]
    assert (compliance["confirmed_by_deadline"], compliance["confirmed_after_deadline"]) == (0, 1)
    assert recount(store=docket.departures).agrees


def test_a_departure_on_a_removal_scheduled_on_a_day_begun_only_east_of_utc_is_recorded(
    docket: Docket,
) -> None:
    """Removal scheduled at 12:00 UTC, dated the next day (begun in Kiribati): a departure
    reported the same hour calls it off, recorded on that day, not before the case entered
    removal_scheduled (which the case core refuses)."""
    ref = case_of(
        docket,
        "034567890",
        "DKT-E-1",
        *IN_PROCEEDINGS,
        (EventKind.REMOVAL_ORDERED, {"in_absentia": True}),
        (EventKind.ORDER_BECAME_FINAL, {}),
    )
    docket.clock.advance(hours=3)
    tomorrow = TODAY + dt.timedelta(days=1)
    record_event(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=ref,
        kind=EventKind.REMOVAL_SCHEDULED,
        fields={"scheduled_for": (TODAY + dt.timedelta(days=7)).isoformat()},
        occurred_on=tomorrow,
        actor="officer.test",
        document_ref="I-166",
    )
    taken = take(docket, report(record_id="E-1", a_number="034567890", departed_on=days_ago(0)))
    assert taken.results[0].case_events == (f"{ref}:departure_recorded",)
    case = get_case(uow=docket.uow, case_ref=ref)
    assert (case.state, case.state_since, case.departed_on) == (
        CaseState.FINAL_ORDER,
        tomorrow,
        TODAY,
    )
