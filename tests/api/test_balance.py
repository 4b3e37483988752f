"""The worker processes of ``serve --workers N`` even out their active clients: one with more
than one client above the worker with the fewest sends one away per refresh, by ending an
answer with ``Connection: close`` (``api/balance.py``)."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from docket.api.balance import ACTIVE_SECONDS, REFRESH_SECONDS, STALE_SECONDS, ClientBalance, Tally


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": [(b"x-app", b"yes")]})
    await send({"type": "http.response.body", "body": b"{}"})


def _ask(middleware: ClientBalance, port: int) -> dict[str, str]:
    """The headers of the answer to a request from 127.0.0.1:``port``."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "client": ("127.0.0.1", port), "headers": []}
    asyncio.run(middleware(scope, receive, send))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[1]["body"] == b"{}"
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def _other_worker(directory: Path, count: int, *, age: float = 0.0) -> Path:
    path = directory / "999999999"
    path.write_text(str(count))
    then = time.time() - age
    os.utime(path, (then, then))
    return path


def test_a_worker_one_client_above_the_fewest_keeps_its_connections(tmp_path, clock):
    _other_worker(tmp_path, 1)
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    assert "connection" not in _ask(middleware, 1)
    assert "connection" not in _ask(middleware, 2)  # 2 against 1
    assert "connection" not in _ask(middleware, 1)
    assert (tmp_path / str(os.getpid())).read_text() == "1"  # counted at the first request


def test_a_worker_further_above_sends_one_client_away_per_refresh(tmp_path, clock):
    _other_worker(tmp_path, 0)
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    assert "connection" not in _ask(middleware, 1)
    answer = _ask(middleware, 2)  # 2 against 0: this client is sent away, the answer whole
    assert answer["connection"] == "close"
    assert answer["x-app"] == "yes"
    assert "connection" not in _ask(middleware, 3)  # not before the next refresh
    clock.now += REFRESH_SECONDS
    assert _ask(middleware, 4)["connection"] == "close"  # 1, 3 and 4 against 0
    clock.now += REFRESH_SECONDS
    assert _ask(middleware, 1)["connection"] == "close"  # 1 and 3 against 0
    assert (tmp_path / str(os.getpid())).read_text() == "2"
    clock.now += REFRESH_SECONDS
    assert "connection" not in _ask(middleware, 3)  # 3 alone against 0
    assert (tmp_path / str(os.getpid())).read_text() == "1"


def test_the_clients_gone_quiet_are_not_counted(tmp_path, clock):
    _other_worker(tmp_path, 0)
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    assert "connection" not in _ask(middleware, 1)
    clock.now += ACTIVE_SECONDS + REFRESH_SECONDS
    assert "connection" not in _ask(middleware, 2)  # client 1 has gone quiet: 1 against 0
    assert (tmp_path / str(os.getpid())).read_text() == "1"


def test_a_worker_that_stopped_counting_is_left_out(tmp_path, clock):
    _other_worker(tmp_path, 0, age=STALE_SECONDS + 5)
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    assert all("connection" not in _ask(middleware, port) for port in range(1, 6))


def test_a_lone_worker_sends_nobody_away(tmp_path, clock):
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    assert all("connection" not in _ask(middleware, port) for port in range(1, 6))


def test_a_request_without_a_client_address_is_served_as_it_is(tmp_path, clock):
    _other_worker(tmp_path, 0)
    middleware = ClientBalance(_answer, Tally(tmp_path), clock)
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    for _ in range(3):
        asyncio.run(middleware({"type": "http", "client": None, "headers": []}, None, send))
    assert all((b"connection", b"close") not in m.get("headers", []) for m in sent)
    assert not middleware.seen


def test_a_removed_directory_stops_the_balancing(tmp_path, clock):
    shared = tmp_path / "tally"
    shared.mkdir()
    _other_worker(shared, 0)
    middleware = ClientBalance(_answer, Tally(shared), clock)
    assert "connection" not in _ask(middleware, 1)
    for path in shared.iterdir():
        path.unlink()
    shared.rmdir()  # the server is stopping
    clock.now += REFRESH_SECONDS
    assert all("connection" not in _ask(middleware, port) for port in range(2, 6))


def test_a_worker_reads_the_others_counts_and_stops_counting_when_removed(tmp_path):
    tally = Tally(tmp_path)
    tally.write(3)
    other = _other_worker(tmp_path, 5)
    (tmp_path / "999999998.new").write_text("0")  # another's count half-written: not read
    assert tally.fewest_elsewhere() == 5  # its own count is not another's
    tally.remove()
    assert not (tmp_path / str(os.getpid())).exists()
    assert other.exists()
