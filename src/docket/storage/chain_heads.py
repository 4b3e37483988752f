"""The head of each hash chain (its length and last hash), kept in ``chain_heads`` beside the
chain: locked by every write to the chain, so writers queue on it, and moved on before commit.

The first migrations make a head row for each chain, so a missing one was deleted behind
Docket's back: nothing is chained until it is restored (``docket audit verify`` reports it).
"""

from __future__ import annotations

import sqlalchemy as sa

from docket.errors import TamperDetected
from docket.storage import driver

_LOCK_HEAD = driver.Statement.of(
    "SELECT length, head_hash FROM chain_heads WHERE chain = %s", postgresql_suffix="FOR UPDATE"
)
_MOVE_HEAD = driver.Statement.of(
    "UPDATE chain_heads SET length = %s, head_hash = %s WHERE chain = %s"
)


def lock_head(connection: sa.Connection, chain: str) -> tuple[int, str]:
    """Lock ``chain``'s head for this transaction and return its length and last hash; raise
    :class:`TamperDetected` if the head row is missing."""
    row = driver.run(connection, _LOCK_HEAD, (chain,)).fetchone()
    if row is None:
        raise TamperDetected(
            f"the {chain} chain has no head in the database (its chain_heads row was "
            "deleted): nothing can be written until it is restored; run docket audit verify",
            details={"chain": chain, "rule": "chain_head_missing"},
        )
    length, head_hash = row
    return int(length), str(head_hash)


def move_head(connection: sa.Connection, chain: str, length: int, head_hash: str) -> None:
    """Record ``chain``'s new length and last hash, under the lock :func:`lock_head` took."""
    driver.run(connection, _MOVE_HEAD, (length, head_hash, chain))
