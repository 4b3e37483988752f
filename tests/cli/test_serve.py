"""``docket serve``: one process with the threads asked for, or worker processes that each
build the same app from the settings and threads the command hands them."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.request

import anyio
import pytest
import uvicorn
from anyio import to_thread
from uvicorn.importer import import_from_string

from docket.bootstrap import bootstrap
from docket.cli import workers
from docket.cli.serve import SERVE_THREADS
from docket.config import Settings


@pytest.fixture
def served(monkeypatch):
    """What ``serve`` hands to uvicorn, instead of serving; the environment it leaves is undone
    after the test."""
    for name in [*(f"DOCKET_{field}".upper() for field in Settings.model_fields), SERVE_THREADS]:
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])  # restored as it was
        else:
            monkeypatch.setenv(name, "")  # removed again after the test
            monkeypatch.delenv(name)
    calls = []

    def run(app, **options):
        environment = {k: v for k, v in os.environ.items() if k.startswith("DOCKET_")}
        calls.append((app, options, environment))

    def serve_workers(app, **options):
        run(app, factory=True, **options)

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.setattr(workers, "serve_workers", serve_workers)
    return calls


def _threads_of(app) -> int:
    """The size of the thread pool the app's routes run in, once it has started."""

    async def started() -> int:
        async with app.router.lifespan_context(app):
            return int(to_thread.current_default_thread_limiter().total_tokens)

    return anyio.run(started)


def test_serve_runs_one_process_with_the_threads_asked_for(run, served):
    assert run("serve", "--port", "8123", "--threads", "3").exit_code == 0
    [(app, options, _)] = served
    assert options == {
        "host": "127.0.0.1",
        "port": 8123,
        "log_level": "info",
        "access_log": False,
        "proxy_headers": False,
        "forwarded_allow_ips": "",
    }
    assert _threads_of(app) == 3


def test_serve_keeps_the_default_thread_pool_unless_asked(run, served):
    assert run("serve").exit_code == 0
    [(app, _, _)] = served
    assert _threads_of(app) == 40


@pytest.mark.parametrize("spreads", [True, False], ids=["own sockets", "uvicorn's shared socket"])
def test_serve_with_workers_has_each_worker_build_the_app_on_the_same_database(
    run, served, database_url, monkeypatch, spreads
):
    monkeypatch.setattr(workers, "spreads_connections", lambda: spreads)
    assert run("serve", "--workers", "3", "--threads", "2").exit_code == 0
    [(target, options, environment)] = served
    assert options["workers"] == 3
    assert options["factory"] is True
    assert environment["DOCKET_DATABASE_URL"] == database_url
    # What a worker process does: import the factory by name, in the environment it inherits.
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    app = import_from_string(target)()
    assert app.state.docket.settings.database_url == database_url
    assert _threads_of(app) == 2


@pytest.mark.parametrize("processes", ["1", "3"])
@pytest.mark.parametrize("spreads", [True, False], ids=["own sockets", "uvicorn's shared socket"])
def test_serve_writes_a_line_per_request_only_when_asked(
    run, served, monkeypatch, processes, spreads
):
    monkeypatch.setattr(workers, "spreads_connections", lambda: spreads)
    assert run("serve", "--workers", processes).exit_code == 0
    assert run("serve", "--workers", processes, "--access-log").exit_code == 0
    assert run("serve", "--workers", processes, "--no-access-log").exit_code == 0
    assert [options["access_log"] for _, options, _ in served] == [False, True, False]


def test_serve_keeps_uvicorns_proxy_headers_off_unless_told(run, served):
    assert run("serve").exit_code == 0
    assert run("serve", "--forwarded-allow-ips", "10.0.0.5").exit_code == 0
    [(_, default, _), (_, told, _)] = served
    assert (default["proxy_headers"], default["forwarded_allow_ips"]) == (False, "")
    assert (told["proxy_headers"], told["forwarded_allow_ips"]) == (True, "10.0.0.5")


@pytest.mark.parametrize(
    ("options", "recorded"),
    [((), "127.0.0.1"), (("--forwarded-allow-ips", "127.0.0.1"), "203.0.113.9")],
    ids=["default", "a proxy on loopback trusted"],
)
def test_a_client_cannot_choose_where_the_access_log_says_it_came_from(
    run, served, database_url, options, recorded
):
    """Served as `docket serve` hands the app to uvicorn, a request claiming another address
    in X-Forwarded-For is logged from where it came unless that proxy is trusted."""
    assert run("serve", *options).exit_code == 0
    [(app, given, _)] = served
    server = uvicorn.Server(uvicorn.Config(app, **{**given, "port": 0, "log_level": "error"}))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(400):
            if server.started or not thread.is_alive():
                break
            time.sleep(0.05)
        assert server.started, "the server did not start"
        port = server.servers[0].sockets[0].getsockname()[1]
        login = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/session",
            data=json.dumps(
                {"username": "mallory", "password": "not-a-password", "code": "000000"}
            ).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": "203.0.113.9"},
        )
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(login, timeout=20)  # noqa: S310 (http on loopback, built here)
        assert refused.value.code == 401
    finally:
        server.should_exit = True
        thread.join(timeout=20)
    docket = bootstrap(Settings(database_url=database_url), migrate=False)
    try:
        [logged] = docket.access_log.entries(actor="mallory")
    finally:
        docket.close()
    assert logged["source"] == recorded
