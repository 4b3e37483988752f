"""What resolving a departure report reads of the persons, in SQL: the linkage model's
candidates (each read whole from a covering index), persons by exact identifier, the latest
model, and where the persons and the model stand (so that a resolution made outside the
write lock can be checked under it)."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import sqlalchemy as sa

from docket.audit.chain import EVENTS_CHAIN
from docket.cases.events import StreamType
from docket.departures.linkage import Model
from docket.departures.ports import PersonsMark
from docket.storage import schema as t
from docket.storage.departure_rows import compared_columns

IN_BATCH = 500
"""Keys per ``IN (...)`` list, well under SQLite's limit on bound parameters."""

MAX_CANDIDATES = 500
"""Candidates born on a report's date of birth the fast path scores, at most."""
NAMESAKES = 25
"""Candidates of a report's names the fast path scores on each side of its birth date (and
among namesakes of no known birth date), at most."""
MAX_NAMESAKES = 2 * NAMESAKES
"""Candidates of a report's names the fast path scores when the report has no birth date."""


def chunks(keys: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(keys), IN_BATCH):
        yield list(keys[start : start + IN_BATCH])


_p, _e, _docs = t.persons.c, t.events.c, t.person_documents.c
_BY_A_NUMBER = sa.select(_p.a_number, _p.person_id).where(
    _p.a_number.in_(sa.bindparam("a_numbers", expanding=True))
)
_A_NUMBER_OF = sa.select(_p.person_id, _p.a_number).where(
    _p.person_id.in_(sa.bindparam("person_ids", expanding=True)), _p.a_number.is_not(None)
)
_BY_DOCUMENT = sa.select(_docs.number, _docs.person_id).where(
    _docs.number.in_(sa.bindparam("numbers", expanding=True))
)
_LOG_LENGTH = sa.select(t.chain_heads.c.length).where(t.chain_heads.c.chain == EVENTS_CHAIN)
_LATEST_MODEL = sa.select(sa.func.max(t.linkage_models.c.version))
_PERSON_EVENT_SINCE = (
    sa.select(_e.seq)
    .where(_e.seq > sa.bindparam("since"), _e.stream_type == StreamType.PERSON.value)
    .limit(1)
)

_UNREAD = object()
"""The linkage model is looked up once per transaction, when first needed."""


