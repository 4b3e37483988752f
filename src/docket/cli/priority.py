"""``docket priority``: rank open cases by a published policy, explain a case's score, record a
person's determination, and the disparity report; the group also holds the stop control, the
oversight export and the pack commands of :mod:`docket.cli.priority_admin`.

A score is a recommendation: no command here changes a case's state. Output goes to stdout;
progress and the run's summary (with --json or --csv) to stderr.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click
import orjson

from docket.bootstrap import Docket
from docket.cli import priority_text as text
from docket.cli.context import actor_of, opened
from docket.cli.dates import DAY
from docket.cli.priority_admin import ADMIN_COMMANDS, flags_named
from docket.errors import Conflict, InvalidInput, NotFound
from docket.priority import disparity, oversight, packs
from docket.priority import service as priority
from docket.priority.statement import LANGUAGES, statement

POLICY_HELP = (
    "A policy pack: a YAML file, or a shipped pack's name (see `docket priority policies`)."
)


@click.group("priority")
def priority_group() -> None:
    """Order open cases by a published policy: recommendations with their explanations, which
    a person decides on."""


def _as_of(option: Callable[..., Any]) -> Callable[..., Any]:
    option = click.option(
        "--allow-rescinded",
        is_flag=True,
        help="Apply a policy even on or after its rescission (to review past decisions).",
    )(option)
    return click.option(
        "--as-of",
        type=DAY,
        help="The date the policy is applied for (default: today; not a later day).",
    )(option)


def _step(step: str) -> None:
    click.echo(f"{step} ...", err=True)


@priority_group.command("rank")
@click.option("--policy", "policy", required=True, metavar="FILE|NAME", help=POLICY_HELP)
@click.option("--office", help="Only the open cases of this field office (default: all).")
@click.option("--top", type=click.IntRange(1), help="Show the first N (default: every case).")
@click.option("--json", "as_json", is_flag=True, help="JSON lines: one explanation per case.")
@click.option(
    "--csv",
    "as_csv",
    is_flag=True,
    help="CSV: rank, case, category, score, contributions, fact ids.",
)
@_as_of
@click.option(
    "--purpose",
    default="",
    help="Why the ranking is run (kept for oversight; at most 500 characters).",
)
@click.option("--actor", help="Who runs it (default: $DOCKET_ACTOR or login name).")
@click.pass_context
def rank_command(
    ctx: click.Context,
    policy: str,
    office: str | None,
    top: int | None,
    as_json: bool,
    as_csv: bool,
    as_of: dt.date | None,
    allow_rescinded: bool,
    purpose: str,
    actor: str | None,
) -> None:
    """Rank the open cases by a policy, best first.

    Each case comes with its category, its score and the contributions that make it up
    (cases in no category come last, scored 0).

    The run is kept for oversight (policy, content hash, output, fact ids used) and named on
    the hash-chained log; the summary at the end gives its id. Nothing is printed until the
    run is kept: a run refused at the end (prioritisation switched off meanwhile) shows no
    score. A policy rescinded before the date is refused unless --allow-rescinded is given.
    """
    if as_json and as_csv:
        raise click.UsageError("give at most one of --json and --csv")
    pack = packs.load(policy)
    # Held until the run is kept: a run refused at the end (prioritisation switched off
    # meanwhile) shows no score, so stdout gets nothing until rank has returned.
    with text.HeldRanking("json" if as_json else "csv" if as_csv else "table") as held:
        with opened(ctx) as docket, flags_named():
            summary = priority.rank(
                store=docket.priority,
                clock=docket.clock,
                actor=actor_of(docket.settings, actor),
                pack=pack,
                emit=held.add,
                office=office,
                top=top,
                as_of=as_of,
                allow_rescinded=allow_rescinded,
                purpose=purpose,
                progress=_step,
            )
        held.release()
    to_stderr = as_json or as_csv
    click.echo(
        f"run {summary.run_id}: {summary.scored:,} open cases scored, {summary.shown:,} shown, "
        f"{summary.priorities:,} in a priority category; policy {pack.name} {pack.version} "
        f"(sha256 {pack.content_hash[:16]}), as of {summary.as_of}; log #{summary.seq}",
        err=to_stderr,
    )
    click.echo(
        "a recommendation only: a person decides.\n"
        "  explain a case:  docket priority explain CASE_REF\n"
        "  decide on it:    docket priority decide CASE_REF --accept | --override --reason "
        f"TEXT --run {summary.run_id}",
        err=to_stderr,
    )


def _policy_or_latest(docket: Docket, policy: str | None) -> packs.Pack:
    """The pack given, else the latest run's, refused if the pack has changed since."""
    if policy is not None:
        return packs.load(policy)
    runs = oversight.run_records(store=docket.priority)
    run = runs[-1] if runs else None
    if run is None:
        raise NotFound("no ranking run yet: give the policy with --policy FILE|NAME")
    try:
        pack = packs.load(run.policy_name)
    except InvalidInput:
        raise InvalidInput(
            f"the latest ranking run ({run.run_id}) used policy {run.policy_name} "
            f"{run.policy_version}, which is not a shipped pack: give its file with --policy",
            details={"field": "policy"},
        ) from None
    if pack.content_hash != run.policy_hash:
        raise Conflict(
            f"policy {run.policy_name} has changed since the latest ranking run "
            f"({run.run_id}): its content hash is now {pack.content_hash[:16]} (version "
            f"{pack.version}), the run used {run.policy_hash[:16]} (version "
            f"{run.policy_version}); scoring by it would not explain that run, so give the "
            "policy with --policy",
            details={"run_id": run.run_id, "policy_hash": run.policy_hash},
        )
    return pack


