"""What the API tests share: the app on a fresh database holding one NYC case, in process or
served by a real uvicorn on a free port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi.testclient import TestClient

from docket.api.app import create_app
from tests.builders import a_case


@pytest.fixture
def client(docket, settings, clock):
    a_case(docket, "DKT-NYC-1")  # a case of the NYC office
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


@pytest.fixture
def served(settings, clock) -> Iterator[str]:
    """The base URL of the app served by uvicorn on 127.0.0.1 (a free port) for the test."""
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings, clock=clock), host="127.0.0.1", port=0, log_level="error"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
