"""Identifiers for new cases and persons: time-ordered, so that new rows land at the end of
every index keyed by them instead of at random places (bulk import writes millions)."""

from __future__ import annotations

import secrets
import time


def new_id() -> str:
    """32 hex digits: microseconds since the epoch, then 72 random bits."""
    return f"{time.time_ns() // 1000:014x}{secrets.token_hex(9)}"
