"""A small population for the linkage tests: persons, and reports of some of them (with typos
and missing fields) and of strangers, with the truth of who is who."""

from __future__ import annotations

import datetime as dt
import random

from docket.departures.linkage import record

GIVEN = [
    "Ana",
    "Luis",
    "Maria",
    "Jose",
    "Rosa",
    "Juan",
    "Elena",
    "Pedro",
    "Sofia",
    "Diego",
    "Amina",
    "Omar",
    "Fatima",
    "Hassan",
    "Mei",
    "Wei",
    "Lin",
    "Chen",
    "Olga",
    "Ivan",
]
FAMILY = [
    "Reyes",
    "Garcia",
    "Lopez",
    "Haddad",
    "Wang",
    "Okafor",
    "Ivanova",
    "Nguyen",
    "Soto",
    "Diaz",
    "Kaur",
    "Singh",
    "Mensah",
    "Costa",
    "Silva",
    "Rossi",
]


def _typo(text: str, rng: random.Random) -> str:
    at = rng.randrange(len(text))
    return text[:at] + rng.choice("aeiourstn") + text[at + 1 :]


def population(seed: int = 3, persons: int = 400, reports: int = 250):
    """Persons, and reports of some of them (with typos, missing fields) and of strangers."""
    rng = random.Random(seed)
    people = []
    for n in range(persons):
        born = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))
        people.append(
            {
                "unique_id": f"p{n}",
                **record(
                    {
                        "given_name": rng.choice(GIVEN),
                        "family_name": rng.choice(FAMILY),
                        "date_of_birth": born.isoformat(),
                        "document_number": f"P{rng.randrange(10**7):07d}",
                        "sex": rng.choice("FM"),
                        "postcode": f"{rng.randrange(10000, 99999)}",
                    }
                ),
            }
        )
    seen = []
    for n in range(reports):
        if n % 5 == 4:  # a stranger
            fields = {
                "given_name": rng.choice(GIVEN),
                "family_name": rng.choice(FAMILY),
                "date_of_birth": (
                    dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(20_000))
                ).isoformat(),
                "sex": rng.choice("FM"),
            }
            truth = None
        else:
            person = rng.choice(people)
            truth = person["unique_id"]
            fields = {k: v for k, v in person.items() if k != "unique_id"}
            if rng.random() < 0.3:
                fields["given_name"] = _typo(str(fields["given_name"]), rng)
            elif rng.random() < 0.05:  # known by another given name on this record
                fields["given_name"] = rng.choice(GIVEN).lower()
            if rng.random() < 0.05:  # a family name changed (marriage) or written otherwise
                fields["family_name"] = rng.choice(FAMILY).lower()
            if rng.random() < 0.03:  # recorded wrongly
                fields["sex"] = "M" if fields["sex"] == "F" else "F"
            if rng.random() < 0.05:
                fields["date_of_birth"] = (
                    _typo(str(fields["date_of_birth"])[:8], rng) + str(fields["date_of_birth"])[8:]
                )
            if rng.random() < 0.3:
                fields["document_number"] = None
            if rng.random() < 0.2:
                fields["postcode"] = None
        seen.append(({"unique_id": f"r{n}", **record(fields)}, truth))
    return people, seen
