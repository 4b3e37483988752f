"""The simulated clients of ``api_load_bench.py``: locust ``FastHttpUser``s, run headless.

Run by the bench as its own process (locust patches the standard library for gevent when it
is imported, which the bench's set-up must not be exposed to):

    python bench/api_load_clients.py PLAN.json RESULT.json

The plan gives the server, the measuring time, the mix of requests and, for each client, its
session token, its field office and the cases it alone writes to (with their versions). Each
client sends its next request as soon as the last one is answered (no think time). Every
request completed in the measuring window is kept with its latency; any answer but the
expected 2xx (or no answer) is an error.
"""

from __future__ import annotations

import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import gevent
from locust import FastHttpUser, constant, events
from locust.env import Environment

PLAN: dict[str, Any] = {}
SAMPLES: dict[str, list[float]] = {}
ERRORS: dict[str, int] = {}
ERROR_EXAMPLES: list[str] = []
WINDOW = {"start": float("inf"), "end": float("inf")}
_NEXT_CLIENT = itertools.count()


def _count(kind: str, elapsed_ms: float, error: str | None) -> None:
    """Keep a request that completed inside the measuring window."""
    if not WINDOW["start"] <= time.monotonic() < WINDOW["end"]:
        return
    SAMPLES.setdefault(kind, []).append(elapsed_ms)
    if error is not None:
        ERRORS[kind] = ERRORS.get(kind, 0) + 1
        if len(ERROR_EXAMPLES) < 10:
            ERROR_EXAMPLES.append(f"{kind}: {error}")


@events.user_error.add_listener
def _task_raised(user_instance: Any, exception: Exception, **_: Any) -> None:
    """A request whose answer its task could not take (say, a 2xx whose body is not the JSON
    expected) raises inside the task, and locust only logs that: count it as an error of the
    request under way, or a run of nothing but such answers would report 0 errors."""
    if not WINDOW["start"] <= time.monotonic() < WINDOW["end"]:
        return
    kind = getattr(getattr(user_instance, "user", user_instance), "kind", "POST event")
    ERRORS[kind] = ERRORS.get(kind, 0) + 1
    if len(ERROR_EXAMPLES) < 10:
        ERROR_EXAMPLES.append(f"{kind}: {type(exception).__name__}: {exception}")


class Officer(FastHttpUser):
    """One client: an officer with their own session, reading their office's docket and
    recording hearings on the cases they alone write to."""

    wait_time = constant(0)
    tasks: ClassVar[list[Any]] = []  # set from the plan's weights in main()

    def on_start(self) -> None:
        me = PLAN["clients"][next(_NEXT_CLIENT) % len(PLAN["clients"])]
        self.auth = {"Authorization": f"Bearer {me['token']}"}
        office = PLAN["offices"][me["office"]]
        self.office_cases: list[str] = office["cases"]
        self.office_persons: list[str] = office["persons"]
        # ref -> [version, next kind]; a hearing is held, then the next one scheduled, and so on.
        self.own = {ref: [version, "hearing_held"] for ref, version in me["own"]}
        self.stale: set[str] = set()
        self.writes = 0
        self.kind = "GET case"
        """The kind of the request under way (an error raised in its task is counted as it)."""

    def _get(self, kind: str, path: str) -> dict[str, Any] | None:
        start = time.perf_counter()
        error: str | None = None
        body: dict[str, Any] | None = None
        self.kind = kind
        with self.client.get(path, headers=self.auth, name=kind, catch_response=True) as answer:
            if answer.status_code == 200:
                body = answer.json()
                answer.success()
            else:
                error = f"{answer.status_code} {(answer.text or '')[:200]}"
                answer.failure(error)
        _count(kind, (time.perf_counter() - start) * 1000, error)
        return body

    def read_case(self) -> None:
        self._get("GET case", f"/api/cases/{random.choice(self.office_cases)}")

    def list_cases(self) -> None:
        after = random.choice(self.office_cases)
        self._get("GET list", f"/api/cases?limit=50&after={after}")

    def read_person(self) -> None:
        self._get("GET person", f"/api/persons/{random.choice(self.office_persons)}")

    def record_hearing(self) -> None:
        ref = random.choice(list(self.own))
        if ref in self.stale:  # an earlier write failed: read the version again first
            case = self._get("GET case", f"/api/cases/{ref}")
            if case is None:
                return
            self.own[ref][0] = case["case"]["version"]
            self.stale.discard(ref)
        version, kind = self.own[ref]
        self.writes += 1
        body: dict[str, str] = {"document_ref": f"BENCH-{id(self)}-{self.writes}"}
        if kind == "hearing_scheduled":
            body["hearing_on"] = PLAN["hearing_on"]
        headers = {
            **self.auth,
            "Idempotency-Key": f"bench-{PLAN['run']}-{id(self)}-{self.writes}",
            "If-Match": f'"{version}"',
        }
        self.kind = "POST event"
        start = time.perf_counter()
        error: str | None = None
        with self.client.post(
            f"/api/cases/{ref}/events/{kind}",
            json=body,
            headers=headers,
            name="POST event",
            catch_response=True,
        ) as answer:
            if answer.status_code == 201:
                self.own[ref] = [
                    answer.json()["version"],
                    "hearing_scheduled" if kind == "hearing_held" else "hearing_held",
                ]
                answer.success()
            else:
                error = f"{answer.status_code} {(answer.text or '')[:200]}"
                self.stale.add(ref)
                answer.failure(error)
        _count("POST event", (time.perf_counter() - start) * 1000, error)


def main() -> None:
    plan_path, result_path = Path(sys.argv[1]), Path(sys.argv[2])
    PLAN.update(json.loads(plan_path.read_text()))
    weights = PLAN["weights"]
    Officer.tasks = [
        *[Officer.read_case] * weights["GET case"],
        *[Officer.list_cases] * weights["GET list"],
        *[Officer.read_person] * weights["GET person"],
        *[Officer.record_hearing] * weights["POST event"],
    ]
    clients = len(PLAN["clients"])
    environment = Environment(user_classes=[Officer], host=PLAN["base_url"], events=events)
    runner = environment.create_local_runner()
    runner.start(clients, spawn_rate=clients)
    while runner.user_count < clients:
        gevent.sleep(0.05)
    gevent.sleep(1)  # every client is logged in and under way before the window opens
    WINDOW["start"] = time.monotonic()
    WINDOW["end"] = WINDOW["start"] + PLAN["seconds"]
    gevent.sleep(PLAN["seconds"])
    runner.quit()
    result_path.write_text(
        json.dumps(
            {
                "seconds": PLAN["seconds"],
                "samples": SAMPLES,
                "errors": ERRORS,
                "error_examples": ERROR_EXAMPLES,
            }
        )
    )


if __name__ == "__main__":
    main()
