"""The hash chain: each link is SHA-256 over an unambiguous serialisation of the record and the
previous link's hash, so any edit, insertion, deletion or reordering breaks the chain from that
point on. The scheme is the same for every chain Docket keeps (the event log; the access log)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from docket.audit.access import ACCESS_CHAIN
from docket.audit.reports import DEPARTURES_CHAIN

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a chain's first link."""

EVENTS_CHAIN = "events"


@dataclass(frozen=True)
class Words:
    """How findings name a chain, its links and one link."""

    log: str
    links: str
    link: str


WORDS = {
    EVENTS_CHAIN: Words("log", "events", "event"),
    ACCESS_CHAIN: Words("access log", "entries", "access log entry"),
    DEPARTURES_CHAIN: Words("departure report chain", "reports", "departure report"),
}
"""By chain name."""


def words(chain: str) -> Words:
    return WORDS.get(chain, WORDS[EVENTS_CHAIN])


def link_body(fields: Mapping[str, object]) -> str:
    """What a link's hash covers besides its place and its predecessor: every field but
    ``seq``, each as ``\\nname:length:text`` (length in characters), in name order.

    Length-prefixing keeps it unambiguous without escaping large JSON bodies again, and with
    ``seq`` left out it can be computed before the link's place is known (bulk import does so
    in worker processes).
    """
    texts = sorted((name, str(value)) for name, value in fields.items() if name != "seq")
    return "".join(f"\n{name}:{len(text)}:{text}" for name, text in texts)


def chain_hash(seq: int, body: str, prev_hash: str) -> str:
    """SHA-256 over the previous hash, the link's place and its :func:`link_body`."""
    return hashlib.sha256(f"{prev_hash}\n{seq}{body}".encode()).hexdigest()


def chain_hashes(first_seq: int, bodies: Sequence[bytes], prev_hash: str) -> list[str]:
    """The hashes of a run of links placed from ``first_seq`` on after a link hashed
    ``prev_hash``, each body given as UTF-8 bytes: the same as calling :func:`chain_hash` link
    by link, with no text built or encoded again per link (bulk import chains thousands at a
    time, its bodies encoded ahead in worker processes)."""
    sha256 = hashlib.sha256
    digests: list[str] = []
    append = digests.append
    seq = first_seq
    for body in bodies:
        link = sha256(f"{prev_hash}\n{seq}".encode())
        link.update(body)  # the body is not copied into one string with its prefix
        prev_hash = link.hexdigest()
        append(prev_hash)
        seq += 1
    return digests


def link_hash(fields: Mapping[str, object], prev_hash: str) -> str:
    """The hash of a link given all its fields, ``seq`` included."""
    seq = fields["seq"]
    assert isinstance(seq, int)
    return chain_hash(seq, link_body(fields), prev_hash)


@dataclass(frozen=True)
class StoredLink:
    """One link as read back from storage."""

    seq: int
    fields: Mapping[str, object]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainHead:
    """Length and last hash of a chain, as recorded beside it."""

    chain: str
    length: int
    head_hash: str


@dataclass(frozen=True)
class Finding:
    """Why a chain does not verify, at the first place it fails."""

    chain: str
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"{words(self.chain).link} {self.seq}" if self.seq is not None else "the chain head"
        return f"{self.chain} chain: {where}: {self.problem}"


@dataclass(frozen=True)
class ChainReport:
    """Result of walking a chain: its length, last hash, the hashes asked for, any finding."""

    chain: str
    length: int
    head_hash: str
    finding: Finding | None
    hashes_at: Mapping[int, str]


