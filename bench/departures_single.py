"""The departures benchmark's single reports: `accept_reports` one report per call and the
fast path alone, beside Splink 5's `predict_between` for one new record."""

from __future__ import annotations

import cProfile
import io
import logging
import pstats
import time

import pyarrow as pa
from splink import DuckDBAPI, Linker

from departures_reports import arrow, parsed
from departures_runs import ACTOR, latest_model, latest_tf, ms, note, percentile
from docket.bootstrap import Docket
from docket.departures.decision import resolve
from docket.departures.linkage import record
from docket.departures.model import Parsed
from docket.departures.service import accept_reports
from import_bench import progress

WARM_UP = 20
"""Reports taken before the single-report timings start (connections, caches, the model)."""


def single_reports(
    docket: Docket,
    reports: list[dict[str, str]],
    splink_count: int,
    budget: float,
    persons: int,
    prof: bool,
) -> None:
    warm, timed = [parsed(r) for r in reports[:WARM_UP]], [parsed(r) for r in reports[WARM_UP:]]
    for one in warm:
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
    service: list[float] = []
    advance = progress("accept_reports, one per call", len(timed))
    for one in timed:
        start = time.perf_counter()
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
        service.append(time.perf_counter() - start)
        advance(1)
    # The fast path alone, on the same reports: the candidate query and the scoring.
    query: list[float] = []
    scoring: list[float] = []
    fast: list[float] = []
    found: list[int] = []
    best: dict[str, tuple[float | None, set[str]]] = {}
    """By report: the fast path's best match weight (``None``: no candidate shown) and the
    persons its candidate query found."""
    advance = progress("fast path (candidates + scoring)", len(timed))
    with docket.departures.write() as tx:
        model = tx.linkage_model()
        assert model is not None
        for one in timed:
            start = time.perf_counter()
            compared = record(one.report.content())
            candidates = tx.candidates(compared)
            middle = time.perf_counter()
            resolution = resolve(model, compared, candidates)
            end = time.perf_counter()
            query.append(middle - start)
            scoring.append(end - middle)
            fast.append(end - start)
            found.append(len(candidates))
            if len(best) < splink_count:
                top = resolution.best.weight if resolution.best else None
                best[one.report.source_record_id] = (top, set(candidates))
            advance(1)
    with_a_number = sum(1 for one in timed if one.report.a_number)
    print(
        f"\nsingle reports against {persons:,} persons, one at a time "
        f"({len(timed):,} reports, {with_a_number} with an A-number; {WARM_UP} more taken first "
        "as warm-up)"
    )
    print(f"{'':<56}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  (ms)")
    print(f"{'docket accept_reports, 1 report per call (tx, commit)':<56}{ms(service)}")
    print(f"{'docket fast path: candidate query + scoring':<56}{ms(fast)}")
    print(f"{'  candidate query (SQL, persons decoded)':<56}{ms(query)}")
    print(f"{'  scoring and decision':<56}{ms(scoring)}")
    print(
        f"  candidates per report: p50 {percentile(found, 50)}, p99 {percentile(found, 99)}, "
        f"max {max(found)}"
    )
    if splink_count:
        splink = splink_single(docket, timed[:splink_count], budget)
        took = [s for s, _, _ in splink.values()]
        same = missed = 0
        for rid, (_, person, weight) in splink.items():
            ours, candidates = best[rid]
            same += (ours is None and weight is None) or (
                ours is not None and weight is not None and abs(ours - weight) < 1e-6
            )
            missed += person is not None and person not in candidates
        label = f"splink predict_between, 1 new record ({len(took)} reports)"
        print(f"{label:<56}{ms(took)}")
        if len(took) < min(splink_count, len(timed)):
            print(f"  (Splink stopped after {len(took)} reports: --splink-budget {budget:.0f} s)")
        fast_p = [percentile(fast, p) for p in (50, 99)]
        service_p = [percentile(service, p) for p in (50, 99)]
        splink_p = [percentile(took, p) for p in (50, 99)]
        print(
            f"  ratio docket / splink: fast path p50 {fast_p[0] / splink_p[0]:.4f}, p99 "
            f"{fast_p[1] / splink_p[1]:.4f}; accept_reports p50 "
            f"{service_p[0] / splink_p[0]:.4f}, p99 {service_p[1] / splink_p[1]:.4f}"
        )
        print(
            f"  the same best match weight (or no pair at 0.01) from Splink as from the fast "
            f"path: {same}/{len(took)}; Splink's best person not among the fast path's "
            f"candidates: {missed} (Splink also blocks on the document number)"
        )
    if prof:
        profile_single(docket, reports)


def profile_single(docket: Docket, reports: list[dict[str, str]]) -> None:
    """cProfile of accept_reports, one report per call, on reports not yet taken."""
    extra = [parsed({**r, "source_record_id": f"{r['source_record_id']}-prof"}) for r in reports]
    profiler = cProfile.Profile()
    profiler.enable()
    for one in extra[:500]:
        accept_reports(store=docket.departures, clock=docket.clock, actor=ACTOR, reports=[one])
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    print(f"\n  cProfile of accept_reports, 1 report per call, {len(extra[:500])} reports:")
    print("\n".join("  " + line for line in out.getvalue().splitlines() if line.strip()))


def splink_single(
    docket: Docket, timed: list[Parsed], budget: float
) -> dict[str, tuple[float, str | None, float | None]]:
    """Splink's own matching of one new record against the persons (`predict_between`), one
    report at a time, until ``budget`` seconds are spent (10 reports at least): seconds taken,
    the best person found and their match weight, by report."""
    logging.getLogger("splink").setLevel(logging.ERROR)
    note("splink: reading persons and reports for the per-record baseline ...")
    persons, received = docket.linkage.training_records()
    api = DuckDBAPI()
    persons_table = api.register(arrow(persons), dataset_display_name="persons")
    reports_table = api.register(arrow(received), dataset_display_name="reports")
    linker = Linker([persons_table, reports_table], latest_model(docket), log_level=logging.WARNING)
    for column, frequencies in latest_tf(docket).items():
        tf = api.register(
            pa.table({column: list(frequencies), f"tf_{column}": list(frequencies.values())}),
            dataset_display_name=f"tf_{column}",
        )
        linker.table_management.register_term_frequency_lookup(tf, column)
    del persons, received
    out: dict[str, tuple[float, str | None, float | None]] = {}
    advance = progress("splink predict_between, one new record", len(timed))
    began = time.perf_counter()
    for n, one in enumerate(timed):
        if n >= 10 and time.perf_counter() - began > budget:
            note(f"splink: stopped after {n} reports, {budget:.0f} s spent")
            break
        rid = one.report.source_record_id
        row = {"unique_id": rid, **record(one.report.content())}
        start = time.perf_counter()
        new = api.register(arrow([row]), dataset_display_name=f"new_record_{n}")
        predictions = linker.inference.predict_between(
            persons_table, new, threshold_match_probability=0.01, warning_mode="never"
        )
        pairs = predictions.as_record_list()
        took = time.perf_counter() - start
        top = max(pairs, key=lambda p: p["match_weight"], default=None)
        person, weight = None, None
        if top is not None:
            side = "unique_id_l" if top["source_dataset_l"] == "persons" else "unique_id_r"
            person, weight = str(top[side]), float(top["match_weight"])
        out[rid] = (took, person, weight)
        predictions.drop_table_from_database_and_remove_from_cache()
        new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        advance(1)
    return out
