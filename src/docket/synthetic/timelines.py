"""Dates of a synthetic case, drawn so that they obey the lifecycle of its state.

Each timeline is built backwards from an ``end`` day (the as-of date, or the day an earlier case
ended), so every past date falls on or before it and chained dates come in order; only a next
hearing, a planned removal and a voluntary-departure deadline may lie after it. Dates are day
ordinals (``date.toordinal()``): integer arithmetic is what keeps a million rows fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docket.synthetic.names import draw, parse_weights, weighted_table

CLOSE_REASONS = (
    "relief:30 termination:15 departure_confirmed:20 removal_executed:15 citizenship_verified:3 "
    "duplicate:7 other:10"
)
APPEAL_WINDOW_DAYS = 30
"""8 CFR 1003.38(b): an appeal must be filed within 30 days of the decision."""


@dataclass(slots=True)
class Timeline:
    """The dates and outcome of one case; ``None`` or "" where the case has not got that far."""

    opened: int
    charged: int | None = None
    hearing: int | None = None
    decided: int | None = None
    appeal: int | None = None
    deadline: int | None = None
    final: int | None = None
    scheduled: int | None = None
    removed: int | None = None
    departed: int | None = None
    closed: int | None = None
    decision: str = ""
    in_absentia: str = ""
    close_reason: str = ""

    def last_day(self) -> int:
        """The latest thing that happened on the case (deadlines and plans excluded)."""
        days = (self.opened, self.charged, self.decided, self.appeal, self.final, self.removed)
        return self.closed or max(day for day in days if day is not None)


class Timelines:
    """Draws timelines from the generator's random stream."""

    def __init__(self, rnd: Callable[[], float]) -> None:
        self.rnd = rnd
        self.close_reasons = weighted_table(parse_weights(CLOSE_REASONS), size=1024)

    def _span(self, lo: int, hi: int) -> int:
        return lo + int(self.rnd() * (hi - lo + 1))

    def _stretch(self, lo: int, hi: int, scale: float) -> int:
        """A span whose open-ended part shrinks with ``scale``, to fit cases of young people."""
        return lo + int(self.rnd() * ((hi - lo) * scale + 1))

    def for_state(self, state: str, end: int, scale: float = 1.0) -> Timeline:
        """A timeline of a case now in ``state``, as it stands on day ``end``."""
        if state == "identified":
            return Timeline(opened=end - self._stretch(0, 180, scale))
        if state == "charged":
            charged = end - self._stretch(0, 240, scale)
            return Timeline(opened=charged - self._stretch(0, 60, scale), charged=charged)
        if state == "in_proceedings":
            return self._in_proceedings(end, scale, future_hearing=True)
        if state in ("relief_granted", "terminated"):
            return self._relief(state, end, scale, agency_appeal=0.05)
        if state == "voluntary_departure":
            # The deadline has not passed yet, or the case would have moved on.
            allowed = self._span(60, 120)
            decided = end - self._span(0, allowed)
            return self._decided("voluntary_departure", decided, scale, deadline_after=allowed)
        if state == "removal_ordered":
            return self._removal_ordered(end, scale)
        if state == "final_order":
            return self._final(end, scale, age=1000)
        if state == "removal_scheduled":
            t = self._final(end, scale, age=400)
            t.scheduled = end + self._span(0, 60)
            return t
        if state == "removed":
            return self._removed(end, scale, lag=700)
        if state == "closed":
            return self._closed(end, scale)
        raise ValueError(f"unknown state {state!r}")

    def _decided(
        self, decision: str, decided: int, scale: float, deadline_after: int = 0
    ) -> Timeline:
        """The dates up to a decision: opened, charged, the merits hearing, decided."""
        charged = decided - self._stretch(30, 1200, scale)
        r = self.rnd()
        hearing = decided if r < 0.7 else self._span(charged, decided) if r < 0.85 else None
        return Timeline(
            opened=charged - self._stretch(0, 90, scale),
            charged=charged,
            hearing=hearing,
            decided=decided,
            decision=decision,
            deadline=decided + deadline_after if deadline_after else None,
        )

    def _in_proceedings(self, end: int, scale: float, *, future_hearing: bool) -> Timeline:
        charged = end - self._stretch(14, 1400, scale)
        if future_hearing and self.rnd() < 0.88:
            hearing = end + self._span(1, 300)
        else:
            hearing = self._span(charged, end)  # held, and the next one not yet set
        opened = charged - self._stretch(0, 90, scale)
        return Timeline(opened=opened, charged=charged, hearing=hearing)

    def _appeal(self, t: Timeline, end: int) -> None:
        assert t.decided is not None
        t.appeal = t.decided + self._span(0, min(APPEAL_WINDOW_DAYS, end - t.decided))

    def _relief(self, state: str, end: int, scale: float, agency_appeal: float) -> Timeline:
        t = self._decided(state, end - self._stretch(0, 365, scale), scale)
        if self.rnd() < agency_appeal:
            self._appeal(t, end)
        return t

    def _removal_ordered(self, end: int, scale: float) -> Timeline:
        absent = self.rnd() < 0.2
        # An order made in absentia cannot be appealed (a motion to reopen is the remedy); of the
        # others, enough are appealed that ~30% of this state waits on an appeal.
        if not absent and self.rnd() < 0.375:
            t = self._decided("removal_ordered", end - self._stretch(0, 540, scale), scale)
            self._appeal(t, end)
        else:
            # With no appeal the window must still be open, or the order would be final.
            decided = end - self._span(0, APPEAL_WINDOW_DAYS - 1)
            t = self._decided("removal_ordered", decided, scale)
        t.in_absentia = "true" if absent else "false"
        return t

    def _final(self, end: int, scale: float, age: int, *, via_departure: bool = True) -> Timeline:
        """An order that became final on or before ``end``, at most ``age`` days before it."""
        final = end - self._stretch(0, age, scale)
        r = self.rnd()
        if r < 0.15 and via_departure:
            # A voluntary departure not confirmed by its deadline turns into the alternate order.
            allowed = self._span(60, 120)
            decided = final - 1 - allowed
            t = self._decided("voluntary_departure", decided, scale, deadline_after=allowed)
        elif r < 0.32:
            t = self._decided("removal_ordered", final - APPEAL_WINDOW_DAYS, scale)
            t.in_absentia = "true"
        elif r < 0.62:
            # Appealed, and the appeal dismissed: the order is final on the day of dismissal.
            appeal = final - self._stretch(30, 540, scale)
            t = self._decided("removal_ordered", appeal - self._span(0, APPEAL_WINDOW_DAYS), scale)
            t.appeal, t.in_absentia = appeal, "false"
        else:
            # Not appealed: final on the day after the last day to appeal.
            t = self._decided("removal_ordered", final - APPEAL_WINDOW_DAYS - 1, scale)
            t.in_absentia = "false"
        t.final = final
        return t

    def _removed(self, end: int, scale: float, lag: int, *, via_departure: bool = True) -> Timeline:
        removed = end - self._stretch(0, lag, scale)
        t = self._final(removed - self._span(7, 60), scale, age=200, via_departure=via_departure)
        t.scheduled = t.removed = removed
        return t

    def _closed(self, end: int, scale: float) -> Timeline:
        closed = end - self._stretch(0, 1200, scale)
        reason = draw(self.close_reasons, self.rnd)
        if reason in ("relief", "termination"):
            # Closed on the decision once its appeal window is over, as the lifecycle closes it.
            state = "relief_granted" if reason == "relief" else "terminated"
            t = self._relief(state, closed - APPEAL_WINDOW_DAYS - 1, scale, agency_appeal=0)
        elif reason == "departure_confirmed":
            # Closed when the confirmation came in, which can be weeks after the deadline; so
            # the deadline too falls on or before the closing day.
            allowed = self._span(60, 120)
            decided = closed - self._span(0, 90) - allowed
            t = self._decided("voluntary_departure", decided, scale, deadline_after=allowed)
            t.departed = self._span(decided, decided + allowed)  # by the deadline
        elif reason == "removal_executed":
            # Closed on a removal order, the reason's own decision (not a lapsed departure).
            t = self._removed(closed, scale, lag=14, via_departure=False)
        elif reason == "duplicate" or (reason == "other" and self.rnd() < 0.5):
            t = self.for_state("identified" if self.rnd() < 0.6 else "charged", closed, scale)
        else:
            t = self._in_proceedings(closed, scale, future_hearing=False)
        t.closed, t.close_reason = closed, reason
        return t
