"""Identifiers for new cases and persons: time-ordered, so that new rows land at the end of
every index keyed by them instead of at random places (bulk import writes millions)."""

from __future__ import annotations

import os
import random
import time

_rng = random.Random(os.urandom(32))


def _reseed() -> None:
    """A forked child draws from a generator of its own, not from a copy of its parent's."""
    _rng.seed(os.urandom(32))


if hasattr(os, "register_at_fork"):  # no fork, and no hook, on Windows
    os.register_at_fork(after_in_child=_reseed)


def new_id() -> str:
    """32 hex digits: microseconds since the epoch, then 72 random bits.

    The random part comes from a generator seeded from the OS once per process (and again in
    a forked child, by :func:`os.register_at_fork`): identifiers need to be unique, not
    secret, and a system call per id (reading the OS's randomness, or asking for the process
    id to notice a fork) made bulk import noticeably slower.
    """
    return f"{time.time_ns() // 1000:014x}{_rng.getrandbits(72):018x}"
