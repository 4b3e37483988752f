"""``docket linkage train``: fit the model on the persons in the system against the departure
reports received, and keep it as the next version, which the intake then scores with."""

from __future__ import annotations

from dataclasses import dataclass

from docket.cases.ports import Clock
from docket.departures.ports import LinkageStore
from docket.linkage.splink_model import train


@dataclass(frozen=True)
class TrainedModel:
    version: int
    persons: int
    reports: int
    prior: float
    notes: tuple[str, ...]


def train_model(*, store: LinkageStore, clock: Clock, actor: str) -> TrainedModel:
    """Train on everything in the store; the new model's version and what it was trained on."""
    persons, reports = store.training_records()
    fitted = train(persons, reports)
    version = store.save_model(
        trained_at=clock.now(),
        trained_by=actor,
        persons=len(persons),
        reports=len(reports),
        settings=fitted.settings,
        term_frequency=fitted.term_frequency,
        notes=fitted.notes,
    )
    prior = float(fitted.settings["probability_two_random_records_match"])
    return TrainedModel(version, len(persons), len(reports), prior, fitted.notes)
