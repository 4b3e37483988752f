"""A varied synthetic docket as storage reads it: stored case snapshots with documented facts,
some corrected (and still in force, or no longer counting), some withdrawn, cases without facts
and persons without a known date of birth."""

from __future__ import annotations

import datetime as dt

from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.model import Case
from docket.cases.snapshot import case_text
from docket.synthetic.facts import facts_for, record_facts
from tests.cases.scenarios import NOW, OPENED_ON, TODAY, opened

K = EventKind
Snapshot = tuple[str, str, dt.date, dt.date | None, str]


def _changed(case: Case, kind: EventKind, fields: dict[str, str]) -> Case:
    _, case = lifecycle.record(
        case,
        kind=kind,
        fields=fields,
        occurred_on=TODAY,
        actor="legal.test",
        document_ref="ORDER-1",
        recorded_at=NOW,
    )
    return case


def snapshots(count: int) -> list[Snapshot]:
    """``count`` cases with synthetic facts, as (ref, person, opened, born, snapshot text).
    Every tenth case's convictions are vacated and every seventh's applications decided (facts
    that no longer count); every fifth's convictions get a corrected sentence (corrected, still
    in force); every sixth loses its first fact (withdrawn); every ninth has no facts; every
    eleventh person's date of birth is unknown."""
    rows = []
    for n in range(count):
        ref = f"DKT-D-{n:04d}"
        case = opened(ref).case
        if n % 9 != 4:
            facts = facts_for(ref, seed=9, opened_on=OPENED_ON, as_of=TODAY)
            _, case = record_facts(case, facts, actor="officer.test", recorded_at=NOW)
        for fact in case.facts:
            fields = {"fact_id": fact.fact_id, "reason": "judgment vacated"}
            if fact.kind.value == "conviction" and n % 10 == 0:
                fields |= {"field": "disposition", "value": "vacated"}
            elif fact.kind.value == "conviction" and n % 5 == 1:
                months = int(fact.value("sentence_months") or 0) + 7
                fields |= {"field": "sentence_months", "value": str(months)}
            elif fact.kind.value == "pending_relief_application" and n % 7 == 0:
                fields |= {"field": "decided_on", "value": TODAY.isoformat()}
            else:
                continue
            case = _changed(case, K.FACT_CORRECTED, fields)
        if case.facts and n % 6 == 2:
            fields = {"fact_id": case.facts[0].fact_id, "reason": "recorded in error"}
            case = _changed(case, K.FACT_WITHDRAWN, fields)
        born = None if n % 11 == 5 else dt.date(1950 + n % 60, 1 + n % 12, 1 + n % 28)
        rows.append((ref, f"person-{n}", case.opened_on, born, case_text(case)))
    return rows