class SqlPersonLookup:
    """The persons as resolving reports reads them, on one connection (in a read or a write
    transaction)."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._model: object = _UNREAD

    def linkage_model(self) -> Model | None:
        if self._model is _UNREAD:
            self._model = _latest_model(self.connection)
        return cast("Model | None", self._model)

    def candidates(self, report: Mapping[str, str | None]) -> dict[str, dict[str, str | None]]:
        return self.candidates_of([report])[0]

    def candidates_of(
        self, reports: Sequence[Mapping[str, str | None]]
    ) -> list[dict[str, dict[str, str | None]]]:
        """For each report (normalised by ``departures.linkage.record``), its candidates by
        the fast path's blocking rules, each read whole from its covering index: persons born
        on its date of birth (up to ``MAX_CANDIDATES``, those bearing its names first), and
        persons of both its names, the ``NAMESAKES`` born nearest before and after it (a
        common name has thousands of bearers, and one born decades apart is no rival), or
        ``MAX_NAMESAKES`` of them when the report has no date of birth; and up to
        ``MAX_NAMESAKES`` persons of its two names in each other's place."""
        found = []
        dialect = self.connection.dialect
        driver = self.connection.connection.driver_connection
        assert driver is not None
        for report in reports:
            query = _candidate_query(report)
            rows: Iterable[Any] = ()
            if query is not None:
                # Run by the driver itself, in this transaction, compiled once per shape:
                # SQLAlchemy's handling of each execution and each row cost about a third of
                # the query.
                statement, values = query
                sql, arranged = _driver_sql(dialect, statement)
                if values["born"] is not None and dialect.name == "sqlite":
                    values = {**values, "born": values["born"].isoformat()}
                rows = driver.execute(sql, arranged(values))
            found.append({str(row[0]): _linkage_record(row) for row in rows})
        return found

    def persons_by_a_numbers(self, a_numbers: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(a_numbers))):
            rows = self.connection.execute(_BY_A_NUMBER, {"a_numbers": chunk})
            found.update({str(a): str(pid) for a, pid in rows})
        return found

    def a_numbers_of(self, person_ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for chunk in chunks(sorted(set(person_ids))):
            rows = self.connection.execute(_A_NUMBER_OF, {"person_ids": chunk})
            found.update({str(pid): str(a) for pid, a in rows if a})
        return found

    def persons_by_documents(self, numbers: Sequence[str]) -> dict[str, str]:
        held: dict[str, set[str]] = {}
        for chunk in chunks(sorted(set(numbers))):
            rows = self.connection.execute(_BY_DOCUMENT, {"numbers": chunk})
            for number, person_id in rows:
                held.setdefault(str(number), set()).add(str(person_id))
        return {number: ids.pop() for number, ids in held.items() if len(ids) == 1}

    def persons_mark(self) -> PersonsMark:
        length = self.connection.scalar(_LOG_LENGTH)
        model = self.linkage_model()
        return PersonsMark(int(length or 0), model.version if model is not None else None)

    def persons_changed_since(self, mark: PersonsMark) -> bool:
        latest = self.connection.scalar(_LATEST_MODEL)
        if (int(latest) if latest is not None else None) != mark.model_version:
            return True
        # The events since, in order of the log's primary key: those of the write
        # transactions in between (a few dozen case events), stopping at a person's first.
        changed = self.connection.scalar(_PERSON_EVENT_SINCE, {"since": mark.events})
        return changed is not None


def _candidate_query(
    report: Mapping[str, str | None],
) -> tuple[sa.CompoundSelect[Any], dict[str, Any]] | None:
    """The fast path's candidates of ``report`` in one statement (a part per rule), and its
    parameters."""
    born: dt.date | None = None
    if report.get("date_of_birth") is not None:
        with contextlib.suppress(ValueError):  # an unreadable date blocks on nothing
            born = dt.date.fromisoformat(str(report["date_of_birth"]))
    family, given = report.get("family_name"), report.get("given_name")
    named = family is not None and given is not None
    if born is None and not named:
        return None
    query = _candidate_statement(born is not None, named, MAX_CANDIDATES, NAMESAKES, MAX_NAMESAKES)
    return query, {"born": born, "family": family, "given": given}


@functools.lru_cache(maxsize=32)
def _candidate_statement(
    born: bool, named: bool, most_born: int, namesakes: int, most_namesakes: int
) -> sa.CompoundSelect[Any]:
    """The statement of :func:`_candidate_query`, made once for each shape (building one
    costs more than running it)."""
    p = t.persons.c
    columns = compared_columns()
    day = sa.bindparam("born", type_=sa.Date)
    family = sa.bindparam("family", type_=sa.Text)
    given = sa.bindparam("given", type_=sa.Text)
    parts: list[sa.Select[Any]] = []
    if born:
        agreeing = sa.case((p.family_name_key == family, 1), else_=0) + sa.case(
            (p.given_name_key == given, 1), else_=0
        )
        parts.append(
            columns.where(p.date_of_birth == day)
            .order_by(agreeing.desc(), p.person_id)
            .limit(most_born)
        )
    if named:
        bearing = columns.where(p.family_name_key == family, p.given_name_key == given)
        if not born:
            parts.append(bearing.order_by(p.person_id).limit(most_namesakes))
        else:
            parts += [
                bearing.where(p.date_of_birth > day)
                .order_by(p.date_of_birth, p.person_id)
                .limit(namesakes),
                bearing.where(p.date_of_birth < day)
                .order_by(p.date_of_birth.desc(), p.person_id.desc())
                .limit(namesakes),
                bearing.where(p.date_of_birth.is_(None)).order_by(p.person_id).limit(namesakes),
            ]
        # The names written in each other's place, as the model compares them and relink
        # blocks on them: rarer bearers than of the names as written.
        parts.append(
            columns.where(p.family_name_key == given, p.given_name_key == family)
            .order_by(p.person_id)
            .limit(most_namesakes)
        )
    return sa.union_all(*(sa.select(part.subquery()) for part in parts))


@functools.lru_cache(maxsize=32)
def _driver_sql(
    dialect: sa.Dialect, statement: sa.CompoundSelect[Any]
) -> tuple[str, Callable[[Mapping[str, Any]], Any]]:
    """``statement`` compiled for ``dialect``, and what turns its named values into the
    driver's parameters (its limits filled in)."""
    compiled = statement.compile(dialect=dialect)
    fixed = compiled.construct_params({"born": None, "family": None, "given": None})
    order = compiled.positiontup

    def arranged(values: Mapping[str, Any]) -> Any:
        merged = {**fixed, **values}
        if dialect.positional and order is not None:
            return tuple(merged[name] for name in order)
        return merged

    return compiled.string, arranged


def _linkage_record(row: Any) -> dict[str, str | None]:
    """A row of :func:`_candidate_query` as the model compares it (the keys are stored
    normalised as ``record`` would, a test holds them equal)."""
    _pid, given, family, born, sex, postcode, document = row
    day = born.isoformat() if isinstance(born, dt.date) else born
    return {
        "given_name": given or None,
        "family_name": family or None,
        "date_of_birth": day or None,
        "document_number": document,
        "sex": sex,
        "postcode": postcode,
    }


_MODELS: dict[tuple[str, int], Model] = {}
"""Models read so far, by (database, version): a version never changes once saved."""


def _latest_model(connection: sa.Connection) -> Model | None:
    models = t.linkage_models.c
    version = connection.scalar(_LATEST_MODEL)
    if version is None:
        return None
    key = (connection.engine.url.render_as_string(hide_password=True), int(version))
    if key not in _MODELS:
        row = connection.execute(
            sa.select(models.settings, models.term_frequency).where(models.version == version)
        ).one()
        _MODELS[key] = Model.saved(int(version), row.settings, row.term_frequency)
    return _MODELS[key]
