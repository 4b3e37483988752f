"""A departure report finds the persons bearing its names as the linkage model compares names
(case folded, accents kept, spaces collapsed), on each backend and however the persons were
written: a case opened, many persons added at once (COPY on PostgreSQL), a file imported."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.cases.model import Name, Person
from docket.cases.service import open_case
from docket.departures.linkage import normal_name, record
from docket.errors import VersionConflict
from docket.importing.cases_csv import import_cases
from docket.storage import schema as t
from tests.builders import a_person
from tests.importing.case_rows import GOOD, write_rows

NAMES = [Name("Óscar", "Álvarez"), Name("Anna  Maria", "Weiß")]
"""An accented capital (SQLite's lower() leaves it alone), and two spaces and an ß (which
case folding makes "ss", and PostgreSQL's lower() does not)."""
OTHER_BIRTH = "1971-02-03"
"""Not the birth date of any person written here (``a_person``'s is 1990-05-17): a person is
found by the name rule alone."""


def _by_opening_cases(docket: Docket, _: Path) -> None:
    for n, name in enumerate(NAMES):
        open_case(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=f"DKT-N-{n}",
            person=a_person(name.given_name, name.family_name),
            field_office="NYC",
            opened_on=docket.clock.now().date(),
            actor="officer.test",
            document_ref="I-213",
        )


def _by_adding_many(docket: Docket, _: Path) -> None:
    # Sixty persons: enough that PostgreSQL takes them by COPY rather than INSERT.
    others = [a_person(f"Other{n}", "Person") for n in range(60)]
    with docket.uow.write() as tx:
        tx.add_persons([*(a_person(n.given_name, n.family_name) for n in NAMES), *others])


def _by_importing(docket: Docket, tmp_path: Path) -> None:
    rows = [
        {
            **GOOD,
            "case_ref": f"DKT-N-{n}",
            "a_number": f"A20123456{n}",
            "given_name": name.given_name,
            "family_name": name.family_name,
            "aliases": "",
            "document_number": "",
        }
        for n, name in enumerate(NAMES)
    ]
    path = write_rows(tmp_path / "cases.csv", rows)
    report = import_cases(uow=docket.uow, clock=docket.clock, path=path, actor="importer")
    assert (report.cases_imported, report.errors) == (2, [])


WAYS = {
    "a case opened": _by_opening_cases,
    "many persons added": _by_adding_many,
    "a file imported": _by_importing,
}


@pytest.fixture(params=sorted(WAYS))
def written(request: pytest.FixtureRequest, docket: Docket, tmp_path: Path) -> Docket:
    """:data:`NAMES`' persons in the database, written one of the :data:`WAYS`."""
    write: Callable[[Docket, Path], None] = WAYS[request.param]
    write(docket, tmp_path)
    return docket


def _found(docket: Docket, given_name: str, family_name: str) -> set[tuple[str, str]]:
    """The (given, family) names, as stored, of the persons a report of these names and
    :data:`OTHER_BIRTH` is scored against."""
    report = record(
        {"given_name": given_name, "family_name": family_name, "date_of_birth": OTHER_BIRTH}
    )
    with docket.departures.write() as tx:
        ids = list(tx.candidates(report))
    p = t.persons.c
    with docket.engine.connect() as connection:
        rows = connection.execute(
            sa.select(p.given_name, p.family_name).where(p.person_id.in_(ids))
        ).all()
    return {(given, family) for given, family in rows}


def test_a_name_beginning_with_an_accented_capital_is_found_by_the_name_rule(written: Docket):
    assert _found(written, "Óscar", "Álvarez") == {("Óscar", "Álvarez")}
    assert _found(written, "ÓSCAR", "álvarez") == {("Óscar", "Álvarez")}


def test_names_are_compared_case_folded_with_spaces_collapsed(written: Docket):
    assert _found(written, "anna maria", "WEISS") == {("Anna  Maria", "Weiß")}
    assert _found(written, " Anna   MARIA ", "weiß") == {("Anna  Maria", "Weiß")}


def test_accents_still_tell_names_apart(written: Docket):
    assert _found(written, "Oscar", "Alvarez") == set()


def test_the_stored_name_keys_are_the_names_as_linkage_compares_them(written: Docket):
    p = t.persons.c
    with written.engine.connect() as connection:
        rows = connection.execute(
            sa.select(p.given_name, p.family_name, p.given_name_key, p.family_name_key)
        ).all()
    assert rows
    for given, family, given_key, family_key in rows:
        assert (given_key, family_key) == (normal_name(given), normal_name(family))


def test_saving_a_person_rewrites_the_keys_from_the_names(docket: Docket):
    person = dataclasses.replace(a_person("Ana", "Reyes"), version=1)
    with docket.uow.write() as tx:
        tx.add_persons([person])
    renamed: Person = dataclasses.replace(person, name=Name("Ñandú", "DE  LA  CRUZ"), version=2)
    with docket.uow.write() as tx:
        tx.save_person(renamed, expected_version=1)
    p = t.persons.c
    with docket.engine.connect() as connection:
        keys = connection.execute(
            sa.select(p.given_name_key, p.family_name_key).where(p.person_id == person.person_id)
        ).one()
    assert tuple(keys) == ("ñandú", "de la cruz")


def test_saving_many_persons_at_once_refuses_one_saved_over_a_stale_version(docket: Docket):
    first = dataclasses.replace(a_person("Ana", "Reyes"), version=1)
    second = dataclasses.replace(a_person("Juan", "Pérez"), version=1)
    with docket.uow.write() as tx:
        tx.add_persons([first, second])
    with docket.uow.write() as tx:
        tx.save_persons([(dataclasses.replace(first, version=2), 1)])
    with pytest.raises(VersionConflict) as refused, docket.uow.write() as tx:
        tx.save_persons(
            [
                (dataclasses.replace(second, name=Name("Juana", "Pérez"), version=2), 1),
                (dataclasses.replace(first, name=Name("Ana", "Rey"), version=2), 1),
            ]
        )
    assert refused.value.details["person_id"] == first.person_id
    p = t.persons.c
    with docket.engine.connect() as connection:
        names = dict(connection.execute(sa.select(p.person_id, p.given_name)).all())
    assert names[second.person_id] == "Juan"  # nothing of the refused transaction is written
