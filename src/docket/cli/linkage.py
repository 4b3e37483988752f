"""``docket linkage``: train the record-linkage model departure reports are resolved with."""

from __future__ import annotations

import click

from docket.cli.context import actor_of, opened
from docket.departures.decision import AUTO_LINK, REVIEW_FROM


@click.group("linkage")
def linkage_group() -> None:
    """The record-linkage model (Fellegi–Sunter, trained with Splink on DuckDB)."""


@linkage_group.command("train")
@click.pass_context
def train_command(ctx: click.Context) -> None:
    """Fit the model on the persons in the system against the departure reports received
    (EM, with term-frequency adjustment for names) and keep it as the next version. Reports
    taken from then on are scored with it: at or above the auto-link probability a report
    links by itself unless another candidate is close, or above that probability too, or the
    two look like siblings or twins; from the review threshold up it goes to review; below,
    it stays unlinked."""
    from docket.linkage.service import train_model  # Splink: loaded only when used

    with opened(ctx) as docket:
        click.echo("training ...", err=True)
        trained = train_model(
            store=docket.linkage, clock=docket.clock, actor=actor_of(docket.settings, None)
        )
    click.echo(
        f"model version {trained.version}: trained on {trained.persons} persons and "
        f"{trained.reports} departure reports; prior {trained.prior:.3g}; auto-link at "
        f"{AUTO_LINK}, review from {REVIEW_FROM}"
    )
    for note in trained.notes:
        click.echo(f"  note: {note}", err=True)


@linkage_group.command("relink")
@click.pass_context
def relink_command(ctx: click.Context) -> None:
    """Resolve every departure report again against every person, in batch with Splink and
    the latest model, by the same rule as intake (link, review or unlinked), and group the
    reports of nobody into travellers. Links by an exact identifier and reviewers' decisions
    stand. Where reports move, departures are collapsed again, the exit metrics follow, and
    a departure that becomes confirmed is recorded on the person's open cases. The decisions
    are made without the write lock; the moves are written in one transaction, all of them or
    none."""
    from docket.linkage.service import relink  # Splink: loaded only when used

    with opened(ctx) as docket:
        relinked = relink(
            store=docket.linkage,
            departures=docket.departures,
            clock=docket.clock,
            actor=actor_of(docket.settings, None),
            progress=lambda step: click.echo(f"{step} ...", err=True),
        )
    statuses = ", ".join(f"{status} {n:,}" for status, n in relinked.statuses.items())
    click.echo(
        f"{relinked.reports:,} reports: {statuses}; {relinked.moved:,} moved, "
        f"{relinked.kept:,} kept (exact identifier or reviewer's decision)"
        + (
            f", {relinked.arrived:,} taken while relinking (left as intake resolved them)"
            if relinked.arrived
            else ""
        )
        + (
            f", {relinked.changed:,} changed while relinking (left as they are now)"
            if relinked.changed
            else ""
        )
    )
    for event in relinked.case_events:
        click.echo(f"  recorded {event}")
