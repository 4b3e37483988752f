"""``docket linkage train``: fit the model on the persons in the system against the departure
reports received, and keep it as the next version, which the intake then scores with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from docket import collector
from docket.cases.ports import Clock
from docket.departures.decision import AUTO_LINK
from docket.departures.ports import DepartureStore, LinkageStore
from docket.departures.relink import Relinked, relink_reports, settled_reports
from docket.errors import NotFound
from docket.linkage.splink_model import candidates, same_traveller, train

CANDIDATE_FROM = 0.01
"""Pairs below this match probability are no candidates (as on the fast path), except those
that may be of siblings (``splink_model.KIN_RULES``), which the decision must see."""


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


def relink(
    *,
    store: LinkageStore,
    departures: DepartureStore,
    clock: Clock,
    actor: str,
    progress: Callable[[str], None] = lambda _: None,
) -> Relinked:
    """Every departure report resolved again against every person, in batch with Splink and
    the latest model, then decided by the same rule as the fast path; reports of nobody are
    grouped into travellers by Splink's deduplication. Exact-identifier links and reviewers'
    decisions stand (see :func:`docket.departures.relink.relink_reports`)."""
    latest = store.model_settings()
    if latest is None:
        raise NotFound("no linkage model yet: run `docket linkage train` first")
    version, model = latest
    with departures.read() as tx:
        # Refused as intake refuses it (unreadable, or comparing other than this Docket
        # does), before Splink runs on it; it weighs what Splink never paired (kin).
        weights = tx.linkage_model()
    with collector.paused():  # millions of objects held until the end (docket.collector)
        progress("reading persons and reports")
        persons, reports = store.linkage_columns()
        progress(
            f"linking {len(reports['unique_id']):,} reports to {len(persons['unique_id']):,} "
            "persons (Splink)"
        )
        settled = settled_reports(store=departures)
        found = candidates(
            model, persons, reports, CANDIDATE_FROM, leaving_out=settled, kin_from=AUTO_LINK
        )
        del persons
        progress("grouping reports of one traveller (Splink)")
        pairs = same_traveller(model, reports, AUTO_LINK)
        return relink_reports(
            store=departures,
            clock=clock,
            actor=actor,
            model_version=version,
            scored=found.scored,
            persons=found.persons,
            same_traveller=pairs,
            read={str(key) for key in reports["unique_id"]},
            progress=progress,
            kin=found.kin,
            weigh=weights.weight if weights is not None else None,
        )
