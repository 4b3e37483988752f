"""The ``docket`` command: thin commands over the services.

Every :class:`~docket.errors.DocketError` becomes one line on stderr and exit status 1.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from docket.audit.checkpoint import create_key, load_key
from docket.bootstrap import Docket, SystemClock
from docket.cases.fields import storable
from docket.cases.periods import day_begun_somewhere
from docket.cases.ports import CaseFilter
from docket.cases.service import list_cases, summarise
from docket.cli.audit import audit_group
from docket.cli.cases import case_group
from docket.cli.context import actor_of, opened, progress_bar
from docket.cli.dates import DAY
from docket.cli.demo_priority import record_demo_facts, show_prioritisation
from docket.cli.departures import departures_group
from docket.cli.linkage import linkage_group
from docket.cli.priority import priority_group
from docket.cli.serve import serve_command
from docket.cli.users import users_group
from docket.config import MAX_IMPORT_BATCH_SIZE, MAX_IMPORT_WORKERS, Settings, load_settings
from docket.errors import ConfigurationError, Conflict, DocketError, InvalidInput
from docket.identity.model import Role
from docket.identity.service import add_user
from docket.importing.cases_csv import ImportReport, import_cases
from docket.storage.engine import database_failure
from docket.storage.privileges import NOT_POSTGRESQL, grant_app_role, on_postgresql
from docket.synthetic import generate_dataset


class DocketGroup(click.Group):
    """A group that turns domain errors into one clear line and exit status 1."""

    def main(self, args: Sequence[str] | None = None, *more: Any, **options: Any) -> Any:
        """Refuse, before anything is read or written, an argument that is not text: bytes
        that are not UTF-8 (Python makes them lone surrogates, which no database takes and no
        terminal prints) or a NUL; say which argument it is, and exit 1."""
        given = list(sys.argv[1:] if args is None else args)
        for place, argument in enumerate(given, start=1):
            if not storable(argument):
                click.echo(
                    f"error: argument {place} is not valid text (not UTF-8, or a NUL character)"
                    " [invalid_input]",
                    err=True,
                )
                sys.exit(1)
        return super().main(given, *more, **options)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DocketError as exc:
            click.echo(f"error: {exc.message} [{exc.code}]", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:
            raise  # the reader stopped (`| head`): click ends quietly, with status 1
        except Exception as exc:  # a defect or an outage: no stack trace for the user
            if os.environ.get("DOCKET_DEBUG"):
                traceback.print_exc()
            reason = database_failure(exc)
            if reason is not None:
                click.echo(f"error: the database failed: {reason} [database_error]", err=True)
                ctx.exit(1)
            click.echo(
                f"error: unexpected {type(exc).__name__}; rerun with DOCKET_DEBUG=1 for details",
                err=True,
            )
            ctx.exit(1)


@click.group(cls=DocketGroup)
@click.option(
    "--database",
    "database_url",
    metavar="URL",
    help="Database URL (default: $DOCKET_DATABASE_URL, else sqlite:///docket.db).",
)
@click.version_option(package_name="docket")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Docket: removal-proceedings case lifecycle with the law's safeguards built in."""
    if database_url is not None and not database_url.strip():
        # `--database "$URL"` with $URL unset: falling back on the default would open (or
        # `init` would make) another database, here, without a word.
        raise InvalidInput(
            "--database names no database: give its URL, or leave the option out for "
            "$DOCKET_DATABASE_URL (else sqlite:///docket.db)",
            details={"field": "database"},
        )
    overrides = {"database_url": database_url} if database_url is not None else {}
    ctx.obj = load_settings(**overrides)


@cli.command()
@click.option(
    "--app-role",
    metavar="ROLE",
    help="PostgreSQL: give this existing role only what the server and listeners need (no "
    "change to the logs, no ALTER); run again after each upgrade.",
)
@click.pass_context
def init(ctx: click.Context, app_role: str | None) -> None:
    """Create or upgrade the database schema and make the checkpoint signing key. Run it as
    the tables' owner; with --app-role, the services then connect as that role."""
    settings = ctx.find_object(Settings) or Settings()
    if app_role is not None and not on_postgresql(settings.database_url):
        raise ConfigurationError(NOT_POSTGRESQL)  # before the database is touched
    key_file = settings.signing_key_file
    if key_file.exists():
        load_key(key_file)  # a file that is no key is refused before the database is touched
    with opened(ctx, migrate=True) as docket:
        made = create_key(docket.settings.signing_key_file)
        click.echo(f"database ready: {docket.engine.url.render_as_string(hide_password=True)}")
        key = docket.settings.signing_key_file
        click.echo(f"signing key {'created' if made else 'kept'}: {key}")
        if app_role is not None:
            grant_app_role(docket.engine, app_role)
            click.echo(
                f"role {app_role} may read, add, and change what is meant to change; it may "
                "not change or delete a log's rows, nor alter a table or its triggers"
            )


