"""The synthetic generator and the import agree: every generated row passes the case core's
rules, every state is represented, and the resulting log verifies."""

from __future__ import annotations

import pytest

from docket.audit.verify import verify
from docket.cases.model import CaseState
from docket.cases.service import summarise
from docket.importing.cases_csv import import_cases
from docket.storage.audit_store import SqlAuditStore
from docket.synthetic import generate_dataset


@pytest.mark.parametrize("workers", [1, 2], ids=["in-process", "two-workers"])
def test_a_generated_dataset_imports_without_a_refused_row_and_verifies(docket, tmp_path, workers):
    dataset = generate_dataset(
        cases=3000, seed=11, as_of=docket.clock.now().date(), out_dir=tmp_path
    )
    report = import_cases(
        uow=docket.uow,
        clock=docket.clock,
        path=dataset.cases_path,
        actor="t",
        batch_size=700,
        workers=workers,
    )
    assert report.errors == []
    assert report.cases_imported == 3000
    assert report.aliases_recorded > 0  # re-encounters under another spelling join their person
    summary = summarise(uow=docket.uow, clock=docket.clock)
    assert all(summary.cases_by_state[state.value] > 0 for state in CaseState)
    assert summary.bars_in_force
    assert summary.deadlines_due
    result = verify(SqlAuditStore(docket.engine))
    assert result.is_ok, result.problems
    again = import_cases(uow=docket.uow, clock=docket.clock, path=dataset.cases_path, actor="t")
    assert (again.cases_imported, again.already_present) == (0, 3000)
