"""A person's names are kept in composed Unicode (NFC), the form departure reports are taken
in: "José Núñez" typed as letters and combining accents, as some systems export names, is
the same name as with its precomposed letters, and is stored, indexed and matched as one."""

from __future__ import annotations

import dataclasses
import unicodedata

import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.cases.model import Name
from docket.cases.service import show_person
from docket.departures.linkage import normal_name
from docket.departures.model import parse_report
from tests.builders import a_case, a_person

COMPOSED = Name("José", "Núñez")
DECOMPOSED = Name(
    *(unicodedata.normalize("NFD", part) for part in (COMPOSED.given_name, COMPOSED.family_name))
)


def test_names_given_decomposed_are_kept_composed_and_found_by_a_reports_name(
    docket: Docket,
) -> None:
    assert DECOMPOSED != COMPOSED  # the same name, not the same text
    person = dataclasses.replace(
        a_person(), name=DECOMPOSED, aliases=(Name("Jose", unicodedata.normalize("NFD", "Núñez")),)
    )
    a_case(docket, person=person)
    kept = show_person(uow=docket.uow, person_id=person.person_id).person
    assert kept.name == COMPOSED
    assert kept.aliases == (Name("Jose", "Núñez"),)
    with docket.engine.connect() as connection:
        keys = connection.execute(
            sa.text("SELECT given_name_key, family_name_key FROM persons")
        ).one()
    report = parse_report(
        "exit_record",
        {
            "source_record_id": "R-1",
            "departed_on": "2026-11-01",
            "given_name": "JOSÉ",
            "family_name": "NÚÑEZ",
        },
    ).report
    assert tuple(keys) == (normal_name(report.given_name), normal_name(report.family_name))
