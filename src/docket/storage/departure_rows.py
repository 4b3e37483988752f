"""Rows of the departure tables as the departure ports' values and back, and persons as the
linkage model compares them: what the departure store and the linkage store both read."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from typing import Any

import sqlalchemy as sa

from docket.departures.collapse import Counted, Departure
from docket.departures.linkage import record
from docket.departures.model import Programme, Report, Source, Status
from docket.departures.ports import StoredReport
from docket.storage import schema as t

READ_BATCH = 5_000
"""Rows read per statement where a whole table is read in batches."""


def as_report(row: Any) -> StoredReport:
    content = json.loads(row.content)
    born = content.get("date_of_birth")
    report = Report(
        source=Source(row.source),
        source_record_id=row.source_record_id,
        departed_on=dt.date.fromisoformat(row.departed_on),
        **{
            name: value
            for name, value in content.items()
            if name not in ("source_record_id", "departed_on", "date_of_birth")
        },
        date_of_birth=dt.date.fromisoformat(born) if born else None,
    )
    counted = json.loads(row.counted)
    deadline = counted.get("vd_deadline_on")
    return StoredReport(
        report=report,
        content_hash=row.content_hash,
        received_at=dt.datetime.fromisoformat(row.received_at),
        recorded_by=row.recorded_by,
        status=Status(row.status),
        counted=Counted(
            party=counted["party"],
            programme=Programme(counted["programme"]),
            vd_deadline_on=dt.date.fromisoformat(deadline) if deadline else None,
            case_ref=counted.get("case_ref", ""),
        ),
        departure_id=row.departure_id,
        intake_departure_id=row.intake_departure_id,
        model_version=row.model_version,
        candidates=tuple((str(pid), float(p)) for pid, p in json.loads(row.candidates)),
        seq=int(row.report_seq),
        person_id=row.person_id,
        link_method=row.link_method,
        match_probability=row.match_probability,
    )


def as_departure(row: Any) -> Departure:
    data = json.loads(row.data)
    deadline = data.get("vd_deadline_on")
    return Departure(
        departure_id=row.departure_id,
        party=row.party,
        first_on=dt.date.fromisoformat(row.first_on),
        last_on=dt.date.fromisoformat(row.last_on),
        sources=frozenset(Source(s) for s in data["sources"]),
        port=data["port"],
        destination_country=data["destination_country"],
        programme=Programme(data["programme"]),
        vd_deadline_on=dt.date.fromisoformat(deadline) if deadline else None,
        case_ref=data["case_ref"],
        reports=int(data["reports"]),
        confirmed_on=_confirmed_on(data, row.first_on),
    )


def _confirmed_on(data: dict[str, Any], first_on: str) -> dt.date | None:
    """The departure's ``confirmed_on``; for a row written before it was kept, its first day
    if a record-based source reported it (as the figures then went by)."""
    if "confirmed_on" in data:
        day = data["confirmed_on"]
        return dt.date.fromisoformat(day) if day else None
    confirmed = any(Source(s).confirms for s in data["sources"])
    return dt.date.fromisoformat(first_on) if confirmed else None


def departure_values(departure: Departure) -> dict[str, Any]:
    data = {
        "sources": sorted(s.value for s in departure.sources),
        "port": departure.port,
        "destination_country": departure.destination_country,
        "programme": departure.programme.value,
        "vd_deadline_on": departure.vd_deadline_on.isoformat()
        if departure.vd_deadline_on
        else None,
        "case_ref": departure.case_ref,
        "reports": departure.reports,
        "confirmed_on": departure.confirmed_on.isoformat() if departure.confirmed_on else None,
    }
    return {
        "departure_id": departure.departure_id,
        "party": departure.party,
        "first_on": departure.first_on.isoformat(),
        "last_on": departure.last_on.isoformat(),
        "data": json.dumps(data, sort_keys=True),
    }


def counted_text(counted: Counted) -> str:
    deadline = counted.vd_deadline_on
    return json.dumps(
        {
            "party": counted.party,
            "programme": counted.programme.value,
            "vd_deadline_on": deadline.isoformat() if deadline else None,
            "case_ref": counted.case_ref,
        },
        sort_keys=True,
    )


def compared_columns() -> sa.Select[Any]:
    """Persons with the fields the linkage model compares, as the keys stored with each person
    (``storage.rows.name_keys`` and ``linkage_keys``: ``person_record``'s values, a test holds
    the two equal): a million persons are read for training and relinking, without their
    snapshots. Public: the departure store's ``persons``, the linkage store and the intake's
    candidate query (``person_lookup``) all read it."""
    p = t.persons.c
    return sa.select(
        p.person_id,
        p.given_name_key,
        p.family_name_key,
        p.date_of_birth,
        p.sex_key,
        p.postcode_key,
        p.document_key,
    )


def person_records(rows: Iterable[Any]) -> Iterator[tuple[str, dict[str, str | None]]]:
    """(person id, the person as the model compares them) for rows of
    :func:`compared_columns`. Public: the departure store and the linkage store both use it."""
    for pid, given, family, born, sex, postcode, document in rows:
        day = born.isoformat() if isinstance(born, dt.date) else born
        fields = {
            "given_name": given,
            "family_name": family,
            "date_of_birth": day,
            "document_number": document,
            "sex": sex,
            "postcode": postcode,
        }
        yield str(pid), record(fields)
