"""``docket case``: show, list and record lifecycle events."""

from __future__ import annotations

import datetime as dt

import click

from docket.cases.bars import BLOCKS
from docket.cases.events import EventKind
from docket.cases.model import BarKind, CaseState
from docket.cases.ports import CaseFilter
from docket.cases.service import CaseView, list_cases, record_event, show_case
from docket.cases.table import TABLE
from docket.cli.context import actor_of, echo_record, opened
from docket.cli.dates import DAY
from docket.config import Settings
from docket.errors import InvalidInput


@click.group("case")
def case_group() -> None:
    """Work with cases."""


@case_group.command("show")
@click.argument("case_ref")
@click.pass_context
def show(ctx: click.Context, case_ref: str) -> None:
    """Show a case: state, person, bars, deadlines, custody and its timeline of events."""
    with opened(ctx) as docket:
        view = show_case(uow=docket.uow, case_ref=case_ref)
    for line in render_case(view):
        echo_record(line)


def render_case(view: CaseView) -> list[str]:
    """The text of ``case show``."""
    case, person = view.case, view.person
    lines = [f"Case {case.case_ref}  ({case.field_office})  version {case.version}"]
    lines.append(f"  state:     {case.state.value}")
    if case.decision:
        lines.append(
            f"  decision:  {case.decision.value} on {case.decided_on}"
            + (" (in absentia)" if case.in_absentia else "")
        )
    if case.close_reason:
        lines.append(f"  closed:    {case.closed_on} ({case.close_reason.value})")
    if person is not None:
        born = f", born {person.date_of_birth}" if person.date_of_birth else ""
        lines.append(f"  person:    {person.name}{born}, {person.a_number or 'no A-number'}")
        if person.aliases:
            lines.append(f"  aliases:   {'; '.join(str(a) for a in person.aliases)}")
        if person.counsel:
            lines.append(f"  counsel:   {person.counsel}")
    lines.append(
        "  bars:      "
        + (
            ", ".join(
                f"{b.kind.value} ({b.detail + ', ' if b.detail else ''}since {b.placed_on}, "
                f"{b.document_ref})"
                for b in case.bars
            )
            or "none"
        )
    )
    deadlines = case.deadlines()
    lines.append(
        "  deadlines: "
        + (
            ", ".join(
                f"{name} {day}" for name, day in sorted(deadlines.items(), key=lambda item: item[1])
            )
            or "none"
        )
    )
    custody = case.custody
    detail = custody.status.value
    if custody.since_on:
        detail += f" since {custody.since_on}"
    if custody.facility:
        detail += f" at {custody.facility}"
    if custody.release_mode:
        detail += f" ({custody.release_mode.value})"
    if custody.review_due_on:
        detail += f"; custody review due {custody.review_due_on}"
    lines.append(f"  custody:   {detail}")
    lines.append("  timeline:")
    for event in view.events:
        lines.append(
            f"    #{event.seq} {event.occurred_on} {event.kind.value} by {event.actor} "
            f"[{event.document_ref}]"
        )
        lines.append(f"        basis: {event.legal_basis}")
        shown = event.data.get("history") if event.kind is EventKind.CASE_IMPORTED else event.data
        if isinstance(shown, dict) and shown:
            lines.append(
                "        "
                + ", ".join(
                    f"{k}={v}" for k, v in sorted(shown.items()) if v not in (None, False, "")
                )
            )
    return lines


@case_group.command("list")
@click.option(
    "--state", type=click.Choice([s.value for s in CaseState]), help="Only cases in this state."
)
@click.option("--office", help="Field office code, e.g. NYC.")
@click.option(
    "--bar", type=click.Choice([b.value for b in BarKind]), help="Only cases with this bar."
)
@click.option("--deadline-before", type=DAY, help="Only cases with a deadline before this date.")
@click.option("--after", "after_ref", metavar="CASE_REF", help="Continue after this case (paging).")
@click.option(
    "--limit", type=click.IntRange(1, 10_000), default=50, show_default=True,
    help="Cases at most (the next page: --after).",
)  # fmt: skip
@click.pass_context
def list_command(
    ctx: click.Context,
    state: str | None,
    office: str | None,
    bar: str | None,
    deadline_before: dt.date | None,
    after_ref: str | None,
    limit: int,
) -> None:
    """List cases, filtered by state, office, bar and deadline."""
    case_filter = CaseFilter(
        state=CaseState(state) if state else None,
        field_office=office.strip().upper() if office else None,
        bar=BarKind(bar) if bar else None,
        deadline_before=deadline_before,
        after_case_ref=after_ref,
        limit=limit,
    )
    with opened(ctx) as docket:
        found = list_cases(uow=docket.uow, case_filter=case_filter)
    for case in found:
        deadlines = case.deadlines()
        soonest = min(deadlines.items(), key=lambda item: item[1]) if deadlines else None
        click.echo(
            f"{case.case_ref}  {case.field_office:<4} {case.state.value:<20} "
            f"bars={','.join(b.kind.value for b in case.bars) or '-':<24} "
            f"next={f'{soonest[0]} {soonest[1]}' if soonest else '-'}"
        )
    if len(found) == limit:
        click.echo(f"(more: --after {found[-1].case_ref})", err=True)


