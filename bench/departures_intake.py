"""The departures benchmark's sustained intake: reports published to NATS JetStream at a
fixed rate and taken by `docket departures listen` (or by `accept_reports` in batches), while
another process reads the live metrics; the time from each publication until the metrics
include it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import multiprocessing as mp
import queue
import signal
import subprocess
import threading
import time
import uuid
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import nats
import nats.js.errors
import psutil

from departures_reports import parsed
from departures_runs import ACTOR, DOCKET, ms
from docket.bootstrap import Docket, SystemClock, bootstrap
from docket.config import Settings
from docket.departures.metrics import metrics
from docket.departures.model import Parsed
from docket.departures.service import accept_reports
from import_bench import progress


def poll_metrics(url: str, interval: float, ready: Any, stop: Any, conn: Any) -> None:
    """In its own process: read the live metrics again and again, noting when each read began
    and ended and the reports received it showed."""
    docket = bootstrap(Settings(database_url=url), clock=SystemClock())
    samples = []
    while not stop.is_set():
        began = time.time()
        figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
        samples.append((began, time.time(), int(figures["reports_received"]["total"])))
        ready.set()
        if interval:
            time.sleep(interval)
    conn.send(samples)
    docket.close()


class Poller:
    def __init__(self, url: str, interval: float) -> None:
        context = mp.get_context("spawn")
        self.ready, self.stop = context.Event(), context.Event()
        self.receive, send = context.Pipe(duplex=False)
        self.process = context.Process(
            target=poll_metrics, args=(url, interval, self.ready, self.stop, send), daemon=True
        )
        self.process.start()
        if not self.ready.wait(120):
            raise SystemExit("the metrics poller did not start")

    def finish(self) -> tuple[list[tuple[float, float, int]], float]:
        """The polls (began, ended, reports received) and the CPU seconds they took."""
        cpu = sum(psutil.Process(self.process.pid).cpu_times()[:2])
        self.stop.set()
        samples: list[tuple[float, float, int]] = self.receive.recv()
        self.process.join()
        return samples, cpu


@dataclass
class Intake:
    submitted: list[float]
    samples: list[tuple[float, float, int]]
    poller_cpu: float
    lines: list[str] = field(default_factory=list)


def intake_part(
    docket: Docket, url: str, env: dict[str, str], reports: list[dict[str, str]], args: Any
) -> None:
    if args.intake_via == "nats":
        done = asyncio.run(intake_nats(url, env, reports, args))
    else:
        done = intake_service(docket, url, reports, args)
    samples = sorted(done.samples, key=lambda s: s[1])
    base = samples[0][2]
    submitted = done.submitted
    totals, running = [], 0
    for _, _, total in samples:
        running = max(running, total)
        totals.append(running)
    # Reports are taken in the order they were sent (one listener, one stream), so the n-th
    # report is in the figures from the first read that counts n more than before the run.
    # With several listeners, batches may commit out of order: then a report's lag is that of
    # the n-th report counted, off by at most the batches committed ahead of its own.
    last = samples[-1][1]
    lags: list[float] = []
    seen = 0
    for n, sent in enumerate(submitted):
        at = bisect_left(totals, base + n + 1)
        if at < len(totals):
            seen = n + 1
            lags.append(samples[at][1] - sent)
        else:  # never seen in the run: at least this late
            lags.append(last - sent)
    seen_by = max((samples[bisect_left(totals, base + seen)][1] if seen else 0.0), submitted[0])
    span = submitted[-1] - submitted[0]
    polls = [end - began for began, end, _ in samples]
    print(
        f"\nsustained intake via {args.intake_via}: {len(submitted):,} reports offered at "
        f"{args.rate:,}/s for {args.seconds} s (open loop), the metrics read every "
        f"{args.poll_interval * 1000:.0f} ms by another process"
    )
    for line in done.lines:
        print(line)
    achieved = seen / (seen_by - submitted[0]) if seen else 0.0
    print(
        f"  offered {len(submitted) / span if span else 0:,.0f}/s; taken {seen:,} of "
        f"{len(submitted):,}, {achieved:,.0f}/s (from the first submission to the last report "
        "seen in the metrics)"
    )
    if seen < len(submitted):
        print(
            f"  NOT ALL SEEN: {len(submitted) - seen:,} reports were not in the metrics when the "
            f"run stopped ({args.drain} s after the last submission); their lags below are "
            "counted to the end of the run, so the percentiles are lower bounds"
        )
    print(f"{'':<56}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    print(f"{'freshness: submitted -> in reports_received.total':<56}{ms(lags)}")
    print(f"{'one metrics read (the poll itself)':<56}{ms(polls)}")
    within = sum(1 for lag in lags if lag < 1.0)
    print(
        f"  within 1 s: {within / len(lags):.1%} of reports (target: p99 under 1 s); "
        f"{len(samples):,} metrics reads took {done.poller_cpu:.1f} s of CPU"
    )


def check_nats(url: str) -> None:
    """Stop at once, before the set-up, when no NATS JetStream server answers at ``url``: the
    client would otherwise retry for minutes, and only after the whole set-up."""

    async def quiet(_error: Exception) -> None:
        return None

    async def probe() -> None:
        # max_reconnect_attempts=0 would retry the first connection for ever (nats-py).
        connection = await asyncio.wait_for(
            nats.connect(
                url,
                connect_timeout=5,
                allow_reconnect=False,
                max_reconnect_attempts=1,
                reconnect_time_wait=0.1,
                error_cb=quiet,
            ),
            timeout=15,
        )
        try:
            await connection.jetstream().account_info()
        finally:
            await connection.close()

    try:
        asyncio.run(probe())
    except Exception as error:  # any failure means the same thing here
        raise SystemExit(
            f"no NATS JetStream server at {url} ({type(error).__name__}: {error}): the intake "
            "part needs one (--nats URL), or leave it out (--only batch,single)"
        ) from None


def tree_cpu(process: psutil.Process) -> Counter[int]:
    """CPU seconds (user and system) of ``process`` and each of its children, by pid."""
    out: Counter[int] = Counter()
    for one in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            out[one.pid] = sum(one.cpu_times()[:2])
    return out


async def intake_nats(
    url: str, env: dict[str, str], reports: list[dict[str, str]], args: Any
) -> Intake:
    """Publish the reports at ``args.rate`` to a fresh JetStream stream taken by the real
    `docket departures listen`, polling the metrics from another process."""
    tag = uuid.uuid4().hex[:8]
    stream, subject, durable = f"BENCH_DEPARTURES_{tag}", f"bench.departures.{tag}", f"bench-{tag}"
    connection = await nats.connect(args.nats)
    js = connection.jetstream()
    await js.add_stream(name=stream, subjects=[subject])
    log_path = args.workdir / f"listen-{tag}.log"
    log = log_path.open("w")
    listener = subprocess.Popen(
        [DOCKET, "--database", url, "departures", "listen", "--nats", args.nats,
         "--stream", stream, "--subject", subject, "--durable", durable,
         "--batch", str(args.batch), "--listeners", str(args.listeners), "--actor", ACTOR],
        env=env, stdout=subprocess.PIPE, stderr=log, text=True,
    )  # fmt: skip
    lines = []
    try:
        for _ in range(600):
            try:
                await js.consumer_info(stream, durable)
                break
            except nats.js.errors.NotFoundError:
                if listener.poll() is not None:
                    raise SystemExit("docket departures listen stopped") from None
                await asyncio.sleep(0.1)
        poller = Poller(url, args.poll_interval)
        bodies = [json.dumps(r).encode() for r in reports]
        usage = psutil.Process(listener.pid)
        cpu_before = tree_cpu(usage)
        submitted: list[float] = []
        start = time.time()
        advance = progress("published", len(bodies))
        for n, body in enumerate(bodies):
            delay = start + n / args.rate - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            submitted.append(time.time())
            await connection.publish(subject, body)
            if n % args.rate == args.rate - 1:
                advance(args.rate)
        await connection.flush()
        advance(len(bodies) % args.rate)
        deadline = time.time() + args.drain
        drained = False
        while not drained and time.time() < deadline:
            info = await js.consumer_info(stream, durable)
            drained = info.num_pending == 0 and info.num_ack_pending == 0
            await asyncio.sleep(0.1)
        stopped = time.time()
        await asyncio.sleep(max(1.0, 3 * args.poll_interval))
        samples, poller_cpu = poller.finish()
        cpu = sum((tree_cpu(usage) - cpu_before).values())
        stored = (await js.stream_info(stream)).state.messages
        waited = stopped - submitted[-1]
        lines.append(
            f"  stream held {stored:,} messages; the listener "
            + (
                f"had taken them all {waited:.1f} s"
                if drained
                else f"was still behind {waited:.0f} s"
            )
            + f" after the last publication; listener CPU {cpu:.1f} s over "
            f"{stopped - start:.1f} s ({cpu / (stopped - start):.0%} of a core)"
        )
    finally:
        listener.send_signal(signal.SIGTERM)
        out, _ = listener.communicate(timeout=60)
        log.close()
        await js.delete_stream(stream)
        await connection.close()
    lines.append(f"  listener: {out.strip()}")
    if listener.returncode == 0:
        log_path.unlink()  # its progress lines; kept only when it failed
    else:
        lines.append(f"  the listener exited {listener.returncode}: its log is {log_path}")
    return Intake(submitted, samples, poller_cpu, lines)


def intake_service(docket: Docket, url: str, reports: list[dict[str, str]], args: Any) -> Intake:
    """Feed `accept_reports` at ``args.rate`` from a clock-paced thread, in batches of what has
    come (at most ``args.batch``), as the listener does; poll the metrics from another
    process."""
    poller = Poller(url, args.poll_interval)
    items = [parsed(r) for r in reports]
    waiting: queue.Queue[Parsed | None] = queue.Queue()
    submitted: list[float] = []

    def feed() -> None:
        start = time.time()
        for n, item in enumerate(items):
            delay = start + n / args.rate - time.time()
            if delay > 0:
                time.sleep(delay)
            submitted.append(time.time())
            waiting.put(item)
        waiting.put(None)

    feeder = threading.Thread(target=feed)
    feeder.start()
    finished = False
    batches = 0
    while not finished:
        if len(submitted) == len(items) and time.time() > submitted[-1] + args.drain:
            break
        batch = []
        item = waiting.get()
        while item is not None:
            batch.append(item)
            if len(batch) >= args.batch:
                break
            try:
                item = waiting.get_nowait()
            except queue.Empty:
                break
        finished = item is None
        if batch:
            accept_reports(
                store=docket.departures,
                clock=docket.clock,
                actor=ACTOR,
                reports=batch,
                refuse_conflicts=False,
            )
            batches += 1
    feeder.join()
    time.sleep(max(1.0, 3 * args.poll_interval))
    samples, poller_cpu = poller.finish()
    return Intake(submitted, samples, poller_cpu, [f"  {batches:,} transactions"])
