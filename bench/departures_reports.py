"""The departure reports the departures benchmark takes: sampled persons of the generated
cases, written as sources write them (see ``ReportMaker``)."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa

from docket.departures.comparisons import COLUMNS
from docket.departures.model import FIELDS, Parsed, parse_report
from docket.synthetic.people import strip_accents, typo

SOURCE_MIX = (
    ("exit_record", 45),
    ("carrier_manifest", 30),
    ("self_report", 10),
    ("consular_verification", 8),
    ("officer_witnessed", 7),
)
PORTS = ("JFK", "LAX", "MIA", "IAH", "ORD", "ATL", "SFO", "EWR", "DFW", "SEA", "SYS", "ELP")
PERSON_COLUMNS = (
    "a_number", "given_name", "family_name", "date_of_birth", "sex", "citizenship",
    "address_line", "city", "postcode", "state", "document_number",
)  # fmt: skip


def sample_people(cases_csv: Path, cases: int, k: int, rng: random.Random) -> list[dict[str, str]]:
    """``k`` case rows drawn at random from the generated file (the persons reports are of)."""
    chosen = set(rng.sample(range(cases), min(k, cases)))
    people = []
    with cases_csv.open(newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle)):
            if n in chosen:
                people.append({c: row[c] for c in PERSON_COLUMNS})
    rng.shuffle(people)
    return people


class ReportMaker:
    """Departure reports of sampled persons, as sources write them: typos, names upper-cased
    and without accents, dates of birth missing or altered, A-numbers seldom, a second report of
    the same departure from another source, strangers (no one in the system), and twins of
    persons in the system (same family name and birth date, another given name)."""

    def __init__(self, people: list[dict[str, str]], seed: int, today: dt.date) -> None:
        self.people, self.rng, self.today = people, random.Random(seed), today
        self.next_person = 0
        self.sources = [name for name, weight in SOURCE_MIX for _ in range(weight)]
        self.stats: dict[str, int] = {}

    def _count(self, kind: str) -> None:
        self.stats[kind] = self.stats.get(kind, 0) + 1

    def _person(self) -> dict[str, str]:
        person = self.people[self.next_person % len(self.people)]
        self.next_person += 1
        return person

    def make(self, count: int, prefix: str) -> list[dict[str, str]]:
        """``count`` reports, each with its ``source`` and the CSV's fields."""
        rng = self.rng
        out: list[dict[str, str]] = []
        for n in range(count):
            r = rng.random()
            if out and r < 0.12:
                report = self._again(rng.choice(out[-2000:]))
            elif r < 0.19:
                report = self._stranger()
            elif r < 0.20:
                report = self._twin()
            else:
                report = self._known()
            report["source_record_id"] = f"{prefix}-{n:08d}"
            out.append(report)
        return out

    def _base(self) -> dict[str, str]:
        rng = self.rng
        departed = self.today - dt.timedelta(days=rng.randint(0, 365))
        return {
            "source": rng.choice(self.sources),
            "departed_on": departed.isoformat(),
            "port": rng.choice(PORTS),
        }

    def _known(self) -> dict[str, str]:
        self._count("person in the system")
        rng = self.rng
        person = self._person()
        report = self._base()
        given, family = person["given_name"], person["family_name"]
        if rng.random() < 0.12:
            given = typo(given, rng.random)
        if rng.random() < 0.08:
            family = typo(family, rng.random)
        if report["source"] in ("exit_record", "carrier_manifest") and rng.random() < 0.5:
            given, family = strip_accents(given).upper(), strip_accents(family).upper()
        born = person["date_of_birth"]
        r = rng.random()
        if r < 0.08:
            born = ""
        elif r < 0.13 and born:
            born = self._altered(born)
        report.update(
            given_name=given,
            family_name=family,
            date_of_birth=born,
            sex=person["sex"] if rng.random() < 0.9 else "",
            citizenship=person["citizenship"] if rng.random() < 0.95 else "",
            a_number=person["a_number"] if rng.random() < 0.1 else "",
            document_number=person["document_number"] if rng.random() < 0.6 else "",
            destination_country=person["citizenship"] if rng.random() < 0.8 else "MX",
        )
        if rng.random() < 0.25:
            report.update({k: person[k] for k in ("address_line", "city", "postcode", "state")})
        return report

    def _altered(self, born: str) -> str:
        rng = self.rng
        day = dt.date.fromisoformat(born)
        r = rng.random()
        if r < 0.4 and day.day <= 12 and day.day != day.month:
            return day.replace(month=day.day, day=day.month).isoformat()  # day-first writing
        if r < 0.7:
            return (day + dt.timedelta(days=rng.choice((-1, 1)))).isoformat()
        year = day.year + rng.choice((-1, 1))
        return day.replace(year=year, day=min(day.day, 28)).isoformat()

    def _stranger(self) -> dict[str, str]:
        """Someone the system has never met: a plausible name, any birth date."""
        self._count("stranger")
        rng = self.rng
        one, other = rng.choice(self.people), rng.choice(self.people)
        born = dt.date(1945, 1, 1) + dt.timedelta(days=rng.randrange(23_000))
        report = self._base()
        report.update(
            given_name=one["given_name"],
            family_name=other["family_name"],
            date_of_birth=born.isoformat(),
            sex=rng.choice("FM"),
            citizenship=other["citizenship"],
            document_number=f"{rng.randrange(10**9):09d}" if rng.random() < 0.3 else "",
            destination_country=other["citizenship"],
        )
        return report

    def _twin(self) -> dict[str, str]:
        """The twin of a person in the system, not in it: same family name and birth date."""
        self._count("twin of a person")
        rng = self.rng
        person, other = self._person(), rng.choice(self.people)
        report = self._base()
        report.update(
            given_name=other["given_name"],
            family_name=person["family_name"],
            date_of_birth=person["date_of_birth"],
            sex=other["sex"],
            citizenship=person["citizenship"],
            destination_country=person["citizenship"],
        )
        return report

    def _again(self, earlier: dict[str, str]) -> dict[str, str]:
        """The same departure reported by another source a day or two apart."""
        self._count("second report of a departure")
        rng = self.rng
        report = dict(earlier)
        report["source"] = rng.choice([s for s in self.sources if s != earlier["source"]])
        day = dt.date.fromisoformat(earlier["departed_on"]) + dt.timedelta(rng.randint(-2, 2))
        report["departed_on"] = min(day, self.today).isoformat()
        if rng.random() < 0.3:
            report["date_of_birth"] = ""
        return report


def write_csvs(reports: Sequence[dict[str, str]], directory: Path, stem: str) -> list[Path]:
    """The reports as departure CSV files, one per source (the import takes one source)."""
    by_source: dict[str, list[dict[str, str]]] = {}
    for report in reports:
        by_source.setdefault(report["source"], []).append(report)
    paths = []
    for source, rows in sorted(by_source.items()):
        path = directory / f"{stem}-{source}.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, FIELDS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


def arrow(rows: Sequence[dict[str, str | None]]) -> pa.Table:
    """Records as the model compares them, as Splink takes them (as docket.linkage does)."""
    return pa.table(
        {c: pa.array([r.get(c) for r in rows], type=pa.string()) for c in ("unique_id", *COLUMNS)}
    )


def parsed(report: dict[str, str]) -> Parsed:
    return parse_report(report["source"], {k: v for k, v in report.items() if k != "source"})
