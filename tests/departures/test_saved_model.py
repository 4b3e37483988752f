"""A kept linkage model that is not one (its JSON cut short, a part missing, a probability
that is none, as after a bad restore or a hand edit) is a clear error naming the model and
what to do, at intake, in relink and in the review queue; and nothing is written. Models
saved at once each take a version of their own."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.departures.model import parse_report
from docket.departures.relink import links
from docket.departures.review import review_queue
from docket.departures.service import accept_reports
from docket.errors import ConfigurationError
from docket.linkage.service import relink
from docket.storage import schema as t
from tests.audit.tampering import unlock
from tests.conftest import NOW
from tests.departures import travellers
from tests.departures.travellers import OF_ZEYNEP

trained = travellers.trained
"""A trained linkage model over a population with open cases (a fixture)."""


def _settings(change: Callable[[dict[str, Any]], None]) -> Callable[[str, str], tuple[str, str]]:
    def tamper(settings: str, tf: str) -> tuple[str, str]:
        model = json.loads(settings)
        change(model)
        return json.dumps(model), tf

    return tamper


def _prior(model: dict[str, Any]) -> None:
    model["probability_two_random_records_match"] = 1.0


def _no_comparisons(model: dict[str, Any]) -> None:
    del model["comparisons"]


def _m_probability(model: dict[str, Any]) -> None:
    level = model["comparisons"][2]["comparison_levels"][1]
    level["m_probability"] = "abc"


TAMPERED = {
    "settings cut short": lambda settings, tf: (settings[: len(settings) // 2], tf),
    "term frequencies cut short": lambda settings, tf: (settings, tf[:-3]),
    "a prior of one": _settings(_prior),
    "no comparisons": _settings(_no_comparisons),
    "an m probability of text": _settings(_m_probability),
}


@pytest.mark.parametrize("tamper", TAMPERED.values(), ids=TAMPERED.keys())
def test_a_kept_model_that_is_not_one_is_a_clear_error_and_nothing_is_written(
    trained: Docket, tamper: Callable[[str, str], tuple[str, str]]
) -> None:
    models = t.linkage_models.c
    with trained.uow.engine.begin() as connection:
        row = connection.execute(sa.select(models.settings, models.term_frequency)).one()
        settings, tf = tamper(row.settings, row.term_frequency)
        unlock(connection)  # kept models are append-only: as after a bad restore, then
        connection.execute(t.linkage_models.update().values(settings=settings, term_frequency=tf))
    before = links(store=trained.departures)
    report = parse_report(
        "exit_record", {"source_record_id": "M-1", "departed_on": "2026-11-01", **OF_ZEYNEP}
    )
    unreadable = "linkage model version 1 is unreadable.*docket linkage train"

    with pytest.raises(ConfigurationError, match=unreadable):
        accept_reports(
            store=trained.departures, clock=trained.clock, actor="intake.test", reports=[report]
        )
    with pytest.raises(ConfigurationError, match=unreadable):
        relink(
            store=trained.linkage,
            departures=trained.departures,
            clock=trained.clock,
            actor="analyst.test",
        )
    with pytest.raises(ConfigurationError, match=unreadable):
        review_queue(store=trained.departures)

    assert links(store=trained.departures) == before


def test_trainings_ending_together_each_keep_a_version_of_their_own(docket: Docket) -> None:
    """Each saved model takes the next version, even when two are saved at once: the second
    waits for the first instead of failing on a locked database (SQLite) or taking the same
    version (PostgreSQL)."""
    start = threading.Barrier(4)
    saved: list[int] = []
    failed: list[BaseException] = []

    def save(n: int) -> None:
        start.wait()
        try:
            version = docket.linkage.save_model(
                trained_at=NOW,
                trained_by=f"analyst.{n}",
                persons=20,
                reports=20,
                settings={"comparisons": []},
                term_frequency={},
                notes=[],
            )
        except BaseException as exc:  # the failure is what the test looks at
            failed.append(exc)
        else:
            saved.append(version)

    threads = [threading.Thread(target=save, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failed == []
    assert sorted(saved) == [1, 2, 3, 4]
