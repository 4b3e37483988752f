"""The demo's prioritisation: synthetic documented facts on a few thousand of its open cases,
then a ranking of the docket by the neutral example policy, its first five shown."""

from __future__ import annotations

import click

from docket.bootstrap import Docket
from docket.cases.model import OPEN_STATES, FactKind
from docket.cases.ports import CaseFilter
from docket.cases.service import record_on
from docket.cli import priority_text as text
from docket.priority import packs, switch
from docket.priority import service as priority
from docket.priority.scoring import Explanation
from docket.synthetic.facts import document_ref_for, facts_for, recorded_on

DEMO_CASES_WITH_FACTS = 3_000
DEMO_POLICY = "neutral-example"
ACTOR = "demo"


def record_demo_facts(docket: Docket, *, seed: int, limit: int = DEMO_CASES_WITH_FACTS) -> int:
    """Record synthetic facts on the first ``limit`` open cases (by reference), in one write
    transaction; nothing if they have facts already (the demo run again). Facts recorded."""
    now = docket.clock.now()
    recorded = 0
    with docket.uow.write() as tx:
        cases = [
            case for case in tx.list_cases(CaseFilter(limit=2 * limit)) if case.state in OPEN_STATES
        ][:limit]
        # A case past its final order carries that order as a fact from its import: only
        # recorded facts say the demo ran before.
        if any(f.kind is not FactKind.FINAL_ORDER for case in cases for f in case.facts):
            return 0
        for case in cases:
            person = tx.get_person(case.person_id)
            facts = facts_for(
                case.case_ref,
                seed=seed,
                opened_on=case.opened_on,
                as_of=now.date(),
                born_on=person.date_of_birth if person else None,
            )
            for number, (kind, fields) in enumerate(facts, start=1):
                case, _ = record_on(
                    tx,
                    case,
                    kind=kind,
                    fields=fields,
                    occurred_on=recorded_on(kind, fields, case.opened_on),
                    actor=ACTOR,
                    document_ref=document_ref_for(case.case_ref, kind, number),
                    recorded_at=now,
                )
                recorded += 1
    return recorded


def show_prioritisation(docket: Docket, *, recorded: int) -> None:
    """The facts just recorded, a ranking by the neutral example, its top five, what next."""
    if recorded:
        click.echo(
            f"\nDocumented facts (synthetic) recorded on up to {DEMO_CASES_WITH_FACTS:,} open "
            f"cases: {recorded:,}"
        )
    top: list[Explanation] = []
    try:
        summary = priority.rank(
            store=docket.priority,
            clock=docket.clock,
            actor=ACTOR,
            pack=packs.load(DEMO_POLICY),
            emit=lambda entry: top.append(entry.explanation()),
            top=5,
            purpose="demo",
        )
    except switch.SwitchedOff as exc:
        click.echo(f"\nPrioritisation: not shown, {exc.message}")
        return
    click.echo(
        f"\nPrioritisation by the {DEMO_POLICY} policy (a recommendation; a person decides): "
        f"{summary.priorities:,} of {summary.scored:,} open cases in a priority category; the "
        f"first five (run {summary.run_id}):"
    )
    click.echo(text.TABLE_HEADER)
    for explanation in top:
        click.echo(text.table_row(explanation))
    example = top[0].case_ref if top else "CASE_REF"
    click.echo(
        f"  .venv/bin/docket priority explain {example}            # each fact that counted\n"
        f"  .venv/bin/docket priority explain {example} --lang es  # the person's statement\n"
        f"  .venv/bin/docket priority rank --policy {DEMO_POLICY} --top 20"
    )
