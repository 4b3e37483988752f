"""``docket serve``: the HTTP API under uvicorn, in one process or several."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from docket.cli.context import opened
from docket.config import Settings

if TYPE_CHECKING:
    from fastapi import FastAPI


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
    help="Port to listen on.",
)  # fmt: skip
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes, each with its own connections to the database. Python runs one "
    "thread at a time in a process: on several cores, more processes serve more requests.",
)
@click.option(
    "--threads",
    type=click.IntRange(1, 1000),
    help="Requests each process works on at once (default 40). Under heavy load, 2 to 4 "
    "serve more: fewer threads contend less for the process.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    help="Also write a line per HTTP request to standard error (method, path, status). Off "
    "by default: every access to a person's data is on Docket's own tamper-evident access "
    "log already, and the paths name cases and persons.",
)
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    help="Comma-separated addresses of reverse proxies whose X-Forwarded-For and "
    "X-Forwarded-Proto headers are believed. By default none is: the access log records "
    "where each request came from as the connection says, and no client can write its own.",
)
@click.pass_context
def serve_command(
    ctx: click.Context,
    host: str,
    port: int,
    workers: int = 1,
    threads: int | None = None,
    access_log: bool = False,
    forwarded_allow_ips: str | None = None,
) -> None:
    """Run the HTTP API (spec at /openapi.json) until interrupted."""
    import uvicorn  # only this command needs the server

    from docket.api.app import create_app
    from docket.cli.workers import serve_workers, spreads_connections

    settings = ctx.find_object(Settings) or Settings()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "info",
        "access_log": access_log,
        # uvicorn believes these headers from 127.0.0.1 unless told otherwise: any local
        # client could then choose the address the access log records.
        "proxy_headers": bool(forwarded_allow_ips),
        "forwarded_allow_ips": forwarded_allow_ips or "",
    }
    if workers == 1:
        app = create_app(settings, threads=threads)
        uvicorn.run(app, **options)
        return
    # Each worker is a new process that builds its own app from the environment it inherits.
    # A database none of them can use would fail each, with a stack trace, and the server
    # would start them again for ever: it is checked here, once, first.
    with opened(ctx):
        pass
    os.environ.update(settings_environment(settings))
    os.environ[SERVE_THREADS] = str(threads or "")
    if spreads_connections():
        serve_workers(f"{__name__}:worker_app", workers=workers, **options)
        return
    uvicorn.run(f"{__name__}:worker_app", factory=True, workers=workers, **options)


SERVE_THREADS = "DOCKET_SERVE_THREADS"
"""How ``serve --workers N`` passes ``--threads`` on to its worker processes."""


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment variables that make the same settings again."""
    prefix = settings.model_config.get("env_prefix", "")
    return {f"{prefix}{name}".upper(): str(value) for name, value in settings.model_dump().items()}


def worker_app() -> FastAPI:
    """The API of one worker process of ``serve --workers N``, from the settings the command
    put in the environment (each worker has its own database pool)."""
    from docket.api.app import create_app
    from docket.api.balance import TALLY_ENV, Tally

    threads = os.environ.get(SERVE_THREADS)
    tally = os.environ.get(TALLY_ENV)
    return create_app(
        Settings(),
        threads=int(threads) if threads else None,
        tally=Tally(Path(tally)) if tally else None,
    )
