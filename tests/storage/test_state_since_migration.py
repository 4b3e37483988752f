"""Migration 0016 gives the cases already stored the day each entered its state, from its
events, as ``audit verify`` rebuilds it; a downgrade takes it away again; a record changed
behind Docket's back is left as it is, for ``audit verify`` to report."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.cases import snapshot
from docket.cases.events import EventKind
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from docket.storage.migrate import downgrade, upgrade
from tests.builders import a_case, a_person, record
from tests.importing.case_rows import GOOD, write_rows

K = EventKind


def _stored(docket: Docket) -> dict[str, str]:
    with docket.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT case_ref, data FROM cases")).all()
    return {case_ref: data for case_ref, data in rows}


def test_the_day_each_case_entered_its_state_is_filled_in_from_its_events(docket, tmp_path):
    today = docket.clock.now().date()
    charged_on, scheduled_on = today - dt.timedelta(days=100), today - dt.timedelta(days=90)
    a_case(docket, "DKT-S-1")
    a_case(docket, "DKT-S-2", person=a_person("Eva", "Lind"))
    record(docket, "DKT-S-2", K.CHARGING_DOCUMENT_SERVED, occurred_on=charged_on)
    hearing_on = (today + dt.timedelta(days=10)).isoformat()
    record(
        docket,
        "DKT-S-2",
        K.HEARING_SCHEDULED,
        occurred_on=scheduled_on,
        fields={"hearing_on": hearing_on},
    )
    record(docket, "DKT-S-2", K.HEARING_HELD, occurred_on=today - dt.timedelta(days=5))
    path = write_rows(tmp_path / "cases.csv", [GOOD])
    report = import_cases(uow=docket.uow, clock=docket.clock, path=path, actor="importer")
    assert report.errors == []
    before = _stored(docket)
    days = {ref: snapshot.parse_json(text)["state_since"] for ref, text in before.items()}
    assert days == {
        "DKT-S-1": (today - dt.timedelta(days=400)).isoformat(),  # opened, still identified
        "DKT-S-2": scheduled_on.isoformat(),  # in proceedings since the hearing was scheduled
        GOOD["case_ref"]: GOOD["final_on"],  # imported under a final order
    }

    downgrade(docket.engine, "0015")
    assert all("state_since" not in text for text in _stored(docket).values())
    upgrade(docket.engine)

    assert _stored(docket) == before
    assert verify(SqlAuditStore(docket.engine)).is_ok


def test_a_record_changed_behind_docket_s_back_is_left_for_audit_verify(docket: Docket):
    a_case(docket, "DKT-S-1")
    downgrade(docket.engine, "0015")
    with docket.engine.begin() as connection:
        text = connection.execute(sa.text("SELECT data FROM cases")).scalar_one()
        changed = text.replace('"state":"identified"', '"state": "identified"')
        assert changed != text
        connection.execute(sa.text("UPDATE cases SET data = :data"), {"data": changed})
    upgrade(docket.engine)
    assert _stored(docket) == {"DKT-S-1": changed}
    assert not verify(SqlAuditStore(docket.engine)).is_ok
