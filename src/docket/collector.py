"""Python's cycle collector, paused for work that makes millions of objects at once.

Bulk import, ranking the docket and relinking departures each build millions of objects that
live until the work ends (or that reference counting frees as it goes). Every collection the
allocations trigger walks all of them again: that cost bulk import a quarter of its time,
ranking a third, and relinking 100,000 reports against 1,000,000 persons about 8 of its 30
seconds, 4 of them under the write lock.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector off for the block (and on again after it, if it was on before:
    blocks nest)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
