"""Idempotent commands: the digest a command is remembered by, the key it is kept under (the
client's key in its sender's name) and the earlier answer a retry gets. The case service and
the priority service share them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping

from docket.cases.ports import CommandLog, CommandRecord
from docket.errors import IdempotencyConflict, InvalidInput


def request_hash(request: Mapping[str, object]) -> str:
    """The digest an idempotent command is remembered by (with its key): the same key with
    another request is a conflict. ``request`` names the command."""
    text = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def command_key(idempotency_key: str, actor: str) -> str:
    """The key a command is remembered by: the client's key in the name of who sent it. One
    user's key is then never another's: a key another user sent is neither refused as reused
    nor answered with their result, so it tells nothing of their commands. A digest, so that
    it fits the column whatever the lengths of the two."""
    digest = hashlib.sha256(f"{actor}\x00{idempotency_key}".encode()).hexdigest()
    return f"{_BY}{digest}"


_BY = "by:"
"""What a key remembered per user begins with; keys remembered before are the client's own."""


def prior_answer(
    tx: CommandLog, idempotency_key: str | None, digest: str, actor: str
) -> str | None:
    """The answer (JSON text) an earlier command of ``actor`` with this key gave, or ``None``
    when the key is new to them (or absent). The key used for another request is refused.
    A key remembered before keys were kept per user is found as it was sent."""
    if idempotency_key is None:
        return None
    if not idempotency_key.strip() or len(idempotency_key) > 200:
        raise InvalidInput(
            "an idempotency key must be 1 to 200 characters", details={"field": "idempotency_key"}
        )
    prior = tx.get_command(command_key(idempotency_key, actor))
    if prior is None and not _looks_kept_per_user(idempotency_key):
        prior = tx.get_command(idempotency_key)
    if prior is None:
        return None
    if prior.request_hash != digest:
        raise IdempotencyConflict(
            f"idempotency key {idempotency_key!r} was already used for a different request",
            details={"idempotency_key": idempotency_key},
        )
    return prior.result


def _looks_kept_per_user(key: str) -> bool:
    # A client's key shaped like a per-user one could otherwise find another user's command.
    tail = key.removeprefix(_BY)
    return key.startswith(_BY) and len(tail) == 64 and set(tail) <= set("0123456789abcdef")


def remember(
    tx: CommandLog,
    idempotency_key: str | None,
    actor: str,
    digest: str,
    answer: str,
    now: dt.datetime,
) -> None:
    """Keep a command's ``answer`` (JSON text) under its key in its sender's name, for a
    retry to find (nothing without a key)."""
    if idempotency_key is not None:
        tx.add_command(CommandRecord(command_key(idempotency_key, actor), digest, answer, now))
