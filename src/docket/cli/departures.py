"""``docket departures``: take departure reports, show the exit metrics, recount them, list
every report's link."""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path

import click

from docket.bootstrap import bootstrapped
from docket.cli.context import actor_of, echo_record, opened, progress_bar
from docket.cli.dates import DAY
from docket.config import Settings
from docket.csv_output import SpreadsheetSafeWriter
from docket.departures.metrics import metrics, recount
from docket.departures.model import ReviewDecision, Source
from docket.departures.relink import links
from docket.departures.review import decide_review, review_queue
from docket.importing.departures_csv import DepartureImport, count_rows, import_departures
from docket.importing.departures_listeners import run_listeners
from docket.importing.departures_nats import Feed, Listened, run

SOURCE = click.Choice([source.value for source in Source])


@click.group("departures")
def departures_group() -> None:
    """Departure reports, the departures they confirm and the exit metrics."""


@departures_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--source", required=True, type=SOURCE, help="Where the reports come from.")
@click.option(
    "--actor", help="Who is recorded as taking them (default: $DOCKET_ACTOR, else login name)."
)
@click.pass_context
def import_command(ctx: click.Context, file: Path, source: str, actor: str | None) -> None:
    """Take the departure reports in FILE (CSV; columns in the README).

    A report already received is a duplicate (nothing recorded) if its content is the same and
    refused if it differs. A refused row is listed with its row, column and reason and nothing
    of it is written. A self-report alone leaves a departure unconfirmed; any other source
    confirms it, which records the departure on the person's open cases.
    """
    total = count_rows(file)
    with opened(ctx) as docket, progress_bar(total, f"taking {file.name}") as advance:
        result = import_departures(
            store=docket.departures,
            clock=docket.clock,
            path=file,
            source=source,
            actor=actor_of(docket.settings, actor),
            progress=advance,
        )
    _print_import(result)
    if result.rejected:
        ctx.exit(1)


def _print_import(result: DepartureImport, shown: int = 20) -> None:
    click.echo(
        f"rows read: {result.rows}; accepted: {result.accepted}; "
        f"duplicates: {result.duplicates}; rejected: {len(result.rejected)}; "
        f"warnings: {len(result.warnings)}; case events recorded: {len(result.case_events)}"
    )
    for event in result.case_events[:shown]:
        click.echo(f"  recorded {event}")
    for warning in result.warnings[:shown]:
        click.echo(f"  warning: {warning}", err=True)
    for error in result.rejected[:shown]:
        click.echo(f"  rejected {error}", err=True)
    if len(result.rejected) > shown:
        click.echo(f"  ... and {len(result.rejected) - shown} more rejected rows", err=True)


@departures_group.command("metrics")
@click.option("--from", "first", type=DAY, help="First departure day counted.")
@click.option("--to", "last", type=DAY, help="Last departure day counted.")
@click.option("--json", "as_json", is_flag=True, help="All figures as JSON.")
@click.pass_context
def metrics_command(
    ctx: click.Context, first: dt.date | None, last: dt.date | None, as_json: bool
) -> None:
    """The live exit metrics: unique departures by day, week and month, by source, port,
    destination and programme; voluntary-departure compliance; reports received against
    unique departures; the review backlog."""
    with opened(ctx) as docket:
        figures = metrics(
            store=docket.departures,
            clock=docket.clock,
            first_day=first,
            last_day=last,
        ).to_dict()
    if as_json:
        click.echo(json.dumps(figures, indent=2))
        return
    unique = figures["unique_departures"]
    click.echo(
        f"unique departures: {unique['total']} "
        f"({unique['confirmed']} confirmed, {unique['unconfirmed']} unconfirmed)"
    )
    click.echo(
        f"reports received: {figures['reports_received']['total']}; "
        f"duplicates absorbed: {figures['duplicates_absorbed']}; "
        f"review backlog: {figures['review_backlog']}"
    )
    for name in ("by_source", "by_programme", "voluntary_departure_compliance"):
        parts = ", ".join(f"{k} {v}" for k, v in figures[name].items()) or "none"
        click.echo(f"{name.replace('_', ' ')}: {parts}")
    click.echo("(--json for every figure, by day, week, month, port and destination)")


