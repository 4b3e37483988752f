"""Plain-data forms of persons and cases, for events and storage (JSON-safe dictionaries).

``case_from_dict(case_to_dict(c)) == c`` and the same for persons; the tests check it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

import orjson

from docket.cases.events import Event, JSONValue
from docket.cases.facts import FACTS
from docket.cases.model import (
    Address,
    Bar,
    BarKind,
    Case,
    CaseId,
    CaseState,
    CloseReason,
    Custody,
    CustodyStatus,
    Decision,
    Fact,
    FactKind,
    FamilyLink,
    IdentityDocument,
    Name,
    Person,
    PersonId,
    ReleaseMode,
    imported_state_since,
)

_CASE_DATES = (
    "opened_on",
    "decided_on",
    "appeal_due_on",
    "vd_deadline_on",
    "hearing_on",
    "final_on",
    "removal_scheduled_for",
    "removed_on",
    "departed_on",
    "closed_on",
    "state_since",
)


_T = TypeVar("_T")


_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
# orjson writes the same text several times faster. Dataclasses and datetimes are passed
# through so that, like the standard encoder, it refuses them rather than inventing a form.
_FAST_OPTIONS = (
    orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
)


def canonical_json(value: object) -> str:
    """The one text form of plain data: sorted keys, no spaces, UTF-8 characters kept.

    The text of ``json.JSONEncoder(sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)``; a property test checks that orjson, which makes it here, gives the
    same text for plain data (Docket keeps no floating-point numbers). What orjson does not take
    (integers beyond 64 bits, keys that are not strings) goes to the standard encoder.
    """
    try:
        return orjson.dumps(value, option=_FAST_OPTIONS).decode()
    except TypeError:  # orjson.JSONEncodeError is one
        return _CANONICAL.encode(value)


_LONG_NUMBER_TEXT = re.compile(r"[0-9]{19}")
_LONG_NUMBER_BYTES = re.compile(rb"[0-9]{19}")
"""19 digits in a row: where an integer beyond 64 bits may stand (every integer of 18 digits or
fewer fits in 64), which orjson would read back as a float. ASCII digits only, as in JSON's
numbers: ``\\d`` would also try every other script's digits, and costs half as much again on
the reads every request makes."""


def parse_json(text: str | bytes) -> Any:
    """The data of a JSON text :func:`canonical_json` wrote, by orjson (several times faster
    than the standard decoder on the reads every request makes), or by the standard decoder
    for what orjson refuses or would read otherwise: a lone surrogate in a string, and
    integers beyond 64 bits, which orjson takes for floats without a word."""
    long_number = (
        _LONG_NUMBER_TEXT.search(text) if isinstance(text, str) else _LONG_NUMBER_BYTES.search(text)
    )
    if long_number is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def _memo(owner: object, name: str, compute: Callable[[], _T]) -> _T:
    # Memoised on the (frozen) instance: bulk import computes these texts in worker processes,
    # and the memo travels with the object when it is pickled back. Equality ignores it.
    cached: _T | None = owner.__dict__.get(name)
    if cached is None:
        cached = compute()
        object.__setattr__(owner, name, cached)
    return cached


def prime_texts(event: Event, record: Case | Person) -> None:
    """Memoise the texts of a creation event and the record it creates in one go.

    ``person_registered`` carries exactly the person's plain form, and ``case_imported`` the
    case's plain form beside its history, so each text is built once (bulk import's hot path).
    """
    if isinstance(record, Person):
        text = _memo(record, "_text", lambda: canonical_json(event.data))
        object.__setattr__(event, "_text", text)
        return
    case_data = event.data["case"]
    body = _memo(record, "_text", lambda: canonical_json(case_data))
    history = canonical_json(event.data["history"])
    object.__setattr__(event, "_text", f'{{"case":{body},"history":{history}}}')


def case_text(case: Case) -> str:
    """Canonical JSON of :func:`case_to_dict`."""
    return _memo(case, "_text", lambda: canonical_json(case_to_dict(case)))


def person_text(person: Person) -> str:
    """Canonical JSON of :func:`person_to_dict`."""
    return _memo(person, "_text", lambda: canonical_json(person_to_dict(person)))


def event_data_text(event: Event) -> str:
    """Canonical JSON of the event's data: the exact text stored and hashed."""
    return _memo(event, "_text", lambda: canonical_json(event.data))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _day(value: Any) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def case_to_dict(case: Case) -> dict[str, JSONValue]:
    """A JSON-safe dictionary holding every field of ``case``."""
    out: dict[str, JSONValue] = {
        "case_id": case.case_id,
        "case_ref": case.case_ref,
        "person_id": case.person_id,
        "field_office": case.field_office,
        "state": case.state.value,
        "version": case.version,
        "decision": case.decision.value if case.decision else None,
        "in_absentia": case.in_absentia,
        "close_reason": case.close_reason.value if case.close_reason else None,
        "motion_pending": case.motion_pending,
        "bars": [
            {
                "kind": b.kind.value,
                "placed_on": b.placed_on.isoformat(),
                "document_ref": b.document_ref,
                "detail": b.detail,
            }
            for b in case.bars
        ],
        "custody": {
            "status": case.custody.status.value,
            "since_on": _iso(case.custody.since_on),
            "facility": case.custody.facility,
            "release_mode": case.custody.release_mode.value if case.custody.release_mode else None,
            "review_due_on": _iso(case.custody.review_due_on),
        },
    }
    for name in _CASE_DATES:
        out[name] = _iso(getattr(case, name))
    if case.facts:  # absent rather than empty, so snapshots taken before facts existed match
        out["facts"] = [fact_to_dict(f) for f in case.facts]
    return out


