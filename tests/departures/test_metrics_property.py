"""The live exit metrics, kept up to date report by report, equal a full recount from the
reports after any interleaving of sources, parties, dates and batches (Hypothesis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.departures.metrics import metrics, recount
from docket.departures.model import Source, parse_report
from docket.departures.service import accept_reports
from tests.departures.intake_cases import IN_PROCEEDINGS, case_of, vd_case

PEOPLE = [
    {"given_name": "Ana", "family_name": "Reyes", "date_of_birth": "1990-05-17"},
    {"given_name": "Luis", "family_name": "Reyes", "date_of_birth": "1990-05-17"},
    {"given_name": "Marta", "family_name": "Soto", "document_number": "P99"},
    {"given_name": "Ana", "family_name": "Reyes", "a_number": "012345678"},
    {"given_name": "Jon", "family_name": "Lee", "a_number": "023456789"},
    {"given_name": "Noor", "family_name": "Haddad"},
    {"given_name": "Ana", "family_name": "Reyes", "a_number": "045678901"},
]
"""Parties the reports are of: unlinked individuals grouped by name and birth date or by
document, one with nothing to group by, and three persons with cases (by A-number)."""

_serial = itertools.count()

reports = st.lists(
    st.tuples(
        st.sampled_from(list(Source)),
        st.integers(0, len(PEOPLE) - 1),
        st.integers(0, 90),  # days before today
        st.sampled_from(["", "JFK", "MIA"]),
    ),
    min_size=1,
    max_size=25,
)


@pytest.fixture
def with_cases(docket: Docket) -> Docket:
    """The docket with the three persons' cases: under voluntary departure (granted a month
    ago), in proceedings, and under voluntary departure granted 60 days ago with a deadline 40
    days ago (reports go back 90 days: before a grant, by a deadline and after it)."""
    vd_case(docket, "012345678", "DKT-P-VD")
    case_of(docket, "023456789", "DKT-P-IP", *IN_PROCEEDINGS)
    today = docket.clock.now().date()
    grant = {
        "deadline_on": (today - dt.timedelta(days=40)).isoformat(),
        "granted_by": "judge_at_conclusion",
    }
    case_of(
        docket,
        "045678901",
        "DKT-P-LATE",
        *IN_PROCEEDINGS,
        (EventKind.VOLUNTARY_DEPARTURE_GRANTED, grant),
        on=today - dt.timedelta(days=60),
    )
    return docket


Drawn = list[tuple[Source, int, int, str]]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batch=reports, cut=st.integers(1, 6))
def test_live_metrics_equal_a_recount(with_cases: Docket, batch: Drawn, cut: int) -> None:
    docket = with_cases
    today = docket.clock.now().date()
    run = next(_serial)
    parsed = [
        parse_report(
            source.value,
            {
                **PEOPLE[who],
                "source_record_id": f"R{run}-{n}",
                "departed_on": (today - dt.timedelta(days=days)).isoformat(),
                "port": port,
            },
        )
        for n, (source, who, days, port) in enumerate(batch)
    ]
    for start in range(0, len(parsed), cut):  # batches of ``cut`` reports, in this order
        accept_reports(
            store=docket.departures,
            clock=docket.clock,
            actor="intake.test",
            reports=parsed[start : start + cut],
        )
    result = recount(store=docket.departures)
    assert result.agrees, result.differences()
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    unique = figures["unique_departures"]["total"]
    assert unique == result.departures_stored
    assert figures["duplicates_absorbed"] == figures["reports_received"]["total"] - unique
