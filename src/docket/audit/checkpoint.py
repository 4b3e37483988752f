"""Signed checkpoints of a chain's head (Ed25519).

A checkpoint kept outside the database lets ``audit verify --checkpoint`` catch what the chain
alone cannot: a consistent rewrite of the whole log (the hash at the checkpoint's length
differs) and a rollback to an older copy (the log is shorter than the checkpoint).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import stat
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from docket.audit.chain import ChainHead
from docket.cases.snapshot import canonical_json
from docket.errors import ConfigurationError, InvalidInput, TamperDetected

FORMAT = "docket-checkpoint-1"


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement: at ``created_at`` the chain had ``length`` links ending in a hash."""

    chain: str
    length: int
    head_hash: str
    created_at: str
    key_id: str
    signature: str

    def signed_text(self) -> bytes:
        return _message(self.chain, self.length, self.head_hash, self.created_at)


def _message(chain: str, length: int, head_hash: str, created_at: str) -> bytes:
    body = {
        "format": FORMAT,
        "chain": chain,
        "length": length,
        "head_hash": head_hash,
        "created_at": created_at,
    }
    return canonical_json(body).encode("utf-8")


def key_id(public_key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def make_checkpoint(head: ChainHead, key: Ed25519PrivateKey, *, now: dt.datetime) -> Checkpoint:
    """Sign ``head``."""
    created_at = now.astimezone(dt.UTC).isoformat(timespec="seconds")
    signature = key.sign(_message(head.chain, head.length, head.head_hash, created_at))
    return Checkpoint(
        chain=head.chain,
        length=head.length,
        head_hash=head.head_hash,
        created_at=created_at,
        key_id=key_id(key.public_key()),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def dump(checkpoints: list[Checkpoint]) -> str:
    """The text of a checkpoint file."""
    return json.dumps({"format": FORMAT, "checkpoints": [asdict(c) for c in checkpoints]}, indent=2)


def load(path: Path) -> list[Checkpoint]:
    """Read a checkpoint file; :class:`InvalidInput` when it is not one, or holds none (a
    file emptied of its checkpoints would otherwise pass ``audit verify`` while checking
    nothing)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT or not isinstance(data["checkpoints"], list):
            raise ValueError("unknown format")
        if not data["checkpoints"]:
            raise InvalidInput(f"{path} holds no checkpoint: there is nothing to check against")
        return [
            Checkpoint(
                chain=str(c["chain"]),
                length=int(c["length"]),
                head_hash=str(c["head_hash"]),
                created_at=str(c["created_at"]),
                key_id=str(c["key_id"]),
                signature=str(c["signature"]),
            )
            for c in data["checkpoints"]
        ]
    except OSError as exc:
        raise InvalidInput(f"cannot read checkpoint {path}: {exc.strerror}") from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InvalidInput(f"{path} is not a Docket checkpoint file") from exc


def check_signature(checkpoint: Checkpoint, public_key: Ed25519PublicKey) -> None:
    """Raise :class:`TamperDetected` unless ``checkpoint`` was signed by ``public_key``'s key."""
    if checkpoint.key_id != key_id(public_key):
        raise TamperDetected(
            f"checkpoint of {checkpoint.created_at} was signed by key {checkpoint.key_id}, "
            f"not by this installation's key {key_id(public_key)}"
        )
    try:
        public_key.verify(base64.b64decode(checkpoint.signature), checkpoint.signed_text())
    except (InvalidSignature, ValueError) as exc:
        raise TamperDetected(
            f"checkpoint of {checkpoint.created_at} has an invalid signature (file altered)"
        ) from exc


SHARED_MODE_BITS = stat.S_IWGRP | stat.S_IRWXO
"""Permission bits a signing key must not have: whoever can read it can sign a checkpoint
that matches a rewritten log, and whoever can write it can swap in their own key."""


def load_key(path: Path) -> Ed25519PrivateKey:
    """The signing key at ``path``: :class:`ConfigurationError` for a file that is missing,
    cannot be read, is no unencrypted Ed25519 key in PEM form, or that anyone outside its
    owner's group may read or anyone but its owner may change."""
    try:
        text = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"no signing key at {path}: run `docket init` or set DOCKET_SIGNING_KEY_FILE"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"cannot read the signing key {path}: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_private_key(text, password=None)
    except TypeError as exc:  # what the library raises for a key under a password
        raise ConfigurationError(
            f"{path} is encrypted: Docket signs unattended and needs the key without a password"
        ) from exc
    except ValueError as exc:
        raise ConfigurationError(f"{path} is not an Ed25519 private key in PEM form") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{path} is not an Ed25519 key")
    if os.name == "posix" and mode & SHARED_MODE_BITS:
        raise ConfigurationError(
            f"the signing key {path} is open to other users (mode {stat.S_IMODE(mode):04o}): "
            f"whoever reads it can sign checkpoints; make it the owner's only (chmod 600 {path})"
        )
    return key


def create_key(path: Path) -> bool:
    """Write a new signing key to ``path`` (owner-only) unless one is there; True if written."""
    if path.exists():
        load_key(path)  # refuse to go on with a file that is not a key
        return False
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    if path.parent.exists() and not path.parent.is_dir():
        raise ConfigurationError(
            f"cannot write the signing key {path}: {path.parent} is not a directory"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name (owner-only), then linked in: a second init at the
        # same moment finds either no key or a whole one, and never one is written over.
        descriptor, partial = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(pem)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(partial, path)
        finally:
            os.unlink(partial)
    except FileExistsError:  # made meanwhile by another init: that one is the key
        load_key(path)
        return False
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename and exc.filename != str(path) else ""
        raise ConfigurationError(
            f"cannot write the signing key {path}: {where}{exc.strerror}"
        ) from exc
    return True