def fact_to_dict(fact: Fact) -> dict[str, JSONValue]:
    """A fact as the case snapshot holds it."""
    return {
        "fact_id": fact.fact_id,
        "kind": fact.kind.value,
        "on": fact.on.isoformat(),
        "values": dict(fact.values),
        "document_ref": fact.document_ref,
        "event_id": fact.event_id,
        "corrections": list(fact.corrections),
    }


def fact_from_dict(data: Mapping[str, Any]) -> Fact:
    """The inverse of :func:`fact_to_dict`."""
    kind = FactKind(data["kind"])
    values = data.get("values") or {}
    return Fact(
        fact_id=data["fact_id"],
        kind=kind,
        on=dt.date.fromisoformat(data["on"]),
        values=tuple((spec.name, values.get(spec.name)) for spec in FACTS[kind].fields),
        document_ref=data["document_ref"],
        event_id=data["event_id"],
        corrections=tuple(data.get("corrections", ())),
    )


def case_from_dict(data: Mapping[str, Any], history: Mapping[str, Any] | None = None) -> Case:
    """The inverse of :func:`case_to_dict`. A case imported before cases kept the day they
    entered their state has none in its import event: it gets :func:`imported_state_since`
    from its dates and the import's ``history`` (its charging date)."""
    custody = data["custody"]
    state = CaseState(data["state"])
    dates = {name: _day(data.get(name)) for name in _CASE_DATES}
    opened_on = dates.pop("opened_on")
    assert opened_on is not None
    if dates["state_since"] is None:
        dates["state_since"] = imported_state_since(
            state,
            opened_on=opened_on,
            charged_on=_day((history or {}).get("charged_on")),
            decided_on=dates["decided_on"],
            final_on=dates["final_on"],
            removed_on=dates["removed_on"],
            closed_on=dates["closed_on"],
        )
    return Case(
        case_id=CaseId(data["case_id"]),
        case_ref=data["case_ref"],
        person_id=PersonId(data["person_id"]),
        field_office=data["field_office"],
        state=state,
        opened_on=opened_on,
        version=int(data["version"]),
        decision=Decision(data["decision"]) if data.get("decision") else None,
        in_absentia=bool(data.get("in_absentia")),
        close_reason=CloseReason(data["close_reason"]) if data.get("close_reason") else None,
        motion_pending=bool(data.get("motion_pending")),
        bars=tuple(
            Bar(
                kind=BarKind(b["kind"]),
                placed_on=dt.date.fromisoformat(b["placed_on"]),
                document_ref=b["document_ref"],
                detail=b.get("detail", ""),
            )
            for b in data.get("bars", ())
        ),
        custody=Custody(
            status=CustodyStatus(custody["status"]),
            since_on=_day(custody.get("since_on")),
            facility=custody.get("facility", ""),
            release_mode=ReleaseMode(custody["release_mode"])
            if custody.get("release_mode")
            else None,
            review_due_on=_day(custody.get("review_due_on")),
        ),
        facts=tuple(fact_from_dict(f) for f in data.get("facts", ())),
        **cast(dict[str, Any], dates),
    )


def person_to_dict(person: Person) -> dict[str, JSONValue]:
    """A JSON-safe dictionary holding every field of ``person``."""
    return {
        "person_id": person.person_id,
        "given_name": person.name.given_name,
        "family_name": person.name.family_name,
        "a_number": person.a_number,
        "aliases": [[a.given_name, a.family_name] for a in person.aliases],
        "date_of_birth": _iso(person.date_of_birth),
        "sex": person.sex,
        "citizenship": person.citizenship,
        "language": person.language,
        "address": {
            "line": person.address.line,
            "city": person.address.city,
            "postcode": person.address.postcode,
            "state": person.address.state,
        },
        "documents": [[d.kind, d.number, d.country] for d in person.documents],
        "counsel": person.counsel,
        "family_links": [[f.relation, f.person_id] for f in person.family_links],
        "version": person.version,
    }


def person_from_dict(data: Mapping[str, Any]) -> Person:
    """The inverse of :func:`person_to_dict`."""
    address = data.get("address") or {}
    return Person(
        person_id=PersonId(data["person_id"]),
        name=Name(data["given_name"], data["family_name"]),
        a_number=data.get("a_number"),
        aliases=tuple(Name(g, f) for g, f in data.get("aliases", ())),
        date_of_birth=_day(data.get("date_of_birth")),
        sex=data.get("sex", ""),
        citizenship=data.get("citizenship", ""),
        language=data.get("language", ""),
        address=Address(**address),
        documents=tuple(IdentityDocument(k, n, c) for k, n, c in data.get("documents", ())),
        counsel=data.get("counsel", ""),
        family_links=tuple(FamilyLink(r, PersonId(p)) for r, p in data.get("family_links", ())),
        version=int(data.get("version", 0)),
    )