@departures_group.command("recount")
@click.pass_context
def recount_command(ctx: click.Context) -> None:
    """Count everything again from the reports and compare with the live metrics; exit status
    1 if they differ anywhere."""
    with opened(ctx) as docket:
        result = recount(store=docket.departures)
    if result.agrees:
        click.echo(
            f"recount agrees with the live metrics: {result.departures_recounted} departures, "
            f"{len(result.live)} counts"
        )
        return
    click.echo(
        f"recount DISAGREES: {result.departures_recounted} departures recounted, "
        f"{result.departures_stored} stored",
        err=True,
    )
    for key, (recounted, live) in list(result.differences().items())[:50]:
        click.echo(f"  {key}: recounted {recounted}, live {live}", err=True)
    ctx.exit(1)


@departures_group.command("listen")
@click.option("--nats", "url", required=True, help="The NATS server, e.g. nats://127.0.0.1:4222.")
@click.option("--stream", required=True, help="The JetStream stream the reports are on.")
@click.option("--subject", required=True, help="The subject (filter) to take reports from.")
@click.option("--durable", default="docket-departures", show_default=True, help="Consumer name.")
@click.option(
    "--batch",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Messages fetched at once; their reports are written in one transaction and the "
    "messages acknowledged after it commits.",
)
@click.option(
    "--ack-wait",
    type=click.FloatRange(1, 3600),
    default=30.0,
    show_default=True,
    help="Seconds before an unacknowledged message is delivered again (set on the durable "
    "consumer, which is updated if it was made with another).",
)
@click.option(
    "--max-deliver",
    type=click.IntRange(2, 1000),
    default=10,
    show_default=True,
    help="Deliveries of a message before it is given up. A message whose report fails with an "
    "unexpected error (a defect, a database outage) is delivered again after --retry-after "
    "seconds, the delay doubling each time (at most 600 s); failing on its last delivery, it is "
    "terminated, logged and listed with its stream sequence, and stays on the stream. Set on "
    "the durable consumer (an existing one is updated).",
)
@click.option(
    "--retry-after",
    type=click.FloatRange(0.01, 600),
    default=5.0,
    show_default=True,
    help="Seconds before a message that failed is delivered again the first time.",
)
@click.option(
    "--until-idle",
    type=click.FloatRange(0.5),
    help="Stop once no message has come for this many seconds (default: run until stopped).",
)
@click.option(
    "--listeners",
    type=click.IntRange(1, 16),
    default=1,
    show_default=True,
    help="Listener processes sharing the durable consumer: each resolves its batches to "
    "persons side by side with the others, and they take turns to write. One per core.",
)
@click.option(
    "--actor",
    help="Who is recorded as taking the reports (default: $DOCKET_ACTOR, else login name).",
)
@click.pass_context
def listen_command(
    ctx: click.Context,
    url: str,
    stream: str,
    subject: str,
    durable: str,
    batch: int,
    ack_wait: float,
    max_deliver: int,
    retry_after: float,
    until_idle: float | None,
    listeners: int,
    actor: str | None,
) -> None:
    """Take departure reports from a NATS JetStream stream, one JSON object per message (the
    CSV's fields and ``source``), until stopped (Ctrl-C or SIGTERM: the batch in hand is
    finished first).

    A message is acknowledged only after its report is committed; one delivered again is a
    duplicate and records nothing. A message that can never be a report is terminated and
    listed with its reason. One that fails with an unexpected error is delivered again later,
    at most --max-deliver times in all, then given up and listed (it stays on the stream).
    With --listeners N, N processes share the consumer (batches of different listeners may
    commit in another order than they were sent).
    """
    feed = Feed(url, stream, subject, durable, batch, ack_wait, max_deliver, retry_after)

    def progress(done: Listened) -> None:
        click.echo(
            f"received {done.received}: accepted {done.accepted}, duplicates "
            f"{done.duplicates}, refused {done.refusals}, retried {done.retried}, "
            f"given up {done.give_ups}",
            err=True,
        )

    if listeners > 1:
        settings = ctx.find_object(Settings) or Settings()
        done = run_listeners(
            feed,
            opener=functools.partial(bootstrapped, settings),
            actor=actor_of(settings, actor),
            listeners=listeners,
            until_idle=until_idle,
            on_batch=progress,
        )
    else:
        with opened(ctx, long_running=True) as docket:
            done = run(
                feed,
                store=docket.departures,
                clock=docket.clock,
                actor=actor_of(docket.settings, actor),
                until_idle=until_idle,
                on_batch=progress,
            )
    click.echo(
        f"messages received: {done.received}; accepted: {done.accepted}; "
        f"duplicates: {done.duplicates}; refused: {done.refusals}; "
        f"given up: {done.give_ups}; case events recorded: {done.case_events}"
    )
    for refusal in done.refused[:20]:
        echo_record(f"  refused message {refusal}", err=True)
    for failure in done.gave_up[:20]:
        echo_record(f"  given up on message {failure}", err=True)


