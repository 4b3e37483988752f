"""``docket serve --workers N`` on Linux: each worker listens on a socket of its own, and the
kernel spreads the connections over them, instead of one worker taking most of them; the
workers then even out their busy clients (``api/balance.py``)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from docket.cli.workers import spreads_connections

pytestmark = pytest.mark.skipif(not spreads_connections(), reason="Linux spreads connections")

LISTEN, ESTABLISHED = "0A", "01"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _sockets_on(port: int, state: str) -> set[str]:
    """Inodes of the IPv4 TCP sockets on local ``port`` in ``state``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].split(":")[1], 16) == port and fields[3] == state:
            inodes.add(fields[9])
    return inodes


def _held_by(pid: int, inodes: set[str]) -> set[str]:
    held = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:  # closed meanwhile
            continue
        if target.startswith("socket:[") and target[8:-1] in inodes:
            held.add(target[8:-1])
    return held


def _sent_away(connection: http.client.HTTPConnection) -> bool:
    """Ask for the cases (401, not logged in); whether the answer ends the connection."""
    connection.request("GET", "/api/cases")
    answer = connection.getresponse()
    answer.read()
    assert answer.status == 401
    return answer.getheader("Connection") == "close"


@pytest.fixture
def server(request, run, database_url, tmp_path):
    """``docket serve --workers 2`` (or as many as the test's parameter says) on a free port,
    as its own process; stopped afterwards."""
    count = getattr(request, "param", 2)
    port = _free_port()
    command = [sys.executable, "-c", "from docket.cli.main import cli; cli()"]
    env = {**os.environ, "DOCKET_DATABASE_URL": database_url}
    env["DOCKET_SIGNING_KEY_FILE"] = str(tmp_path / "signing.key")
    args = ["serve", "--workers", str(count), "--port", str(port)]
    with (tmp_path / "serve.log").open("w") as log:
        process = subprocess.Popen([*command, *args], env=env, stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 60
        while len(_sockets_on(port, LISTEN)) < count:
            assert process.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        # The parent's children: the workers, and multiprocessing's resource tracker.
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        workers = [int(pid) for pid in children if _held_by(int(pid), _sockets_on(port, LISTEN))]
        yield process.pid, workers, port
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_each_worker_listens_on_its_own_socket_and_the_parent_on_none(server):
    parent, workers, port = server
    listening = _sockets_on(port, LISTEN)
    assert len(workers) == 2
    held = [_held_by(worker, listening) for worker in workers]
    assert all(len(sockets) == 1 for sockets in held)
    assert held[0] != held[1]
    assert not _held_by(parent, listening)


def test_connections_made_at_once_are_spread_over_the_workers(server):
    _, workers, port = server
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(32)]
    sent_away = 0
    try:
        for connection in connections:  # each answered, and each kept open
            # unless a worker with too many sends it away (api/balance.py)
            sent_away += _sent_away(connection)
        established = _sockets_on(port, ESTABLISHED)
        counts = [len(_held_by(worker, established)) for worker in workers]
    finally:
        for connection in connections:
            connection.close()
    assert sum(counts) == 32 - sent_away
    assert min(counts) > 0, counts  # with one shared socket, one worker often takes them all


@pytest.mark.parametrize("server", [3], indirect=True)
def test_busy_clients_are_evened_out_over_the_workers(server):
    """30 clients each sending request after request: the kernel's hash leaves the workers
    with uneven shares (10 each in about 1 run of 37), until the workers send the clients
    they have too many of away with ``Connection: close`` and those connect again."""
    _, workers, port = server
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=30) for _ in range(30)]
    sent_away = 0
    counts: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for client in clients:
                if _sent_away(client):
                    sent_away += 1
                    client.close()  # the next request connects again
            established = _sockets_on(port, ESTABLISHED)
            counts = [len(_held_by(worker, established)) for worker in workers]
            if sum(counts) == 30 and max(counts) - min(counts) <= 1:
                break
    finally:
        for client in clients:
            client.close()
    assert sorted(counts) == [10, 10, 10], (counts, sent_away)
