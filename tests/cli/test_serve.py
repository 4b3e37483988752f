"""``docket serve``: one process with the threads asked for, or worker processes that each
build the same app from the settings and threads the command hands them."""

from __future__ import annotations

import os

import anyio
import pytest
import uvicorn
from anyio import to_thread
from uvicorn.importer import import_from_string

from docket.cli import workers
from docket.cli.main import SERVE_THREADS
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
