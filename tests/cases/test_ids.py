"""New identifiers are unique, fixed-width and sort by creation time."""

from __future__ import annotations

import os
import time

import pytest

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


def _ids_of_a_forked_child(count: int) -> list[str]:
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its ids down the pipe, then leave at once
        try:
            os.write(write, " ".join(new_id() for _ in range(count)).encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    os.waitpid(pid, 0)
    return text.split()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
def test_a_forked_child_draws_other_random_parts_than_its_parent():
    new_id()  # the parent's generator in use before the fork
    child = _ids_of_a_forked_child(50)
    parent = [new_id() for _ in range(50)]
    assert len(child) == 50
    # The random part (the last 18 digits): a child drawing from a copy of its parent's
    # generator would repeat the parent's sequence exactly.
    assert not {i[14:] for i in child} & {i[14:] for i in parent}
