"""What each departure and each report adds to the exit metrics: counts by dimension, value and
day. Pure Python, no I/O; intake adds them up report by report, the recount from nothing, and
the two must agree exactly."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from docket.departures.collapse import Departure
from docket.departures.model import Report, Status

Counts = Counter[tuple[str, str, str]]
"""Exit-metric counts by (dimension, value, day)."""
Totals = Counter[tuple[str, str]]
"""Exit-metric counts by (dimension, value), summed over days."""


def contributions(departure: Departure) -> Counts:
    """What one departure adds to the metrics, each count on the day it departed (its first
    report's day): its status, each source it was reported by, its port, destination and
    programme, and for a voluntary departure whether it was confirmed by the deadline (by the
    day a record-based source gives, not a self-report's)."""
    day = departure.first_on.isoformat()
    status = "confirmed" if departure.confirmed else "unconfirmed"
    counts: Counts = Counter()
    counts["departures", status, day] += 1
    for source in departure.sources:
        counts["source", source.value, day] += 1
    counts["port", departure.port or "unknown", day] += 1
    counts["destination_country", departure.destination_country or "unknown", day] += 1
    counts["programme", departure.programme.value, day] += 1
    if departure.confirmed_on is not None and departure.vd_deadline_on is not None:
        timely = departure.confirmed_on <= departure.vd_deadline_on
        counts["vd_compliance", "by_deadline" if timely else "after_deadline", day] += 1
    return counts


def report_contributions(report: Report, status: Status) -> Counts:
    """What one report adds: received (by source), and pending review."""
    day = report.departed_on.isoformat()
    counts: Counts = Counter()
    counts["reports", report.source.value, day] += 1
    if status is Status.REVIEW:
        counts["review", "pending", day] += 1
    return counts


def delta(before: Sequence[Departure], after: Departure) -> Counts:
    """The change in counts when the departures ``before`` become ``after``. Entries that
    cancel out are dropped; negative entries remain."""
    change: Counts = Counter(contributions(after))
    for old in before:
        change.subtract(contributions(old))
    return Counter({key: n for key, n in change.items() if n})


def total(parts: Iterable[Counts]) -> Counts:
    """The sum of ``parts`` with zero entries dropped."""
    out: Counts = Counter()
    for part in parts:
        out.update(part)
    return Counter({key: n for key, n in out.items() if n})