@departures_group.group("review")
def review_group() -> None:
    """Reports the linkage model was unsure of: the queue, and a reviewer's decisions."""


@review_group.command("list")
@click.option(
    "--limit",
    type=click.IntRange(1, 1000),
    default=20,
    show_default=True,
    help="Reports at most, oldest first.",
)
@click.option("--json", "as_json", is_flag=True, help="The queue as JSON.")
@click.pass_context
def review_list_command(ctx: click.Context, limit: int, as_json: bool) -> None:
    """Reports in review, oldest first, each with its candidates and, field by field, what
    they have in common and what each field's agreement weighs."""
    with opened(ctx) as docket:
        queue = review_queue(store=docket.departures, limit=limit)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "source": item.report.source.value,
                        "source_record_id": item.report.source_record_id,
                        "report": item.report.content(),
                        "candidates": item.candidates,
                    }
                    for item in queue
                ],
                indent=2,
            )
        )
        return
    if not queue:
        click.echo("nothing in review")
    for item in queue:  # the reports' text came from outside: echo_record escapes it
        report = item.report
        echo_record(
            f"{report.source.value} {report.source_record_id}: {report.given_name} "
            f"{report.family_name}, born {report.date_of_birth or '?'}, departed "
            f"{report.departed_on}"
        )
        for candidate in item.candidates:
            click.echo(f"  person {candidate['person_id']}: p={candidate['probability']:.4f}")
            for row in candidate["fields"]:
                weight = "" if row["weight"] is None else f" ({row['weight']:+.1f})"
                echo_record(
                    f"    {row['field']:<16} {row['report'] or '-':<20} {row['person'] or '-':<20}"
                    f" {row['level']}{weight}"
                )


@review_group.command("decide")
@click.argument("source", type=SOURCE)
@click.argument("source_record_id")
@click.option("--link", "person_id", help="The report is this person's.")
@click.option("--reject", "reject", is_flag=True, help="None of the candidates: leave it unlinked.")
@click.option("--no-case", "no_case", is_flag=True, help="The traveller has no case here.")
@click.option("--reason", required=True, help="Why (kept with the decision).")
@click.option("--actor", help="Who decides (default: $DOCKET_ACTOR, else login name).")
@click.pass_context
def review_decide_command(
    ctx: click.Context,
    source: str,
    source_record_id: str,
    person_id: str | None,
    reject: bool,
    no_case: bool,
    reason: str,
    actor: str | None,
) -> None:
    """Decide on the report SOURCE SOURCE_RECORD_ID in review: exactly one of --link PERSON_ID,
    --reject or --no-case, with --reason. The decision is kept for good; a link moves the
    report's departure to the person and, if it confirms it, records it on their open cases."""
    chosen = [
        d
        for d, given in (
            (ReviewDecision.LINK, person_id is not None),
            (ReviewDecision.REJECT, reject),
            (ReviewDecision.NO_CASE, no_case),
        )
        if given
    ]
    if len(chosen) != 1:
        raise click.UsageError("give exactly one of --link PERSON_ID, --reject, --no-case")
    with opened(ctx) as docket:
        decided = decide_review(
            store=docket.departures,
            clock=docket.clock,
            actor=actor_of(docket.settings, actor),
            source=source,
            source_record_id=source_record_id,
            decision=chosen[0],
            reason=reason,
            person_id=person_id,
        )
    click.echo(
        f"{source} {source_record_id}: {decided.decision.value}; now {decided.status.value}, "
        f"departure {decided.departure_id}"
    )
    for event in decided.case_events:
        click.echo(f"  recorded {event}")


LINK_COLUMNS = (
    "source",
    "source_record_id",
    "case_ref",
    "match_probability",
    "status",
    "departure_id",
)


@departures_group.command("links")
@click.option("--csv", "as_csv", is_flag=True, required=True, help="Write CSV to stdout.")
@click.pass_context
def links_command(ctx: click.Context, as_csv: bool) -> None:
    """For every report: its source and record id, the case it linked to, the match
    probability, its status (linked, review, unlinked) and its departure."""
    with opened(ctx) as docket:
        rows = links(store=docket.departures)
    writer = SpreadsheetSafeWriter(sys.stdout, LINK_COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in LINK_COLUMNS})
