"""New identifiers are unique, fixed-width and sort by creation time."""

from __future__ import annotations

import time

from docket.cases.ids import new_id


def test_new_ids_are_unique_and_fixed_width():
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert {len(i) for i in ids} == {32}
    assert all(int(i, 16) >= 0 for i in ids[:100])


def test_a_later_id_sorts_after_an_earlier_one():
    first = new_id()
    time.sleep(0.002)
    assert new_id() > first