@cli.command()
@click.option(
    "--cases", "count", type=click.IntRange(1), default=10_000, show_default=True,
    help="Case rows to write.",
)  # fmt: skip
@click.option(
    "--seed", type=click.IntRange(0), default=1, show_default=True, help="Same seed, same files."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help=(
        "Directory for the files (made if missing); files of an earlier run there are replaced, "
        "never a cases.csv of another origin (no truth.csv beside it)."
    ),
)
@click.option(
    "--as-of",
    type=DAY,
    default=None,
    help="Reference date for the histories (default: today; not in the future).",
)
def generate(count: int, seed: int, out: Path, as_of: dt.date | None) -> None:
    """Write synthetic persons and cases (cases.csv, truth.csv) for demos and benchmarks."""
    day = as_of or SystemClock().now().date()
    if day > day_begun_somewhere(SystemClock().now()):  # the import would refuse its cases
        raise InvalidInput(f"--as-of {day} is in the future", details={"field": "as_of"})
    with progress_bar(count, "generating") as advance:
        summary = generate_dataset(cases=count, seed=seed, as_of=day, out_dir=out, progress=advance)
    click.echo(f"wrote {summary.rows} cases of {summary.persons} persons to {out}")


@cli.group("import")
def import_group() -> None:
    """Bulk imports."""


@import_group.command("cases")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option(
    "--actor", help="Who is recorded as importing (default: $DOCKET_ACTOR, else login name)."
)
@click.option(
    "--batch-size",
    type=click.IntRange(1, MAX_IMPORT_BATCH_SIZE),
    help="Rows per transaction (default $DOCKET_IMPORT_BATCH_SIZE, else 5000).",
)
@click.option(
    "--workers",
    type=click.IntRange(0, MAX_IMPORT_WORKERS),
    help="Processes preparing batches (default $DOCKET_IMPORT_WORKERS; 0: one per core).",
)
@click.pass_context
def import_cases_command(
    ctx: click.Context,
    file: Path,
    actor: str | None,
    batch_size: int | None,
    workers: int | None,
) -> None:
    """Import persons and their cases from FILE (CSV; columns in the README).

    Bad rows are reported with row, column and reason and nothing of them is written; rows whose
    case_ref is already present are skipped, so importing a file again creates nothing.
    """
    try:
        with opened(ctx) as docket:
            report = run_import(docket, file, actor_of(docket.settings, actor), batch_size, workers)
    except KeyboardInterrupt:
        click.echo(
            "\ninterrupted: the batches written before it are kept, each whole; import the file "
            "again to finish (rows already imported are skipped)",
            err=True,
        )
        ctx.exit(130)
    print_import_report(report)
    if report.errors:
        ctx.exit(1)


def run_import(
    docket: Docket, file: Path, actor: str, batch_size: int | None, workers: int | None = None
) -> ImportReport:
    """Import ``file`` with a progress bar."""
    try:
        total = 0  # not known: the bar counts the rows as they come
        # A pipe (`<(zcat cases.csv.gz)`, /dev/stdin, a FIFO) can be read once only: counting
        # its lines first would leave nothing to import, or wait for a second writer forever.
        if stat.S_ISREG(file.stat().st_mode):
            with file.open("rb") as handle:
                total = max(sum(1 for _ in handle) - 1, 0)
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from None
    batch_size = batch_size or docket.settings.import_batch_size
    workers = docket.settings.import_workers if workers is None else workers
    workers = workers or os.cpu_count() or 1
    if total <= 2 * batch_size:
        workers = 1  # starting processes would cost more than it saves
    with progress_bar(total, f"importing {file.name}") as advance:
        return import_cases(
            uow=docket.uow,
            clock=docket.clock,
            path=file,
            actor=actor,
            batch_size=batch_size,
            workers=workers,
            progress=advance,
            expected_rows=total,
            notice=_below_the_bar,
        )


def _below_the_bar(text: str) -> None:
    """A line of news on stderr, under a progress bar that a terminal shows on its own line."""
    click.echo(f"\n{text}" if sys.stderr.isatty() else text, err=True)


def print_import_report(report: ImportReport, shown: int = 20) -> None:
    """The summary of an import, and its first refused rows."""
    click.echo(
        f"rows read: {report.rows}; cases imported: {report.cases_imported}; "
        f"already present: {report.already_present}; refused: {len(report.errors)}; "
        f"persons registered: {report.persons_registered}; "
        f"aliases recorded: {report.aliases_recorded}"
    )
    if report.ignored_columns:
        click.echo(f"  columns ignored (unknown): {', '.join(report.ignored_columns)}", err=True)
    for error in report.errors[:shown]:
        click.echo(f"  refused {error}", err=True)
    if len(report.errors) > shown:
        click.echo(f"  ... and {len(report.errors) - shown} more refused rows", err=True)