def _moves_epilog() -> str:
    lines = ["\b", "Events and their fields (see `docket case moves` for legal bases):"]
    for kind, move in TABLE.items():
        fields = " ".join(
            f"--{f.name.replace('_', '-')}" + ("" if f.required else "?") for f in move.fields
        )
        lines.append(f"  {kind.value:<32} {fields}")
    return "\n".join(lines)


@case_group.command(
    "record",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    epilog=_moves_epilog(),
)
@click.argument("case_ref")
@click.argument("event", type=click.Choice([k.value for k in TABLE]), metavar="EVENT")
@click.option("--document", "document_ref", required=True, help="Source document reference.")
@click.option("--on", "occurred_on", type=DAY, help="Date it happened (default: today).")
@click.option("--actor", help="Who records it (default: $DOCKET_ACTOR or login name).")
@click.option("--expected-version", type=int, help="Refuse if the case changed since this version.")
@click.option("--idempotency-key", help="A retry with the same key records nothing twice.")
@click.pass_context
def record(
    ctx: click.Context,
    case_ref: str,
    event: str,
    document_ref: str,
    occurred_on: dt.date | None,
    actor: str | None,
    expected_version: int | None,
    idempotency_key: str | None,
) -> None:
    """Record lifecycle EVENT on case CASE_REF with its event fields as --name value options.

    Every rule is checked first (the transition table, the legal bars, deadlines); a refused
    event names the rule and the bar, and nothing is saved.
    """
    fields = parse_extra_options(ctx.args)
    settings = ctx.find_object(Settings) or Settings()
    with opened(ctx) as docket:
        result = record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=case_ref,
            kind=EventKind(event),
            fields=fields,
            actor=actor_of(settings, actor),
            document_ref=document_ref,
            occurred_on=occurred_on,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
        )
    note = " (already recorded under this idempotency key)" if result.replayed else ""
    click.echo(
        f"{result.case_ref}: {event} recorded; state {result.state}, version {result.version}{note}"
    )


def parse_extra_options(args: list[str]) -> dict[str, str]:
    """Event fields given as ``--name value`` options (a bare ``--flag`` means true)."""
    fields: dict[str, str] = {}
    position = 0
    while position < len(args):
        token = args[position]
        if not token.startswith("--") or len(token) < 3:
            raise InvalidInput(f"unexpected argument {token!r}; event fields are --name value")
        name, has_value, value = token[2:].partition("=")
        name = name.replace("-", "_")
        if not has_value:
            following = args[position + 1] if position + 1 < len(args) else None
            if following is None or following.startswith("--"):
                value = "true"  # a bare flag such as --in-absentia
            else:
                value = following
                position += 1
        if name in fields:
            raise InvalidInput(f"--{name.replace('_', '-')} given twice")
        fields[name] = value
        position += 1
    return fields


@case_group.command("moves")
def moves() -> None:
    """List every lifecycle event: from which states, to which, its legal basis and the bars
    that block it."""
    blocked_by: dict[EventKind, list[str]] = {}
    for bar, actions in BLOCKS.items():
        for action in actions:
            blocked_by.setdefault(action, []).append(bar.value)
    for kind, move in TABLE.items():
        click.echo(f"{kind.value}: {move.summary}")
        click.echo(f"  from:  {', '.join(sorted(s.value for s in move.from_states))}")
        click.echo(f"  to:    {', '.join(sorted(s.value for s in move.to_states))}")
        click.echo(f"  basis: {move.legal_basis}")
        for spec in move.fields:
            optional = "" if spec.required else " (optional)"
            choices = f" [{' | '.join(spec.choices)}]" if spec.choices else ""
            click.echo(
                f"  --{spec.name.replace('_', '-')} {spec.type.value}{choices}: "
                f"{spec.help}{optional}"
            )
        if kind in blocked_by:
            click.echo(f"  blocked by: {', '.join(sorted(blocked_by[kind]))}")
