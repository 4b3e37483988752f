"""``docket linkage``: train the record-linkage model departure reports are resolved with."""

from __future__ import annotations

import click

from docket.cli.context import actor_of, opened
from docket.departures.linkage import AUTO_LINK, REVIEW_FROM
from docket.linkage.service import train_model


@click.group("linkage")
def linkage_group() -> None:
    """The record-linkage model (Fellegi–Sunter, trained with Splink on DuckDB)."""


@linkage_group.command("train")
@click.pass_context
def train_command(ctx: click.Context) -> None:
    """Fit the model on the persons in the system against the departure reports received
    (EM, with term-frequency adjustment for names) and keep it as the next version. Reports
    taken from then on are scored with it: at or above the auto-link probability a report
    links by itself unless another candidate is close or the two look like siblings or
    twins; from the review threshold up it goes to review; below, it stays unlinked."""
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