@cli.command()
@click.option(
    "--cases", "count", type=click.IntRange(1), default=10_000, show_default=True,
    help="Synthetic cases to generate and import.",
)  # fmt: skip
@click.option(
    "--seed", type=click.IntRange(0), default=7, show_default=True, help="Same seed, same cases."
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-data"),
    show_default=True,
    help="Directory for the generated CSV files.",
)
@click.option(
    "--serve/--no-serve",
    default=True,
    show_default=True,
    help="Start the HTTP API at the end (stop it with Ctrl-C).",
)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
    help="Port of the API at the end.",
)  # fmt: skip
@click.pass_context
def demo(ctx: click.Context, count: int, seed: int, data_dir: Path, serve: bool, port: int) -> None:
    """Set up a demo: database, signing key, synthetic cases imported, a docket summary, demo
    users (their passwords and one-time-code secrets printed once), then the HTTP API."""
    with opened(ctx, migrate=True) as docket:
        create_key(docket.settings.signing_key_file)
        today = docket.clock.now().date()
        with progress_bar(count, "generating") as advance:
            generate_dataset(
                cases=count, seed=seed, as_of=today, out_dir=data_dir, progress=advance
            )
        report = run_import(docket, data_dir / "cases.csv", "demo", None)
        print_import_report(report)
        recorded = record_demo_facts(docket, seed=seed)
        summary = summarise(uow=docket.uow, clock=docket.clock, days=7)
    click.echo(f"\nDocket at {docket.engine.url.render_as_string(hide_password=True)}")
    click.echo(
        f"  {sum(summary.cases_by_state.values())} cases, {summary.persons} persons, "
        f"{summary.events} events in the log"
    )
    click.echo("\nCases per state:")
    for state, number in summary.cases_by_state.items():
        click.echo(f"  {state:<20} {number:>7}")
    click.echo("\nLegal bars in force:")
    for kind, number in summary.bars_in_force.items():
        click.echo(f"  {kind:<22} {number:>7}")
    click.echo(
        f"\nDeadlines due this week ({today} to {today + dt.timedelta(days=7)}): "
        f"{len(summary.deadlines_due)}"
    )
    for case_ref, kind, due_on in summary.deadlines_due[:10]:
        click.echo(f"  {due_on}  {kind:<20} {case_ref}")
    with opened(ctx) as docket:
        show_prioritisation(docket, recorded=recorded)
    example = summary.deadlines_due[0][0] if summary.deadlines_due else "DKT-00000001"
    click.echo(
        "\nTry next:\n"
        f"  .venv/bin/docket case show {example}\n"
        "  .venv/bin/docket case list --state final_order --bar stay_of_removal\n"
        "  .venv/bin/docket case moves            # every lifecycle event and its legal basis\n"
        "  .venv/bin/docket audit verify\n"
        "  .venv/bin/docket audit checkpoint --out checkpoint.json"
    )
    with opened(ctx) as docket:
        office = summary_office(docket)
        click.echo(f"\nDemo users (field office {office}); passwords are shown only when made:")
        for role in DEMO_ROLES:
            _demo_user(docket, role, office)
    if serve:
        click.echo(f"\nServing the API at http://127.0.0.1:{port} (spec: /openapi.json)")
        ctx.invoke(serve_command, host="127.0.0.1", port=port)


DEMO_ROLES = (
    Role.ADMIN,
    Role.OFFICER,
    Role.SUPERVISOR,
    Role.LEGAL_REVIEWER,
    Role.LOGISTICS,
    Role.ANALYST,
    Role.AUDITOR,
)


def summary_office(docket: Docket) -> str:
    """The field office of the demo's first case (the demo's staff work there)."""
    first = list_cases(uow=docket.uow, case_filter=CaseFilter(limit=1))
    return first[0].field_office if first else "HQ"


def _demo_user(docket: Docket, role: Role, office: str) -> None:
    username = f"demo.{role.value.replace('_', '-')}"
    try:
        made = add_user(
            users=docket.users,
            clock=docket.clock,
            actor="demo",
            source="cli",
            username=username,
            role=role,
            field_office=office,
        )
    except Conflict:
        click.echo(f"  {username:<22} exists already")
        return
    click.echo(
        f"  {username:<22} password {made.password}   one-time-code secret {made.totp_secret}"
    )


cli.add_command(case_group)
cli.add_command(audit_group)
cli.add_command(users_group)
cli.add_command(departures_group)
cli.add_command(linkage_group)
cli.add_command(priority_group)
cli.add_command(serve_command)


if __name__ == "__main__":  # `python -m docket.cli.main`, which otherwise did nothing
    cli(prog_name="docket")
