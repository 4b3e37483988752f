"""The linkage model's store: persons and departure reports read as the model compares them,
for training and batch prediction, and the trained models kept by version."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from docket.audit.models import model_digest, model_event
from docket.departures.comparisons import COMPARISONS, Comparison
from docket.departures.linkage import compared_value, record, saved_json
from docket.departures.ports import Columns
from docket.storage import schema as t
from docket.storage.departure_rows import READ_BATCH, compared_columns, person_records
from docket.storage.rows import instant_text
from docket.storage.unit_of_work import SqlUnitOfWork

_PERSON_FIELDS = (
    "given_name", "family_name", "date_of_birth", "sex", "postcode", "document_number"
)  # fmt: skip
"""The columns of :func:`compared_columns` after the person id, in its order."""


def _person_columns(connection: sa.Connection) -> Columns:
    """Every person as the model compares them, column by column (see
    :meth:`SqlLinkageStore.linkage_columns`)."""
    ids: list[str | None] = []
    raw: dict[str, list[Any]] = {name: [] for name in _PERSON_FIELDS}
    rows = connection.execution_options(yield_per=READ_BATCH).execute(compared_columns())
    for batch in rows.partitions():
        pid, *fields = zip(*batch, strict=True)
        ids.extend(map(str, pid))
        for name, values in zip(_PERSON_FIELDS, fields, strict=True):
            raw[name].extend(values)
    columns: Columns = {"unique_id": ids}
    for comparison in COMPARISONS:
        columns[comparison.column] = _compared(comparison, raw.pop(comparison.column))
    return columns


def _compared(comparison: Comparison, values: Sequence[Any]) -> list[str | None]:
    """``values`` as ``comparison`` compares them, each distinct value normalised once (names,
    birth dates and postcodes repeat across a million persons)."""
    seen: dict[Any, str | None] = {}
    out: list[str | None] = []
    for value in values:
        try:
            out.append(seen[value])
        except KeyError:
            day = value.isoformat() if isinstance(value, dt.date) else value
            seen[value] = normal = compared_value(comparison, day)
            out.append(normal)
    return out


class SqlLinkageStore:
    """What training reads (persons and reports as the model compares them) and where models
    are kept."""

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self.uow = uow
        self.engine = uow.engine

    def training_records(self) -> tuple[list[dict[str, str | None]], list[dict[str, str | None]]]:
        with self.engine.connect() as connection:
            rows = connection.execute(compared_columns())
            persons = [{"unique_id": pid, **fields} for pid, fields in person_records(rows)]
            r = t.departure_reports.c
            reports = [
                {"unique_id": f"{source}/{record_id}", **record(json.loads(content))}
                for source, record_id, content in connection.execute(
                    sa.select(r.source, r.source_record_id, r.content)
                )
            ]
        return persons, reports

    def linkage_columns(self) -> tuple[Columns, Columns]:
        """Every person and every departure report as the model compares them, column by
        column, ``unique_id`` first: what batch prediction feeds Splink. A million persons
        read as a dict each took seconds and gigabytes; as columns each distinct name is
        normalised and kept once."""
        with self.engine.connect() as connection:
            persons = _person_columns(connection)
            r = t.departure_reports.c
            reports: Columns = {"unique_id": [], **{c.column: [] for c in COMPARISONS}}
            for source, record_id, content in connection.execute(
                sa.select(r.source, r.source_record_id, r.content)
            ):
                reports["unique_id"].append(f"{source}/{record_id}")
                for column, value in record(json.loads(content)).items():
                    reports[column].append(value)
        return persons, reports

    def model_settings(self) -> tuple[int, dict[str, Any]] | None:
        models = t.linkage_models.c
        with self.engine.connect() as connection:
            row = connection.execute(
                sa.select(models.version, models.settings).order_by(models.version.desc()).limit(1)
            ).first()
        if row is None:
            return None
        return int(row.version), saved_json(int(row.version), "settings", row.settings)

    def save_model(
        self,
        *,
        trained_at: dt.datetime,
        trained_by: str,
        persons: int,
        reports: int,
        settings: Mapping[str, Any],
        term_frequency: Mapping[str, Any],
        notes: Sequence[str],
    ) -> int:
        """Keep a trained model as the next version, with the event that vouches for it
        (:mod:`docket.audit.models`), in one transaction; its version."""
        models = t.linkage_models.c
        # Two trainings ending together: the second waits for the event log's write lock,
        # which the first holds until its version is taken (no version is taken twice).
        with self.uow.write() as tx:
            latest = tx.connection.scalar(sa.select(sa.func.max(models.version)))
            version = int(latest or 0) + 1
            stored = {
                "version": version,
                "trained_at": instant_text(trained_at),
                "trained_by": trained_by,
                "persons": persons,
                "reports": reports,
                "settings": json.dumps(settings, sort_keys=True),
                "term_frequency": json.dumps(term_frequency, sort_keys=True),
                "notes": json.dumps(list(notes)),
            }
            tx.connection.execute(t.linkage_models.insert(), stored)
            digest = model_digest(stored)
            tx.append(
                [
                    model_event(
                        version=version,
                        digest=digest,
                        trained_at=trained_at,
                        trained_by=trained_by,
                        persons=persons,
                        reports=reports,
                    )
                ]
            )
        return version
