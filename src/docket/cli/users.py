"""``docket users``: add users, disable them, change their role, reset their credentials."""

from __future__ import annotations

from typing import Any

import click

from docket.bootstrap import Docket
from docket.cli.context import actor_of, opened
from docket.identity.model import Role
from docket.identity.service import (
    NewUser,
    add_user,
    disable_user,
    link_client,
    reset_credentials,
    set_role,
    unlink_client,
)

ROLE = click.Choice([role.value for role in Role])


def _by_operator(docket: Docket) -> dict[str, Any]:
    """Who and where a change made here is recorded as, on the access log."""
    return {
        "users": docket.users,
        "clock": docket.clock,
        "actor": actor_of(docket.settings, None),
        "source": "cli",
    }


@click.group("users")
def users_group() -> None:
    """Who may use Docket (roles: officer, supervisor, legal_reviewer, logistics, analyst,
    auditor, admin, subject, counsel)."""


@users_group.command("add")
@click.argument("username")
@click.option("--role", type=ROLE, required=True, help="The user's one role.")
@click.option(
    "--office", "field_office", help="Field office (staff roles only, and they must have one)."
)
@click.option(
    "--person-id", help="A subject's own person record (subjects only, and they must have one)."
)
@click.pass_context
def add_command(
    ctx: click.Context, username: str, role: str, field_office: str | None, person_id: str | None
) -> None:
    """Add USERNAME with a random password and, for staff, a one-time-code secret.

    Both are printed once, here, and kept nowhere in readable form: hand them to the user.
    The change is on the access log under $DOCKET_ACTOR (else the login name).
    """
    with opened(ctx) as docket:
        made = add_user(
            **_by_operator(docket),
            username=username,
            role=Role(role),
            field_office=field_office,
            person_id=person_id,
            cases=docket.uow,
        )
    user = made.user
    scope = f", office {user.field_office}" if user.field_office else ""
    click.echo(f"added {user.username} ({user.role.value}{scope})")
    _show_once(made)


@users_group.command("disable")
@click.argument("username")
@click.pass_context
def disable_command(ctx: click.Context, username: str) -> None:
    """Disable USERNAME; their sessions end on their next request. The last admin not
    disabled cannot be: add another admin first."""
    with opened(ctx) as docket:
        user = disable_user(
            **_by_operator(docket),
            username=username,
        )
    click.echo(f"disabled {user.username}")


@users_group.command("reset")
@click.argument("username")
@click.pass_context
def reset_command(ctx: click.Context, username: str) -> None:
    """Give USERNAME a new random password and, for staff, a new one-time-code secret: for a
    forgotten password or a lost authenticator.

    Both are printed once, here, as by `users add`. Their sessions end on their next request
    and a lockout ends now; a disabled user stays disabled. On the access log.
    """
    with opened(ctx) as docket:
        made = reset_credentials(**_by_operator(docket), username=username)
    click.echo(f"new credentials for {made.user.username}")
    _show_once(made)


def _show_once(made: NewUser) -> None:
    """The credentials just made: printed here, and kept nowhere in readable form."""
    click.echo(f"password: {made.password}")
    if made.totp_uri:
        click.echo(f"one-time-code secret: {made.totp_secret}")
        click.echo(f"authenticator URI: {made.totp_uri}")


@users_group.command("set-role")
@click.argument("username")
@click.argument("role", type=ROLE)
@click.option("--office", "field_office", help="New field office (default: the current one).")
@click.pass_context
def set_role_command(
    ctx: click.Context, username: str, role: str, field_office: str | None
) -> None:
    """Give USERNAME the role ROLE; their sessions end on their next request. The last admin
    not disabled keeps theirs: add another admin first."""
    with opened(ctx) as docket:
        user = set_role(
            **_by_operator(docket),
            username=username,
            role=Role(role),
            field_office=field_office,
        )
    scope = f", office {user.field_office}" if user.field_office else ""
    click.echo(f"{user.username} is now {user.role.value}{scope}")


@users_group.command("link-client")
@click.argument("username")
@click.argument("person_id")
@click.option(
    "--document", "document_ref", required=True, help="The notice of appearance (G-28, EOIR-28)."
)
@click.pass_context
def link_client_command(
    ctx: click.Context, username: str, person_id: str, document_ref: str
) -> None:
    """Record that counsel USERNAME represents PERSON_ID: from their next request they may read
    that person's record and cases."""
    with opened(ctx) as docket:
        link_client(
            **_by_operator(docket),
            cases=docket.uow,
            username=username,
            person_id=person_id,
            document_ref=document_ref,
        )
    click.echo(f"{username.lower()} represents {person_id} ({document_ref.strip()})")


@users_group.command("unlink-client")
@click.argument("username")
@click.argument("person_id")
@click.pass_context
def unlink_client_command(ctx: click.Context, username: str, person_id: str) -> None:
    """Counsel USERNAME no longer represents PERSON_ID."""
    with opened(ctx) as docket:
        unlink_client(**_by_operator(docket), username=username, person_id=person_id)
    click.echo(f"{username.lower()} no longer represents {person_id}")
