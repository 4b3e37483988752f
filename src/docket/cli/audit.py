"""``docket audit``: verify the tamper-evident log and write signed checkpoints."""

from __future__ import annotations

import os
from pathlib import Path

import click

from docket.audit import checkpoint as checkpoints
from docket.audit.access import ACCESS_CHAIN
from docket.audit.chain import EVENTS_CHAIN
from docket.audit.reports import DEPARTURES_CHAIN
from docket.audit.verify import verify
from docket.cli.context import opened, progress_bar
from docket.errors import InvalidInput, TamperDetected
from docket.storage.audit_store import SqlAuditStore


@click.group("audit")
def audit_group() -> None:
    """Tamper evidence of the event log, the access log and the departure reports."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_files",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A signed checkpoint to check the log against (repeatable).",
)
@click.pass_context
def verify_command(ctx: click.Context, checkpoint_files: tuple[Path, ...]) -> None:
    """Recompute the hash chains and rebuild every record from its events.

    Checks the event log, the access log and the departure reports as received. Exits 1
    naming the first bad event (entry, report) after any edit, deletion, insertion,
    reordering or truncation. With --checkpoint it also catches a consistent rewrite of a
    whole chain and a rollback to an older copy.
    """
    loaded = [cp for path in checkpoint_files for cp in checkpoints.load(path)]
    with opened(ctx) as docket:
        public_key = (
            checkpoints.load_key(docket.settings.signing_key_file).public_key() if loaded else None
        )
        store = SqlAuditStore(docket.engine)
        head = store.chain_head(EVENTS_CHAIN)
        # Two passes over the events: the chain walked, then the records rebuilt from them.
        events = head.length if head else 0
        with progress_bar(2 * events, "verifying") as advance:
            report = verify(
                store,
                checkpoints=loaded,
                public_key=public_key,
                progress=advance,
                rebuilding=advance,
            )
    if not report.is_ok:
        for problem in report.problems[1:]:
            click.echo(f"also: {problem}", err=True)
        raise TamperDetected(f"audit verify failed: {report.problems[0]}")
    click.echo(
        f"ok: {_count(report.events, 'event')} chained, "
        f"{_count(report.streams, 'record')} rebuilt and equal to the stored ones; "
        f"head {report.head_hash[:16]}; {_count(report.access_entries, 'access log entry')} "
        f"and {_count(report.departure_reports, 'departure report')} chained; "
        f"{_checkpoints_held(report.checkpoints_checked)}"
    )


def _count(count: int, thing: str) -> str:
    """``count`` of ``thing``, in the singular for one."""
    if count == 1:
        return f"1 {thing}"
    plural = f"{thing[:-1]}ies" if thing.endswith("y") else f"{thing}s"
    return f"{count} {plural}"


def _checkpoints_held(count: int) -> str:
    """What checking ``count`` checkpoints that all held showed (nothing, for none given)."""
    if count == 0:
        return "no checkpoint given"
    which = "it" if count == 1 else "each"
    return (
        f"{_count(count, 'checkpoint')} held: the head {which} signed is still in its chain, "
        "at the length it signed"
    )


@audit_group.command("checkpoint")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="New file to write (an existing one is never replaced).",
)
@click.pass_context
def checkpoint_command(ctx: click.Context, out: Path) -> None:
    """Sign the current heads of the event log, the access log and the departure reports'
    chain (Ed25519) into FILE; keep it away from the database."""
    with opened(ctx) as docket:
        key = checkpoints.load_key(docket.settings.signing_key_file)
        store = SqlAuditStore(docket.engine)
        signed = []
        for chain in (EVENTS_CHAIN, ACCESS_CHAIN, DEPARTURES_CHAIN):
            head = store.chain_head(chain)
            if head is None:
                raise TamperDetected(f"the database has no {chain} chain head: initialised?")
            signed.append(checkpoints.make_checkpoint(head, key, now=docket.clock.now()))
    _write_new(out, checkpoints.dump(signed) + "\n")
    events, access, reports = signed
    click.echo(
        f"checkpoint written to {out}: {events.length} events, head {events.head_hash[:16]}; "
        f"{access.length} access log entries, head {access.head_hash[:16]}; "
        f"{reports.length} departure reports, head {reports.head_hash[:16]}"
    )


def _write_new(out: Path, text: str) -> None:
    """Write ``text`` to the new file ``out``, whole and on disk, or leave nothing there. An
    existing file is never replaced: an older checkpoint is what catches a rollback to it."""
    try:
        handle = out.open("x", encoding="utf-8")
    except FileExistsError:
        raise InvalidInput(
            f"{out} exists already: a checkpoint is never written over another; choose a new file"
        ) from None
    except OSError as exc:
        raise InvalidInput(f"cannot write {out}: {exc.strerror}") from None
    try:
        with handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException as exc:  # a full disk, an interrupt: no half-written checkpoint
        out.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise InvalidInput(f"cannot write {out}: {exc.strerror}") from None
        raise
