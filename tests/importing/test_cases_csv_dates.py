"""Dates a legacy record may carry only as the lifecycle would have made them: an order final
after its appeal window or voluntary-departure deadline, a deadline no grant exceeds, a removal
scheduled under a final order, a person born before today and before their case was opened."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases.service import get_case
from docket.importing.cases_csv import import_cases
from tests.importing.case_rows import GOOD, write_rows

# GOOD: a removal order decided on 2025-06-01, not in absentia, not appealed.
VOLUNTARY = {"decision": "voluntary_departure", "vd_deadline_on": "2025-07-01", "in_absentia": ""}
REMOVED = {
    "state_of_case": "removed",
    "removal_scheduled_for": "2025-08-01",
    "removed_on": "2025-08-01",
    "custody": "none",
    "custody_on": "",
    "bars": "",
}

CLOSED_ON_RELIEF = {
    "state_of_case": "closed",
    "decision": "relief_granted",
    "in_absentia": "",
    "final_on": "",
    "custody": "none",
    "custody_on": "",
    "bars": "",
    "close_reason": "relief",
}

REFUSED = [
    # closed for relief with no decision granting it: the lifecycle closes for relief only a
    # case in relief_granted (close_reason_state)
    (
        {**CLOSED_ON_RELIEF, "decision": "", "decided_on": "", "closed_on": "2025-07-02"},
        "decision",
        "must be relief_granted when close_reason is relief",
    ),
    (
        {**CLOSED_ON_RELIEF, "close_reason": "termination", "closed_on": "2025-07-02"},
        "decision",
        "must be terminated when close_reason is termination",
    ),
    # closed on its decision inside the appeal window, which the lifecycle refuses
    # (appeal_window_open): the decision could still be appealed
    (
        {**CLOSED_ON_RELIEF, "closed_on": "2025-07-01"},
        "closed_on",
        "within the 30-day appeal window (until 2025-07-01)",
    ),
    (
        {
            **CLOSED_ON_RELIEF,
            "decision": "terminated",
            "close_reason": "termination",
            "closed_on": "2025-06-05",
        },
        "closed_on",
        "within the 30-day appeal window",
    ),
    ({"final_on": "2025-07-01"}, "final_on", "within the 30-day appeal window (until 2025-07-01)"),
    ({"appeal_filed_on": "2025-06-20", "final_on": "2025-06-10"}, "final_on", "before appeal_f"),
    ({**VOLUNTARY, "final_on": "2025-07-01"}, "final_on", "within the 30-day appeal window"),
    # a deadline inside the appeal window: the alternate order waits for the window as well
    (
        {**VOLUNTARY, "vd_deadline_on": "2025-06-20", "final_on": "2025-06-25"},
        "final_on",
        "within the 30-day appeal window (until 2025-07-01)",
    ),
    (
        {**VOLUNTARY, "vd_deadline_on": "2025-08-01", "final_on": "2025-08-01"},
        "final_on",
        "not after vd_deadline_on",
    ),
    # 121 days: no grant of voluntary departure allows more than 120 (INA § 240B)
    (
        {**VOLUNTARY, "vd_deadline_on": "2025-09-30", "final_on": "2025-10-01"},
        "vd_deadline_on",
        "more than 120 days after decided_on",
    ),
    ({**REMOVED, "removal_scheduled_for": "2025-07-01"}, "removal_scheduled_for", "before final"),
    ({"date_of_birth": "2031-01-01"}, "date_of_birth", "2031-01-01 is in the future"),
    # GOOD's case opened on 2024-02-01: on no one born after it (the two columns swapped?)
    ({"date_of_birth": "2024-02-02"}, "date_of_birth", "2024-02-02 is after opened_on (2024-02"),
]

ACCEPTED = [
    {"final_on": "2025-07-02"},
    {"in_absentia": "true", "final_on": "2025-06-01"},
    {"appeal_filed_on": "2025-06-20", "final_on": "2025-06-20"},
    {**VOLUNTARY, "final_on": "2025-07-02"},
    {**VOLUNTARY, "vd_deadline_on": "2025-06-20", "final_on": "2025-07-02"},
    {**VOLUNTARY, "vd_deadline_on": "2025-09-29", "final_on": "2025-09-30"},
    {**REMOVED, "removal_scheduled_for": "2025-07-02", "removed_on": "2025-07-02"},
    {"date_of_birth": "2024-02-01"},  # a child met at the border on its day of birth
    {**CLOSED_ON_RELIEF, "closed_on": "2025-07-02"},
]


def _import(docket, tmp_path, row: dict[str, str]):
    path = write_rows(tmp_path / "cases.csv", [{**GOOD, **row}])
    return import_cases(uow=docket.uow, clock=docket.clock, path=path, actor="importer")


@pytest.mark.parametrize(("changes", "column", "reason"), REFUSED)
def test_a_date_the_lifecycle_would_never_give_is_refused(
    docket, tmp_path, changes, column, reason
):
    report = _import(docket, tmp_path, changes)
    assert [(e.row, e.column) for e in report.errors] == [(2, column)]
    assert reason in report.errors[0].reason
    assert report.cases_imported == 0


@pytest.mark.parametrize("changes", ACCEPTED)
def test_the_first_day_the_lifecycle_allows_is_accepted(docket, tmp_path, changes):
    report = _import(docket, tmp_path, changes)
    assert (report.errors, report.cases_imported) == ([], 1)


GUAM_TODAY = {
    "state_of_case": "identified",
    "decision": "",
    "in_absentia": "",
    "opened_on": "2026-11-23",
    "charged_on": "",
    "decided_on": "",
    "final_on": "",
    "custody": "",
    "custody_on": "",
    "bars": "citizenship_claim",
}


def test_a_case_opened_on_a_day_begun_somewhere_is_taken_as_case_record_takes_it(docket, tmp_path):
    """At 12:00 UTC on 22 November it is already the 23rd in Guam (UTC+10): a case opened
    there that day is no case of the future, as ``case record`` and intake already hold. Its
    bars are placed no earlier than its opening."""
    early = _import(docket, tmp_path, GUAM_TODAY)  # 09:00 UTC: the 23rd has begun nowhere
    assert [(e.column, e.reason) for e in early.errors] == [
        ("opened_on", "2026-11-23 is in the future")
    ]
    docket.clock.advance(hours=3)
    report = _import(docket, tmp_path, GUAM_TODAY)
    assert (report.errors, report.cases_imported) == ([], 1)
    case = get_case(uow=docket.uow, case_ref=GOOD["case_ref"])
    assert case.opened_on == dt.date(2026, 11, 23)
    assert [(b.kind.value, b.placed_on) for b in case.bars] == [
        ("citizenship_claim", dt.date(2026, 11, 23))
    ]