def walk(
    chain: str,
    links: Iterable[StoredLink],
    *,
    recorded_head: ChainHead | None,
    keep_hashes_at: frozenset[int] = frozenset(),
) -> ChainReport:
    """Recompute ``chain`` link by link (``links`` in ``seq`` order) and stop at the first fault.

    ``keep_hashes_at`` names positions whose recomputed hash the caller wants (to compare with
    signed checkpoints).
    """
    expected_seq, prev = 1, GENESIS_HASH
    kept: dict[int, str] = {}
    # The chain's hash at the length its head records, to compare with the head's hash.
    head_at = recorded_head.length if recorded_head is not None else -1
    hash_at_head = GENESIS_HASH if head_at == 0 else None
    for link in links:
        sound = (
            link.seq == expected_seq
            and link.prev_hash == prev
            and link_hash(link.fields, prev) == link.hash
        )
        if not sound:
            fault = _fault(chain, link, expected_seq, prev)
            return ChainReport(chain, expected_seq - 1, prev, fault, kept)
        if link.seq in keep_hashes_at:
            kept[link.seq] = link.hash
        if link.seq == head_at:
            hash_at_head = link.hash
        prev = link.hash
        expected_seq += 1
    length = expected_seq - 1
    finding = None
    if recorded_head is None:
        # Migrations make every chain's head row and nothing deletes it: its absence is
        # tampering even on an empty chain, and no write can be chained without it.
        held = f"though the chain holds {length} links" if length else "on an empty chain"
        finding = Finding(chain, None, f"missing, {held} (its row in chain_heads was deleted)")
    else:
        finding = _against_head(chain, length, recorded_head, hash_at_head)
    return ChainReport(chain, length, prev, finding, kept)


def _fault(chain: str, link: StoredLink, expected_seq: int, prev: str) -> Finding:
    """Why ``link``, read where link ``expected_seq`` belongs after a link hashed ``prev``,
    breaks the chain, named at the first link not as Docket wrote it."""
    w = words(chain)
    if link.seq != expected_seq:
        if link.prev_hash == prev and _hashes_to(link, prev, seq=expected_seq):
            return Finding(chain, expected_seq, f"renumbered: it is stored as {w.link} {link.seq}")
        if link.seq > expected_seq:
            return Finding(
                chain,
                expected_seq,
                f"missing: the {w.log} goes on with {w.link} {link.seq} ({w.links} deleted or "
                "renumbered)",
            )
        before = f"{w.link} {expected_seq}" + (
            f", where the {w.log} starts" if expected_seq == 1 else ""
        )
        return Finding(chain, link.seq, f"out of sequence: numbered before {before}")
    if link.prev_hash != prev:
        if _hashes_to(link, prev):
            problem = f"its prev_hash was altered (its contents follow the previous {w.link})"
            return Finding(chain, link.seq, problem)
        if link.seq > 1 and _hashes_to(link, link.prev_hash):
            # This link is whole, but follows on from another predecessor than the stored one:
            # that one was rewritten with its hash recomputed (or replaced).
            return Finding(
                chain,
                link.seq - 1,
                f"its hash is not the one {w.link} {link.seq} follows on (the {w.link} was "
                f"edited and its hash recomputed, or replaced; or the link of {w.link} {link.seq} "
                "to it was rewritten)",
            )
        problem = (
            f"does not follow the previous {w.link} ({w.links} inserted, removed or reordered)"
        )
        return Finding(chain, link.seq, problem)
    problem = f"contents do not match its hash (the {w.link}, or its hash, was edited)"
    return Finding(chain, link.seq, problem)


def _hashes_to(link: StoredLink, prev_hash: str, *, seq: int | None = None) -> bool:
    """Whether ``link``'s contents, after a link hashed ``prev_hash`` (and at ``seq``, if
    given, instead of its stored place), give its stored hash."""
    fields = link.fields if seq is None else {**link.fields, "seq": seq}
    return link_hash(fields, prev_hash) == link.hash


def _against_head(
    chain: str, length: int, head: ChainHead, hash_at_head: str | None
) -> Finding | None:
    """Where a sound chain of ``length`` links departs from its recorded ``head``
    (``hash_at_head``: the chain's hash at the head's length, if it is that long), named at
    the first link the head does not vouch for."""
    w = words(chain)
    held = f"the {w.log} holds {length} {w.links} but its head records {head.length}"
    if head.length > length:
        return Finding(chain, length + 1, f"{held} ({w.links} truncated or the head altered)")
    if hash_at_head != head.head_hash:
        if head.length == 0:
            return Finding(chain, None, "its hash is not the empty chain's (the head altered)")
        # The chain at the head's length is not the one the head was moved to: rewritten up
        # to there at least, every later hash recomputed, or the head altered.
        return Finding(
            chain,
            head.length,
            f"its hash is not the one the chain head records for the {w.log}'s {head.length} "
            f"{w.links} (the {w.log} holds {length}; {w.links} rewritten up to here, or the "
            "head altered)",
        )
    if head.length < length:
        return Finding(
            chain,
            head.length + 1,
            f"{held}: from here on, {w.links} were appended behind Docket's back (or the head "
            "was moved back)",
        )
    return None
