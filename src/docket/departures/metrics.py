"""Exit metrics: the live figures read from the counts intake keeps, and the recount from every
report that must agree with them exactly."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from docket.cases.ports import Clock
from docket.departures.collapse import Counted, replay
from docket.departures.counts import Counts, Totals, delta, report_contributions, total
from docket.departures.model import Report
from docket.departures.ports import DepartureRead, DepartureStore
from docket.errors import InvalidInput


# Metrics ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Metrics:
    """Exit metrics over a span of departure days (``None``: unbounded)."""

    first_day: dt.date | None
    last_day: dt.date | None
    totals: Totals
    """Counts by (dimension, value), summed over the span."""
    departures_by_day: Counts
    """The ``departures`` counts of the span, by day."""
    vd_overdue: int

    def _sum(self, dimension: str) -> dict[str, int]:
        out = {value: n for (dim, value), n in self.totals.items() if dim == dimension and n}
        return dict(sorted(out.items()))

    def _by(self, period: str) -> dict[str, dict[str, int]]:
        out: dict[str, Counter[str]] = {}
        for (_dim, status, day), n in self.departures_by_day.items():
            out.setdefault(_period(day, period), Counter())[status] += n
        return {key: dict(sorted(value.items())) for key, value in sorted(out.items())}

    def to_dict(self) -> dict[str, Any]:
        unique = self._sum("departures")
        reports = self._sum("reports")
        received = sum(reports.values())
        departures = sum(unique.values())
        compliance = self._sum("vd_compliance")
        return {
            "from": self.first_day.isoformat() if self.first_day else None,
            "to": self.last_day.isoformat() if self.last_day else None,
            "unique_departures": {
                "confirmed": unique.get("confirmed", 0),
                "unconfirmed": unique.get("unconfirmed", 0),
                "total": departures,
            },
            "by_day": self._by("day"),
            "by_week": self._by("week"),
            "by_month": self._by("month"),
            "by_source": self._sum("source"),
            "by_port": self._sum("port"),
            "by_destination_country": self._sum("destination_country"),
            "by_programme": self._sum("programme"),
            "voluntary_departure_compliance": {
                "confirmed_by_deadline": compliance.get("by_deadline", 0),
                "confirmed_after_deadline": compliance.get("after_deadline", 0),
                "overdue_now": self.vd_overdue,
            },
            "reports_received": {"total": received, "by_source": reports},
            "duplicates_absorbed": received - departures,
            "review_backlog": sum(self._sum("review").values()),
        }


def _period(day: str, period: str) -> str:
    if period == "day":
        return day
    if period == "month":
        return day[:7]
    year, week, _ = dt.date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def metrics(
    *,
    store: DepartureStore,
    clock: Clock,
    first_day: dt.date | None = None,
    last_day: dt.date | None = None,
) -> Metrics:
    """The live exit metrics: the counts kept up to date by every accepted report. Read in
    time of the days asked: all days from the totals kept over every day (and the daily
    departures), a span from its own days' counts."""
    _check_span(first_day, last_day)
    with store.read() as tx:
        if first_day is None and last_day is None:
            totals = tx.totals()
            by_day = tx.counts(None, None, dimensions=("departures",))
        else:
            counts = tx.counts(first_day, last_day)
            totals = _summed(counts)
            by_day = Counter({k: n for k, n in counts.items() if k[0] == "departures"})
        return Metrics(first_day, last_day, totals, by_day, tx.vd_overdue(clock.now().date()))


def _summed(counts: Counts) -> Totals:
    """``counts`` summed over days, zeros dropped."""
    out: Totals = Counter()
    for (dimension, value, _day), n in counts.items():
        out[dimension, value] += n
    return Counter({key: n for key, n in out.items() if n})


def _check_span(first_day: dt.date | None, last_day: dt.date | None) -> None:
    if first_day is not None and last_day is not None and first_day > last_day:
        # Said in the words both surfaces share: the CLI's --from/--to, the API's from/to.
        raise InvalidInput(f"from {first_day} is after to {last_day}", details={"field": "from"})


@dataclass(frozen=True)
class Recount:
    """The counts recomputed from every report, beside the live ones."""

    recounted: Counts
    live: Counts
    departures_recounted: int
    departures_stored: int
    live_totals: Totals = field(default_factory=Counter)
    """The counts kept summed over every day (what the metrics of all days read)."""

    @property
    def agrees(self) -> bool:
        return (
            self.recounted == self.live
            and _summed(self.recounted) == self.live_totals
            and self.departures_recounted == self.departures_stored
        )

    def differences(self) -> dict[str, tuple[int, int]]:
        """``dimension/value/day`` -> (recounted, live), where they differ."""
        keys = set(self.recounted) | set(self.live)
        out = {
            "/".join(key): (self.recounted.get(key, 0), self.live.get(key, 0))
            for key in sorted(keys)
            if self.recounted.get(key, 0) != self.live.get(key, 0)
        }
        summed = _summed(self.recounted)
        for key in sorted(set(summed) | set(self.live_totals)):
            if summed.get(key, 0) != self.live_totals.get(key, 0):
                out["/".join((*key, "total"))] = (summed.get(key, 0), self.live_totals.get(key, 0))
        return out


def recount(*, store: DepartureStore) -> Recount:
    """Every report again, in the order it was accepted, through the same collapsing into
    departures, from nothing: the counts that gives, beside the live ones."""
    with store.read() as tx:
        return _recount(tx)


def _recount(tx: DepartureRead) -> Recount:
    by_party: dict[str, list[tuple[Report, Counted, str]]] = {}
    parts: list[Counts] = []
    for stored in tx.reports():
        by_party.setdefault(stored.counted.party, []).append(
            (stored.report, stored.counted, stored.intake_departure_id)
        )
        parts.append(report_contributions(stored.report, stored.status))
    departures = [d for reports in by_party.values() for d in replay(reports)[0]]
    parts.extend(delta([], d) for d in departures)
    live = tx.counts(None, None)
    return Recount(total(parts), live, len(departures), len(tx.departures()), tx.totals())