@priority_group.command("explain")
@click.argument("case_ref")
@click.option(
    "--policy",
    metavar="FILE|NAME",
    help=POLICY_HELP + " Default: the policy of the latest ranking run.",
)
@_as_of
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    help="Print the plain-language statement for the person, in this language, instead.",
)
@click.option("--json", "as_json", is_flag=True, help="The explanation as JSON.")
@click.pass_context
def explain_command(
    ctx: click.Context,
    case_ref: str,
    policy: str | None,
    as_of: dt.date | None,
    allow_rescinded: bool,
    lang: str | None,
    as_json: bool,
) -> None:
    """Explain the score of open case CASE_REF.

    Its category, its score and each contribution with the facts that satisfied it (fact id,
    kind, date, document and the event that recorded it) and the measures worked out from
    them; with --lang, the plain-language statement for the person instead."""
    with opened(ctx) as docket, flags_named():
        pack = _policy_or_latest(docket, policy)
        explanation = priority.explain(
            store=docket.priority,
            clock=docket.clock,
            case_ref=case_ref,
            pack=pack,
            as_of=as_of,
            allow_rescinded=allow_rescinded,
        )
    said = (
        statement(explanation, policy=pack.title, version=pack.version, lang=lang) if lang else ""
    )
    if as_json:
        shown = explanation.to_dict()
        del shown["rank"]  # scored alone: a rank belongs to a run
        shown["policy"] = {k: v for k, v in packs.describe(pack).items() if k != "rules"}
        if lang:
            shown["statement"] = {"lang": lang, "text": said}
        click.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
    elif lang:
        click.echo(said)
    else:
        click.echo("\n".join(text.explanation_lines(explanation, pack)))


@priority_group.command("decide")
@click.argument("case_ref")
@click.option("--accept", is_flag=True, help="Accept the recommendation.")
@click.option("--override", is_flag=True, help="Override it (needs --reason).")
@click.option("--reason", help="Why; required for an override (at least 10 characters).")
@click.option("--run", "run_id", help="The ranking run (default: the latest that ranked it).")
@click.option("--actor", help="Who decides (default: $DOCKET_ACTOR or login name).")
@click.pass_context
def decide_command(
    ctx: click.Context,
    case_ref: str,
    accept: bool,
    override: bool,
    reason: str | None,
    run_id: str | None,
    actor: str | None,
) -> None:
    """Accept or override the recommendation for CASE_REF.

    Exactly one of --accept or --override (with --reason), on the case's entry in a ranking
    run. An event on the case, kept for oversight; the case's state does not change."""
    if accept == override:
        raise click.UsageError("give exactly one of --accept and --override")
    determination = priority.Determination.ACCEPT if accept else priority.Determination.OVERRIDE
    with opened(ctx) as docket, flags_named():
        seq = priority.decide(
            store=docket.priority,
            clock=docket.clock,
            actor=actor_of(docket.settings, actor),
            case_ref=case_ref,
            determination=determination,
            reason=reason,
            run_id=run_id,
        ).seq
    verb = "accepted" if accept else "overridden"
    click.echo(f"{case_ref}: recommendation {verb}; recorded as log #{seq}")


@priority_group.command("disparity")
@click.option(
    "--policy",
    metavar="FILE|NAME",
    help=POLICY_HELP + " Default: the policy of the latest ranking run.",
)
@_as_of
@click.option("--json", "as_json", is_flag=True, help="The whole report as JSON.")
@click.pass_context
def disparity_command(
    ctx: click.Context,
    policy: str | None,
    as_of: dt.date | None,
    allow_rescinded: bool,
    as_json: bool,
) -> None:
    """Categories and scores across groups, as aggregates.

    How the policy's categories and scores fall across groups of the open docket (citizenship
    country, sex, age band). A group of fewer than 10 cases is suppressed and counted as such,
    and so is the next smallest when the suppressed come to fewer than 10 cases together (their
    size would be the total less the groups shown). The groups are read after scoring and never
    reach it."""
    with opened(ctx) as docket, flags_named():
        pack = _policy_or_latest(docket, policy)
        report = disparity.disparity(
            store=docket.priority,
            clock=docket.clock,
            pack=pack,
            as_of=as_of,
            allow_rescinded=allow_rescinded,
        )
    if as_json:
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return
    click.echo("\n".join(text.disparity_lines(report)))


for _command in ADMIN_COMMANDS:
    priority_group.add_command(_command)
