"""Identifiers for new cases and persons: time-ordered, so that new rows land at the end of
every index keyed by them instead of at random places (bulk import writes millions)."""

from __future__ import annotations

import os
import random
import time

_rng: random.Random | None = None
_rng_pid = 0


def new_id() -> str:
    """32 hex digits: microseconds since the epoch, then 72 random bits.

    The random part comes from a generator seeded from the OS once per process (and again in
    a forked child): identifiers need to be unique, not secret, and a system call per id made
    bulk import noticeably slower.
    """
    global _rng, _rng_pid
    pid = os.getpid()
    if _rng is None or pid != _rng_pid:
        _rng, _rng_pid = random.Random(os.urandom(32)), pid
    return f"{time.time_ns() // 1000:014x}{_rng.getrandbits(72):018x}"
