"""The disparity report: categories and scores across groups (citizenship country, sex, age
band), from aggregates only, with small groups suppressed. The group attributes are read after
scoring, to examine bias; they never reach it."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import Any

import numpy as np

from docket import collector
from docket.cases.ports import Clock
from docket.priority.packs import Pack
from docket.priority.ports import PriorityStore
from docket.priority.scoring import Docket, Scorer, whole_years
from docket.priority.switch import require_on

MIN_GROUP = 10
"""Groups smaller than this are suppressed in the disparity report."""

AGE_BANDS = ((17, "under 18"), (24, "18-24"), (34, "25-34"), (49, "35-49"), (64, "50-64"))
"""The disparity report's age bands, by their oldest age; older is "65 and over"."""


def age_bands(born: list[dt.date | None], on: dt.date) -> list[str]:
    """Each person's age band on ``on`` (``unknown`` without a date of birth), with ages
    worked out as scoring works them out."""
    known = [b is not None for b in born]
    days = np.array([b.toordinal() if b is not None else on.toordinal() for b in born], np.int64)
    ages = whole_years(days, on)
    names = [band for _, band in AGE_BANDS] + ["65 and over"]
    index = np.searchsorted(np.array([top for top, _ in AGE_BANDS]), ages, side="left")
    return [names[i] if k else "unknown" for i, k in zip(index.tolist(), known, strict=True)]


def disparity(
    *,
    store: PriorityStore,
    clock: Clock,
    pack: Pack,
    as_of: dt.date | None = None,
    allow_rescinded: bool = False,
) -> dict[str, Any]:
    """Categories and scores across groups (citizenship country, sex, age band), from
    aggregates only; a group of fewer than :data:`MIN_GROUP` cases is suppressed, and so is
    the next smallest when the suppressed come to fewer together (see :func:`_suppressed`).
    The group attributes are read after scoring and never reach it."""
    today = clock.now().date()
    day = as_of or today
    pack.check_date(day, today=today, allow_rescinded=allow_rescinded)
    with store.read() as tx, collector.paused():
        require_on(tx)
        docket = Docket.build(tx.docket(None))
        ranking = Scorer(pack, docket, day).rank()
        labels = [r.id for r in ranking.rules]
        outcome = {
            ref: (labels[int(c)] if c >= 0 else "none", int(s))
            for ref, c, s in zip(docket.case_refs, ranking.category, ranking.score, strict=True)
        }
        tallies: dict[str, dict[str, list[tuple[str, int]]]] = {
            "citizenship_country": defaultdict(list),
            "sex": defaultdict(list),
            "age_band": defaultdict(list),
        }
        people = [row for row in tx.groups() if row[0] in outcome]
        bands = age_bands([born for *_, born in people], day)
        for (ref, citizenship, sex, _), band in zip(people, bands, strict=True):
            tallies["citizenship_country"][citizenship or "unknown"].append(outcome[ref])
            tallies["sex"][sex or "unknown"].append(outcome[ref])
            tallies["age_band"][band].append(outcome[ref])
    del outcome
    categories = [r.id for r in pack.categories] + ["none"]
    report: dict[str, Any] = {
        "policy": {"name": pack.name, "version": pack.version, "content_hash": pack.content_hash},
        "as_of": day.isoformat(),
        "cases": len(docket),
        "minimum_group": MIN_GROUP,
        "dimensions": {},
    }
    for dimension, groups in tallies.items():
        hidden = _suppressed({group: len(outcomes) for group, outcomes in groups.items()})
        rows = [
            _aggregate(group, outcomes, categories)
            for group, outcomes in sorted(groups.items())
            if group not in hidden
        ]
        report["dimensions"][dimension] = {"groups": rows, "suppressed_groups": len(hidden)}
    return report


def _suppressed(sizes: dict[str, int]) -> set[str]:
    """The groups a dimension does not show: those under :data:`MIN_GROUP` cases, and, when
    they come to fewer than that together, the smallest group shown as well. The report
    gives the number of cases, so the cases not shown are the total less those shown: were
    that under :data:`MIN_GROUP`, one small group's size could be worked out (the total less
    the rest), which the suppression is there to prevent."""
    hidden = {group for group, size in sizes.items() if size < MIN_GROUP}
    hidden_cases = sum(sizes[group] for group in hidden)
    if hidden and hidden_cases < MIN_GROUP:
        shown = sorted((size, group) for group, size in sizes.items() if group not in hidden)
        if shown:
            hidden.add(shown[0][1])
    return hidden


def _aggregate(
    group: str, outcomes: list[tuple[str, int]], categories: list[str]
) -> dict[str, Any]:
    counts: defaultdict[str, int] = defaultdict(int)
    for category, _ in outcomes:
        counts[category] += 1
    scores = [score for category, score in outcomes if category != "none"]
    return {
        "group": group,
        "cases": len(outcomes),
        "categories": {c: round(counts.get(c, 0) / len(outcomes), 4) for c in categories},
        "priority_share": round(sum(1 for c, _ in outcomes if c != "none") / len(outcomes), 4),
        "mean_score": round(statistics.fmean(scores), 2) if scores else None,
        "median_score": statistics.median(scores) if scores else None,
    }
