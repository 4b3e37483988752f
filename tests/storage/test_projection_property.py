"""Random event sequences through the service and real storage: the stored projection always
equals the case rebuilt from its stored events, and the log verifies."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docket.audit.verify import verify
from docket.cases.lifecycle import rebuild
from docket.cases.service import record_event, show_case
from docket.errors import DocketError
from docket.storage.audit_store import SqlAuditStore
from tests.builders import a_case
from tests.cases.strategies import attempts, resolve_dates

NUMBERS = itertools.count()


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(sequence=st.lists(attempts(), min_size=1, max_size=25))
def test_the_stored_projection_equals_the_replayed_events(docket, sequence):
    case_ref = f"DKT-P-{next(NUMBERS)}"
    a_case(docket, case_ref, opened_on=docket.clock.now().date() - dt.timedelta(days=900))
    on = docket.clock.now().date() - dt.timedelta(days=880)
    for kind, raw_fields, days in sequence:
        on = min(on + dt.timedelta(days=days), docket.clock.now().date())
        try:
            record_event(
                uow=docket.uow,
                clock=docket.clock,
                case_ref=case_ref,
                kind=kind,
                fields=resolve_dates(kind, raw_fields, on),
                actor="prop",
                document_ref="DOC",
                occurred_on=on,
            )
        except DocketError:
            continue
    view = show_case(uow=docket.uow, case_ref=case_ref)
    assert rebuild(view.events) == view.case
    report = verify(SqlAuditStore(docket.engine))
    assert report.is_ok, report.problems
