"""The fast path's candidates, read whole from the covering indexes of its blocking rules:
each person as the linkage model compares them (the stored keys equal ``person_record``, also
for the persons a migration found already there), and of a common name only the bearers
born nearest the report's birth date."""

from __future__ import annotations

import pytest

from docket.bootstrap import Docket
from docket.departures.linkage import person_record
from docket.storage import person_lookup
from docket.storage.migrate import downgrade, upgrade
from tests.departures.travellers import ZEYNEP, _open

PERSONS = [
    ZEYNEP,
    {**ZEYNEP, "given_name": "zeynep  nur", "document_number": "x 99 01", "sex": None},
    {**ZEYNEP, "given_name": "ayşe", "postcode": " 30 303 ", "sex": "female"},
    {**ZEYNEP, "date_of_birth": None, "postcode": None, "document_number": None},
]


def _candidates(docket: Docket, **report: str | None) -> dict[str, dict[str, str | None]]:
    with docket.departures.write() as tx:
        return tx.candidates({"given_name": None, "family_name": None, **report})


def _as_compared(docket: Docket) -> dict[str, dict[str, str | None]]:
    """Every candidate of a report of Zeynep Arslan, beside the person as compared."""
    found = _candidates(
        docket, given_name="zeynep", family_name="arslan", date_of_birth="1987-03-09"
    )
    found |= _candidates(docket, given_name="zeynep  nur", family_name="arslan")
    found |= _candidates(docket, given_name="zeynep", family_name="arslan")
    with docket.uow.read() as tx:
        expected = {pid: person_record(tx.get_person(pid)) for pid in found}
    assert found == expected
    return found


def test_candidates_come_out_of_the_index_as_the_model_compares_each_person(docket: Docket):
    for n, person in enumerate(PERSONS):
        _open(docket, n, person)
    found = _as_compared(docket)
    assert len(found) == len(PERSONS)
    assert {f["document_number"] for f in found.values()} == {"U1234567", "X9901", None}


def test_the_migration_fills_in_the_keys_of_the_persons_already_there(docket: Docket):
    for n, person in enumerate(PERSONS):
        _open(docket, n, person)
    downgrade(docket.engine, "0010")
    upgrade(docket.engine)
    assert len(_as_compared(docket)) == len(PERSONS)


def test_of_a_common_name_the_bearers_born_nearest_the_report_are_candidates(
    docket: Docket, monkeypatch: pytest.MonkeyPatch
):
    for year in range(1970, 1991):
        _open(docket, year, {"given_name": "maría", "family_name": "garcía",
                             "date_of_birth": f"{year}-06-01"})  # fmt: skip
    _open(docket, 2000, {"given_name": "maría", "family_name": "garcía", "date_of_birth": None})
    monkeypatch.setattr(person_lookup, "NAMESAKES", 2)
    monkeypatch.setattr(person_lookup, "MAX_NAMESAKES", 3)
    found = _candidates(
        docket, given_name="maría", family_name="garcía", date_of_birth="1980-01-15"
    )
    births = sorted(str(f["date_of_birth"]) for f in found.values())
    assert births == ["1978-06-01", "1979-06-01", "1980-06-01", "1981-06-01", "None"]
    born_that_day = _candidates(
        docket, given_name="maría", family_name="garcía", date_of_birth="1980-06-01"
    )
    births = sorted(str(f["date_of_birth"]) for f in born_that_day.values())
    assert births == ["1978-06-01", "1979-06-01", "1980-06-01", "1981-06-01", "1982-06-01", "None"]
    unknown = _candidates(docket, given_name="maría", family_name="garcía")
    assert len(unknown) == 3  # MAX_NAMESAKES, of no birth date to go by


def test_a_person_of_the_two_names_in_each_other_s_place_is_a_candidate(docket: Docket):
    """As relink blocks on the names swapped, so does the fast path: a report written "Arslan
    Zeynep" with another birth date still finds Zeynep Arslan."""
    _open(docket, 0, ZEYNEP)
    _open(docket, 1, {**ZEYNEP, "given_name": "ayşe", "date_of_birth": "1990-01-01"})
    found = _candidates(
        docket, given_name="arslan", family_name="zeynep", date_of_birth="1999-12-31"
    )
    assert [(f["given_name"], f["family_name"]) for f in found.values()] == [("zeynep", "arslan")]
    assert _candidates(docket, given_name="arslan", family_name="fatma") == {}
