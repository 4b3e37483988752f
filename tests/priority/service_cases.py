"""Cases opened and convictions recorded through the case core, for the prioritisation
service's tests."""

from __future__ import annotations

import datetime as dt

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.model import Name, Person
from docket.cases.service import new_person_id
from tests.builders import a_case, record

K = EventKind


def open_priority_case(
    docket: Docket, ref: str, *, citizenship: str = "GT", sex: str = "F"
) -> None:
    person = Person(
        person_id=new_person_id(),
        name=Name("Ana", ref),
        date_of_birth=dt.date(1985, 3, 3),
        sex=sex,
        citizenship=citizenship,
    )
    a_case(docket, ref, dt.date(2025, 6, 1), person)


def convicted(docket: Docket, ref: str, category: str = "violent_felony") -> None:
    record(
        docket,
        ref,
        K.CONVICTION_RECORDED,
        fields={
            "offence": "assault in the second degree",
            "statute": "N.Y. Penal Law 120.05",
            "category": category,
            "sentence_months": "72",
            "convicted_on": "2021-02-03",
        },
        document_ref="CERT-DISPO-1",
    )
