"""A closed record is imported as the case it closed from, closed as the lifecycle closes it: that
case must be one its close reason closes and carry what its state carries (a removal executed
under a final order, a confirmed departure with its date), and the closed case keeps what a
live closing keeps."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.audit.verify import verify
from docket.cases.events import EventKind
from docket.cases.model import Case
from docket.cases.service import get_case
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from tests.builders import record
from tests.importing.case_rows import GOOD, write_rows

# GOOD: a removal order decided on 2025-06-01, not in absentia, final on 2025-07-02.
FINAL = {**GOOD, "custody": "none", "custody_on": "", "bars": ""}
REMOVED = {**FINAL, "state_of_case": "removed", "removal_scheduled_for": "2025-08-01"}
REMOVED["removed_on"] = "2025-08-01"
VOLUNTARY = {
    **FINAL,
    "state_of_case": "voluntary_departure",
    "decision": "voluntary_departure",
    "in_absentia": "",
    "vd_deadline_on": "2025-09-01",
    "final_on": "",
}
CLOSED = {"state_of_case": "closed"}
EXECUTED = {**REMOVED, **CLOSED, "close_reason": "removal_executed", "closed_on": "2025-08-05"}
DEPARTED = {
    **VOLUNTARY,
    **CLOSED,
    "close_reason": "departure_confirmed",
    "departed_on": "2025-08-20",
    "closed_on": "2025-10-01",
}
BARE = {
    **FINAL,
    **CLOSED,
    "decision": "",
    "in_absentia": "",
    "decided_on": "",
    "final_on": "",
    "closed_on": "2025-08-05",
}


def _import(docket, tmp_path, *rows: dict[str, str]):
    path = write_rows(tmp_path / "cases.csv", list(rows))
    return import_cases(uow=docket.uow, clock=docket.clock, path=path, actor="importer")


def _as_left(case: Case) -> tuple[object, ...]:
    """What a closing leaves of a case, but for its identity."""
    facts = [(fact.kind, fact.on) for fact in case.facts]
    return (
        case.state,
        case.state_since,
        case.close_reason,
        case.closed_on,
        case.decision,
        case.decided_on,
        case.vd_deadline_on,
        case.final_on,
        case.removal_scheduled_for,
        case.removed_on,
        case.departed_on,
        case.appeal_due_on,
        case.bars,
        case.custody,
        case.motion_pending,
        facts,
    )


AS_LIVE = [
    pytest.param(
        REMOVED, EventKind.CASE_CLOSED, {"reason": "removal_executed"}, EXECUTED, id="removed"
    ),
    pytest.param(
        VOLUNTARY,
        EventKind.DEPARTURE_CONFIRMED,
        {"departed_on": "2025-08-20"},
        DEPARTED,
        id="departed",
    ),
    pytest.param(
        FINAL,
        EventKind.CASE_CLOSED,
        {"reason": "duplicate"},
        {**FINAL, **CLOSED, "close_reason": "duplicate", "closed_on": "2025-10-01"},
        id="duplicate",
    ),
]


@pytest.mark.parametrize(("before", "kind", "fields", "closed"), AS_LIVE)
def test_a_closed_case_is_imported_as_the_lifecycle_closes_the_case_it_closed_from(
    docket, tmp_path, before, kind, fields, closed
):
    live = {**before, "case_ref": "DKT-LIVE", "a_number": "A301234567"}
    report = _import(docket, tmp_path, live, {**closed, "case_ref": "DKT-IMPORTED"})
    assert (report.errors, report.cases_imported) == ([], 2)
    closed_on = dt.date.fromisoformat(closed["closed_on"])
    record(docket, "DKT-LIVE", kind, fields=fields, occurred_on=closed_on)
    imported = get_case(uow=docket.uow, case_ref="DKT-IMPORTED")
    assert _as_left(imported) == _as_left(get_case(uow=docket.uow, case_ref="DKT-LIVE"))
    assert verify(SqlAuditStore(docket.engine)).is_ok  # the log rebuilds it as imported


REFUSED = [
    # removal_executed closes a removed case only (close_reason_state): an order, its becoming
    # final and the removal are what the reason rests on
    pytest.param(
        {**BARE, "close_reason": "removal_executed"},
        "close_reason",
        "removal_executed closes only a case in state removed, and this record's dates and "
        "decision reach charged",
        id="executed-on-a-charged-case",
    ),
    pytest.param(
        {**EXECUTED, "removal_scheduled_for": "", "removed_on": ""},
        "close_reason",
        "reach final_order",
        id="executed-without-removal",
    ),
    pytest.param(
        {**EXECUTED, "final_on": ""},
        "final_on",
        "required when the state is removed (closed for removal_executed, from removed)",
        id="executed-without-final-order",
    ),
    pytest.param(
        {**EXECUTED, "decision": "", "decided_on": "", "in_absentia": "", "final_on": ""},
        "final_on",
        "required when the state is removed",
        id="executed-without-order",
    ),
    # a confirmed departure is a departure on a day: departure_confirmed and departure_reviewed
    # both carry it, each only on a case it concerns and by the day it is recorded
    pytest.param(
        {**DEPARTED, "departed_on": ""},
        "departed_on",
        "required when close_reason is departure_confirmed",
        id="departed-without-departure",
    ),
    pytest.param(
        {**DEPARTED, "departed_on": "2025-05-20"},
        "departed_on",
        "is before voluntary departure was granted (2025-06-01)",
        id="departed-before-the-grant",
    ),
    pytest.param(
        {**DEPARTED, "departed_on": "2025-10-02"},
        "departed_on",
        "is after the day it is recorded on (2025-10-01)",
        id="departed-after-the-closing",
    ),
    pytest.param(
        {**BARE, "close_reason": "departure_confirmed", "departed_on": "2024-01-20"},
        "departed_on",
        "is before case DKT-00000001 was opened (2024-02-01)",
        id="departed-before-the-case",
    ),
    pytest.param(
        {**EXECUTED, "close_reason": "departure_confirmed", "departed_on": "2025-08-01"},
        "close_reason",
        "departure_confirmed closes only a case in state",
        id="departed-after-removal",
    ),
    pytest.param(
        {
            **FINAL,
            **CLOSED,
            "removal_scheduled_for": "2025-09-01",
            "close_reason": "departure_confirmed",
            "departed_on": "2025-08-20",
            "closed_on": "2025-10-01",
        },
        "close_reason",
        "decision reach removal_scheduled",  # recording the departure called the removal off
        id="departed-with-removal-scheduled",
    ),
    # the case it closed from carries what its state carries
    pytest.param(
        {
            **BARE,
            "decision": "relief_granted",
            "decided_on": "2025-06-01",
            "charged_on": "",
            "close_reason": "relief",
        },
        "charged_on",
        "required when the state is relief_granted (closed for relief, from relief_granted)",
        id="relief-without-charge",
    ),
    pytest.param(
        {**BARE, "final_on": "2025-07-02", "close_reason": "duplicate"},
        "decision",
        "must be removal_ordered or voluntary_departure in final_order",
        id="final-order-without-order",
    ),
]


@pytest.mark.parametrize(("row", "column", "reason"), REFUSED)
def test_a_closed_case_the_lifecycle_could_not_have_closed_is_refused(
    docket, tmp_path, row, column, reason
):
    report = _import(docket, tmp_path, row)
    assert [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0].reason
    assert report.cases_imported == 0


def test_a_case_closed_from_where_no_order_was_made_still_closes_for_what_needs_none(
    docket, tmp_path
):
    # Legal review may let stand a departure recorded on any open case, and verify a
    # citizenship claim on any: neither needs a decision.
    departed = {**BARE, "case_ref": "DKT-1", "close_reason": "departure_confirmed"}
    departed["departed_on"] = "2025-08-01"
    citizen = {**BARE, "case_ref": "DKT-2", "a_number": "", "close_reason": "citizenship_verified"}
    assert _import(docket, tmp_path, departed, citizen).errors == []
    assert get_case(uow=docket.uow, case_ref="DKT-1").departed_on == dt.date(2025, 8, 1)
