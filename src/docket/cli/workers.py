"""The worker processes of ``docket serve --workers N``: uvicorn's supervisor (it restarts a
worker that dies and stops them all on a signal), each worker accepting on a socket of its own.

uvicorn binds one socket in the parent and shares it, and whichever worker wakes first takes
the connections waiting on it. Under the API benchmark's 50 clients, which connect at once and
keep their connections, the three workers got 31, 12 and 7 of them (46, 2 and 2 in another
run): one process queued most of the requests while the others idled, and the slowest
twentieth of the answers took over ten times the median. On Linux each worker here binds its
own socket to the address with ``SO_REUSEPORT``, and the kernel hands every new connection to
one of them by its addresses (19, 17 and 14; 10, 23 and 17 in another run). The workers then
even out their busy clients themselves (:mod:`docket.api.balance`), in a directory made here
for the purpose. Other systems do not spread connections over such sockets; there ``serve``
keeps uvicorn's shared one.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
from typing import Any, cast

import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from docket.api.balance import TALLY_ENV
from docket.errors import ConfigurationError

_log = logging.getLogger("uvicorn.error")


def spreads_connections() -> bool:
    """Whether this system spreads a port's new connections over the sockets bound to it."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


class SharedAddress:
    """The address the workers listen on. The parent holds it bound but not listening, so the
    kernel hands it no connection, a port in use is found before any worker starts, and port 0
    becomes one port for all. Pickled into a worker process, it arrives as that worker's own
    socket, bound to the same address, which the worker's server listens on."""

    def __init__(self, host: str, port: int) -> None:
        self.family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.held = _bind(self.family, host, port)
        self.host = host
        self.port = int(self.held.getsockname()[1])

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (_bind_in_worker, (self.family, self.host, self.port))

    def close(self) -> None:
        self.held.close()


def _bind(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on connections accepted from a socket
    # that says it is TCP (uvicorn's own bound socket leaves it 0).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _bind_in_worker(family: socket.AddressFamily, host: str, port: int) -> socket.socket:
    try:
        return _bind(family, host, port)
    except OSError as exc:  # the supervisor stops instead of starting the worker again
        _log.error("worker could not bind %s:%d: %s", host, port, exc)
        raise SystemExit(STARTUP_FAILURE) from exc


def serve_workers(
    app: str,
    *,
    workers: int,
    host: str,
    port: int,
    log_level: str = "info",
    access_log: bool = False,
    proxy_headers: bool = False,
    forwarded_allow_ips: str = "",
) -> None:
    """Serve the app factory named ``app`` from ``workers`` processes, each on its own socket
    bound to ``host:port``, until interrupted (with uvicorn's line per request on standard
    error if ``access_log``); :class:`ConfigurationError` if the address is not free to
    listen on. The workers even out their clients through a directory named in the
    environment (``DOCKET_SERVE_TALLY``), except behind a proxy (``proxy_headers``), whose
    clients are not its connections and which spreads the load itself."""
    config = uvicorn.Config(
        app,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        access_log=access_log,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    try:
        address = SharedAddress(host, port)
    except OSError as exc:
        raise ConfigurationError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    tally = None if proxy_headers else tempfile.mkdtemp(prefix="docket-serve-")
    if tally is not None:
        os.environ[TALLY_ENV] = tally  # the workers are started with this environment
    try:
        _log.info(
            "Uvicorn running on http://%s:%d, %d workers each on its own socket (CTRL+C quits)",
            host,
            address.port,
            workers,
        )
        # Each (re)started worker gets the address pickled, and so its own socket.
        Multiprocess(config, sockets=[cast(socket.socket, address)]).run()
    finally:
        address.close()
        if tally is not None:
            del os.environ[TALLY_ENV]
            shutil.rmtree(tally, ignore_errors=True)
