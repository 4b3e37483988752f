"""Each kept linkage model is vouched for by an event on the log carrying its digest: the
database refuses to change or delete a kept model, ``audit verify`` names one changed,
removed or slipped in behind Docket's back, and the migration vouches for the models kept
before it, once."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from docket.audit.models import MODEL_COLUMNS, model_digest
from docket.audit.verify import verify
from docket.bootstrap import Docket
from docket.storage.audit_store import SqlAuditStore
from docket.storage.migrate import downgrade, upgrade
from tests.audit.tampering import tamper
from tests.conftest import NOW


def _save(docket: Docket, trained_by: str = "analyst.one", weight: float = 0.5) -> int:
    return docket.linkage.save_model(
        trained_at=NOW,
        trained_by=trained_by,
        persons=20,
        reports=12,
        settings={"comparisons": [], "probability_two_random_records_match": weight},
        term_frequency={"given_name": {"ANA": 0.1}},
        notes=["a note"],
    )


@pytest.fixture
def modelled(docket: Docket) -> Docket:
    """Two models kept, by two analysts."""
    _save(docket, "analyst.one")
    _save(docket, "analyst.two", weight=0.25)
    return docket


def _problems(docket: Docket) -> list[str]:
    return verify(SqlAuditStore(docket.engine)).problems


def _models(docket: Docket) -> list[dict[str, object]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM linkage_models ORDER BY version"))
        return [dict(row._mapping) for row in rows]


def _model_events(docket: Docket) -> list[dict[str, object]]:
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT stream_id, actor, document_ref, data FROM events "
                "WHERE kind = 'linkage_model_trained' ORDER BY seq"
            )
        )
        return [dict(row._mapping) for row in rows]


def test_each_kept_model_has_an_event_with_its_digest_and_verifies(modelled: Docket) -> None:
    events = _model_events(modelled)
    digests = [model_digest({n: m[n] for n in MODEL_COLUMNS}) for m in _models(modelled)]
    assert [(e["stream_id"], e["actor"]) for e in events] == [
        ("linkage-model:1", "analyst.one"),
        ("linkage-model:2", "analyst.two"),
    ]
    assert [e["document_ref"] for e in events] == [
        f"linkage-model:1:{digests[0]}",
        f"linkage-model:2:{digests[1]}",
    ]
    assert _problems(modelled) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE linkage_models SET settings = '{}' WHERE version = 1",
        "UPDATE linkage_models SET trained_by = 'someone.else'",
        "DELETE FROM linkage_models WHERE version = 2",
    ],
    ids=["weights", "trainer", "delete"],
)
def test_the_database_refuses_to_change_or_delete_a_kept_model(
    modelled: Docket, statement: str
) -> None:
    before = _models(modelled)
    with (
        pytest.raises(sa.exc.DatabaseError, match="append-only"),
        modelled.engine.begin() as connection,
    ):
        connection.execute(sa.text(statement))
    assert _models(modelled) == before


def test_a_model_changed_behind_dockets_back_is_named(modelled: Docket) -> None:
    tamper(
        modelled.engine,
        "UPDATE linkage_models SET settings = "
        '\'{"comparisons": [], "probability_two_random_records_match": 0.9}\' '
        "WHERE version = 2",
    )
    assert _problems(modelled) == [
        "linkage model 2: the kept model does not match the digest on the log (changed after "
        "its training)"
    ]


def test_a_deleted_model_and_one_slipped_in_are_named(modelled: Docket) -> None:
    tamper(
        modelled.engine,
        "DELETE FROM linkage_models WHERE version = 2",
        "INSERT INTO linkage_models (version, trained_at, trained_by, persons, reports, "
        "settings, term_frequency, notes) SELECT 3, trained_at, trained_by, persons, reports, "
        "settings, term_frequency, notes FROM linkage_models WHERE version = 1",
    )
    assert _problems(modelled) == [
        "linkage model 3: kept, but no event on the log names it (and 1 more)"
    ]


def test_models_kept_before_their_events_are_vouched_for_once_by_the_migration(
    docket: Docket,
) -> None:
    downgrade(docket.engine, "0013")
    kept = {
        "trained_at": "2026-11-01T09:00:00.000000+00:00",
        "trained_by": "analyst.before",
        "persons": 40,
        "reports": 30,
        "settings": '{"comparisons": []}',
        "term_frequency": "{}",
        "notes": "[]",
    }
    with docket.engine.begin() as connection:
        for version in (1, 2):
            connection.execute(
                sa.text(
                    "INSERT INTO linkage_models VALUES (:version, :trained_at, :trained_by, "
                    ":persons, :reports, :settings, :term_frequency, :notes)"
                ),
                {"version": version, **kept},
            )
    upgrade(docket.engine)
    events = _model_events(docket)
    assert [(e["stream_id"], e["actor"]) for e in events] == [
        ("linkage-model:1", "analyst.before"),
        ("linkage-model:2", "analyst.before"),
    ]
    assert _problems(docket) == []
    assert _save(docket) == 3  # and training goes on from there
    downgrade(docket.engine, "0013")
    upgrade(docket.engine)  # the events written the first time stand; none is written twice
    assert len(_model_events(docket)) == 3
    assert _problems(docket) == []
