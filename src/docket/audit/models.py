"""Trained linkage models on the event log: each version kept has a ``linkage_model_trained``
event, written with it, that carries the SHA-256 of the model as kept. ``audit verify``
recomputes each kept model's digest and compares: a model's weights decide which departure
reports link to whom by themselves, so a model changed after its training (a weight raised, a
threshold crossed) would attach departures to the wrong people unseen."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping

from docket.cases.events import Event, EventKind, StreamType

MODEL_COLUMNS = (
    "version",
    "trained_at",
    "trained_by",
    "persons",
    "reports",
    "settings",
    "term_frequency",
    "notes",
)
"""What a kept model's digest covers: every column of it, as stored."""

LEGAL_BASIS = (
    "Departure record linkage (Fellegi-Sunter model): reports link to a person by its weights "
    "above the auto-link threshold and go to review below it"
)


def model_digest(stored: Mapping[str, object]) -> str:
    """The SHA-256 of a kept model: its :data:`MODEL_COLUMNS` as stored, each as text."""
    texts = {name: str(stored[name]) for name in MODEL_COLUMNS}
    canonical = json.dumps(texts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def model_event(
    *,
    version: int,
    digest: str,
    trained_at: dt.datetime,
    trained_by: str,
    persons: int,
    reports: int,
    recorded_at: dt.datetime | None = None,
) -> Event:
    """The event that vouches for model ``version`` as kept (``digest``). ``recorded_at``:
    when it is recorded, if later than the training (a model kept before models had events)."""
    return Event(
        kind=EventKind.LINKAGE_MODEL_TRAINED,
        stream_type=StreamType.LINKAGE,
        stream_id=f"linkage-model:{version}",
        stream_version=1,
        occurred_on=trained_at.astimezone(dt.UTC).date(),
        recorded_at=recorded_at or trained_at,
        actor=trained_by,
        legal_basis=LEGAL_BASIS,
        document_ref=f"linkage-model:{version}:{digest}",
        data={"version": version, "sha256": digest, "persons": persons, "reports": reports},
    )


def model_on_log(event: Event) -> tuple[str, str]:
    """The version a ``linkage_model_trained`` event names, and the digest it gives."""
    return str(event.data["version"]), str(event.data["sha256"])
