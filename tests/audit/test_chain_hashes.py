"""Chaining a run of links at once gives the hashes chaining them one at a time gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from docket.audit.chain import GENESIS_HASH, chain_hash, chain_hashes

_BODIES = st.lists(st.text(alphabet=st.sampled_from("ab:\n\\é😀0")), max_size=12)


def _one_at_a_time(first_seq: int, bodies: list[str], prev_hash: str) -> list[str]:
    digests = []
    for seq, body in enumerate(bodies, start=first_seq):
        prev_hash = chain_hash(seq, body, prev_hash)
        digests.append(prev_hash)
    return digests


@given(bodies=_BODIES)
def test_a_run_from_the_start_of_a_chain_hashes_as_link_by_link(bodies):
    encoded = [body.encode() for body in bodies]
    assert chain_hashes(1, encoded, GENESIS_HASH) == _one_at_a_time(1, bodies, GENESIS_HASH)


@given(bodies=_BODIES, head=st.integers(min_value=0, max_value=10**9), split=st.integers(0, 12))
def test_runs_split_anywhere_after_an_existing_head_hash_as_one_run(bodies, head, split):
    head_hash = chain_hash(head, "\nexisting:0:", GENESIS_HASH)
    first = chain_hashes(head + 1, [body.encode() for body in bodies[:split]], head_hash)
    after = first[-1] if first else head_hash
    rest = bodies[split:]
    second = chain_hashes(head + 1 + len(first), [body.encode() for body in rest], after)
    assert first + second == _one_at_a_time(head + 1, bodies, head_hash)


def test_an_empty_run_has_no_hashes():
    assert chain_hashes(7, [], GENESIS_HASH) == []
