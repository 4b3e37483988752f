"""Bars only a pending appeal or motion holds up are imported only where one can be pending, and
then the move deciding it lifts them: no imported case is left where no move can reach. A bar a
live move places (a motion's automatic stay, a recorded departure) is imported only where the
core would have placed it."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.audit.verify import verify
from docket.cases.events import EventKind
from docket.cases.model import CaseState, CloseReason
from docket.cases.service import get_case
from docket.errors import RuleViolation
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from tests.builders import record
from tests.importing.case_rows import GOOD, write_rows


def _import(docket, tmp_path, *rows: dict[str, str]):
    path = write_rows(tmp_path / "cases.csv", list(rows))
    return import_cases(uow=docket.uow, clock=docket.clock, path=path, actor="importer")


def _row(**changes: str) -> dict[str, str]:
    return {**GOOD, "bars": "", **changes}


def test_a_motion_to_reopen_stay_comes_with_its_pending_motion_which_can_be_decided(
    docket, tmp_path
):
    stayed = _row(bars="motion_to_reopen_stay", in_absentia="true")
    report = _import(docket, tmp_path, stayed)
    assert (report.cases_imported, report.errors) == (1, [])
    case = get_case(uow=docket.uow, case_ref=GOOD["case_ref"])
    assert case.motion_pending
    record(
        docket, GOOD["case_ref"], EventKind.MOTION_TO_REOPEN_DECIDED, fields={"outcome": "denied"}
    )
    after = get_case(uow=docket.uow, case_ref=GOOD["case_ref"])
    assert (after.state, after.bars, after.motion_pending) == (CaseState.FINAL_ORDER, (), False)
    assert verify(SqlAuditStore(docket.engine)).is_ok  # the log rebuilds the pending motion


def test_a_motion_to_reopen_stay_on_an_order_not_made_in_absentia_is_refused_as_live(
    docket, tmp_path
):
    report = _import(docket, tmp_path, _row(bars="motion_to_reopen_stay", in_absentia="false"))
    assert [(e.row, e.column) for e in report.errors] == [(2, "bars")]
    assert "only to a motion to rescind an in-absentia order" in report.errors[0].reason
    # The same case, imported without the stay: the core refuses the stay live, for the reason
    # the import gave.
    assert _import(docket, tmp_path, _row(in_absentia="false")).errors == []
    with pytest.raises(RuleViolation, match="only to a motion to rescind an in-absentia order"):
        record(
            docket,
            GOOD["case_ref"],
            EventKind.MOTION_TO_REOPEN_FILED,
            fields={"automatic_stay": True},
        )


REFUSED = [
    (
        _row(bars="pending_appeal", appeal_filed_on="2025-06-10"),
        "pending_appeal cannot stand in state final_order",
    ),
    (
        _row(
            state_of_case="voluntary_departure",
            decision="voluntary_departure",
            vd_deadline_on="2025-09-01",
            final_on="",
            custody="none",
            custody_on="",
            bars="motion_to_reopen_stay",
        ),
        "motion_to_reopen_stay cannot stand in state voluntary_departure",
    ),
    (
        _row(
            state_of_case="in_proceedings",
            decision="",
            decided_on="",
            final_on="",
            bars="motion_to_reopen_stay",
        ),
        "motion_to_reopen_stay cannot stand in state in_proceedings",
    ),
]


@pytest.mark.parametrize(("row", "reason"), REFUSED)
def test_a_bar_nothing_could_lift_is_refused_naming_the_bars_column(docket, tmp_path, row, reason):
    report = _import(docket, tmp_path, row)
    assert [(e.row, e.column) for e in report.errors] == [(2, "bars")]
    assert reason in report.errors[0].reason
    assert report.cases_imported == 0


def test_a_pending_appeal_on_an_order_not_final_is_imported_and_can_be_decided(docket, tmp_path):
    appealed = _row(
        state_of_case="removal_ordered",
        final_on="",
        appeal_filed_on="2025-06-10",
        bars="pending_appeal",
    )
    assert _import(docket, tmp_path, appealed).errors == []
    record(docket, GOOD["case_ref"], EventKind.APPEAL_DECIDED, fields={"outcome": "dismissed"})
    assert get_case(uow=docket.uow, case_ref=GOOD["case_ref"]).state is CaseState.FINAL_ORDER


def test_a_recorded_departure_comes_with_its_date_and_legal_review_can_let_it_stand(
    docket, tmp_path
):
    reported = _row(bars="departure_reported", departed_on="2025-09-01")
    assert _import(docket, tmp_path, reported).errors == []
    case = get_case(uow=docket.uow, case_ref=GOOD["case_ref"])
    assert case.departed_on == dt.date(2025, 9, 1)
    record(
        docket,
        GOOD["case_ref"],
        EventKind.DEPARTURE_REVIEWED,
        fields={"outcome": "departure_stands"},
    )
    after = get_case(uow=docket.uow, case_ref=GOOD["case_ref"])
    assert (after.state, after.close_reason) == (CaseState.CLOSED, CloseReason.DEPARTURE_CONFIRMED)
    assert after.departed_on == dt.date(2025, 9, 1)
    assert verify(SqlAuditStore(docket.engine)).is_ok


UNDER_VOLUNTARY_DEPARTURE = {
    "state_of_case": "voluntary_departure",
    "decision": "voluntary_departure",
    "in_absentia": "",
    "vd_deadline_on": "2025-09-01",
    "final_on": "",
    "custody": "none",
    "custody_on": "",
}

REFUSED_DEPARTURES = [
    (_row(bars="departure_reported"), "departed_on", "required when the bar departure_reported"),
    (
        _row(departed_on="2025-09-01"),
        "departed_on",
        "only with close_reason departure_confirmed or the bar departure_reported",
    ),
    # before the case was opened: an exit record from before concerns no case made after it
    (
        _row(bars="departure_reported", departed_on="2024-01-15"),
        "departed_on",
        "is before case DKT-00000001 was opened (2024-02-01)",
    ),
    # recording a departure calls a scheduled removal off: no case stands scheduled with one
    (
        _row(
            state_of_case="removal_scheduled",
            removal_scheduled_for="2025-12-01",
            bars="departure_reported",
            departed_on="2025-09-01",
        ),
        "bars",
        "departure_reported cannot stand in state removal_scheduled",
    ),
    # left by the deadline: that is voluntary departure, confirmed, and the case closed
    (
        _row(**UNDER_VOLUNTARY_DEPARTURE, bars="departure_reported", departed_on="2025-08-01"),
        "departed_on",
        "is by the voluntary-departure deadline (2025-09-01)",
    ),
]


@pytest.mark.parametrize(("row", "column", "reason"), REFUSED_DEPARTURES)
def test_a_departure_is_taken_only_where_the_core_would_have_recorded_it(
    docket, tmp_path, row, column, reason
):
    report = _import(docket, tmp_path, row)
    assert [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0].reason
    assert report.cases_imported == 0
