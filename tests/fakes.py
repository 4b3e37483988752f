"""Test doubles for ports other than storage (storage is always real: SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading


class FixedClock:
    """A clock that stands still until moved; safe to share between threads."""

    def __init__(self, now: dt.datetime) -> None:
        if now.utcoffset() != dt.timedelta(0):
            raise ValueError("FixedClock needs a UTC time")
        self._now = now
        self._lock = threading.Lock()

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now

    def advance(self, **delta: float) -> None:
        with self._lock:
            self._now += dt.timedelta(**delta)
