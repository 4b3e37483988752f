"""Use cases of the case core: open a case, record a lifecycle event, show and list cases.

Services take keyword-only arguments, a unit of work and a clock; all rules are in the domain
modules they call, and each call is one transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import orjson

from docket.cases import lifecycle, persons
from docket.cases.events import Event, EventKind
from docket.cases.idempotency import prior_answer, remember, request_hash
from docket.cases.ids import new_id
from docket.cases.model import Case, CaseId, Person, PersonId
from docket.cases.ports import (
    CaseFilter,
    CaseText,
    Clock,
    DocketSummary,
    ReadTransaction,
    UnitOfWork,
    WriteTransaction,
)
from docket.errors import (
    InvalidInput,
    NotFound,
    TamperDetected,
    VersionConflict,
)


@dataclass(frozen=True)
class RecordResult:
    """What a command did: the case's reference, new version and state, and the events' places."""

    case_ref: str
    version: int
    state: str
    event_seqs: tuple[int, ...]
    replayed: bool = False
    """True when an earlier command with the same idempotency key answered."""

    def to_json(self) -> str:
        return json.dumps(
            {
                "case_ref": self.case_ref,
                "version": self.version,
                "state": self.state,
                "event_seqs": list(self.event_seqs),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, *, replayed: bool) -> RecordResult:
        data = json.loads(text)
        return cls(
            case_ref=data["case_ref"],
            version=data["version"],
            state=data["state"],
            event_seqs=tuple(data["event_seqs"]),
            replayed=replayed,
        )


@dataclass(frozen=True)
class CaseView:
    """A case with its person and its whole timeline."""

    case: Case
    person: Person | None
    events: list[Event]


def _replay(
    tx: WriteTransaction, idempotency_key: str | None, digest: str, actor: str
) -> RecordResult | None:
    """The earlier answer for this key, or ``None`` when the key is new (or absent)."""
    prior = prior_answer(tx, idempotency_key, digest, actor)
    return None if prior is None else RecordResult.from_json(prior, replayed=True)


def open_case(
    *,
    uow: UnitOfWork,
    clock: Clock,
    case_ref: str,
    person: Person,
    field_office: str,
    opened_on: dt.date,
    actor: str,
    document_ref: str,
    idempotency_key: str | None = None,
) -> RecordResult:
    """Register ``person`` (unless already known by ``person_id``) and open a case for them."""
    now = clock.now()
    digest = request_hash(
        {
            "command": "open_case",
            "case_ref": case_ref,
            "person": dataclasses.asdict(person),
            "field_office": field_office,
            "opened_on": opened_on,
            "actor": actor,
            "document_ref": document_ref,
        }
    )
    if not case_ref.strip() or not field_office.strip():
        raise InvalidInput("a case needs a reference and a field office")
    with uow.write() as tx:
        replayed = _replay(tx, idempotency_key, digest, actor)
        if replayed is not None:
            return replayed
        if tx.existing_case_refs([case_ref]):
            raise InvalidInput(f"case {case_ref} already exists", details={"field": "case_ref"})
        new_events: list[Event] = []
        known = tx.get_person(person.person_id)
        if known is None:
            event, known = persons.register_person(
                person, actor=actor, document_ref=document_ref, recorded_at=now
            )
            new_events.append(event)
            tx.add_persons([known])
        event, case = lifecycle.open_case(
            case_id=CaseId(new_id()),
            case_ref=case_ref,
            person_id=known.person_id,
            field_office=field_office,
            opened_on=opened_on,
            actor=actor,
            document_ref=document_ref,
            recorded_at=now,
        )
        new_events.append(event)
        stored = tx.append(new_events)
        tx.add_cases([case])
        result = RecordResult(
            case_ref=case_ref,
            version=case.version,
            state=case.state.value,
            event_seqs=tuple(stored),
        )
        remember(tx, idempotency_key, actor, digest, result.to_json(), now)
    return result


def record_event(
    *,
    uow: UnitOfWork,
    clock: Clock,
    case_ref: str,
    kind: EventKind,
    fields: Mapping[str, object],
    actor: str,
    document_ref: str,
    occurred_on: dt.date | None = None,
    expected_version: int | None = None,
    idempotency_key: str | None = None,
    also: Callable[[WriteTransaction], None] | None = None,
    also_on_replay: Callable[[WriteTransaction], None] | None = None,
) -> RecordResult:
    """Record one lifecycle event on a case, with every rule checked before anything is saved.

    ``expected_version`` refuses the write if the case changed since the caller read it;
    ``idempotency_key`` makes a retry answer with the first result instead of recording again.
    ``also`` runs in the same transaction once the command is answered (a surface records the
    access with it, so the record commits or rolls back with the change); ``also_on_replay``
    runs instead of it when the answer is a retry's (default: ``also``).
    """
    now = clock.now()
    on = occurred_on or now.date()
    digest = request_hash(
        {
            "command": "record_event",
            "case_ref": case_ref,
            "kind": kind.value,
            "fields": dict(fields),
            "occurred_on": occurred_on,
            "actor": actor,
            "document_ref": document_ref,
            "expected_version": expected_version,
        }
    )
    with uow.write() as tx:
        replayed = _replay(tx, idempotency_key, digest, actor)
        if replayed is not None:
            if (hook := also_on_replay or also) is not None:
                hook(tx)
            return replayed
        case = _existing_case(tx, case_ref)
        if expected_version is not None and expected_version != case.version:
            raise VersionConflict(
                f"case {case_ref} is at version {case.version}, not {expected_version}",
                details={"case_ref": case_ref, "version": case.version},
            )
        after, stored = record_on(
            tx,
            case,
            kind=kind,
            fields=fields,
            occurred_on=on,
            actor=actor,
            document_ref=document_ref,
            recorded_at=now,
        )
        result = RecordResult(
            case_ref=case_ref,
            version=after.version,
            state=after.state.value,
            event_seqs=tuple(stored),
        )
        remember(tx, idempotency_key, actor, digest, result.to_json(), now)
        if also is not None:
            also(tx)
    return result


def record_on(
    tx: WriteTransaction,
    case: Case,
    *,
    kind: EventKind,
    fields: Mapping[str, object],
    occurred_on: dt.date,
    actor: str,
    document_ref: str,
    recorded_at: dt.datetime,
) -> tuple[Case, list[int]]:
    """Record one lifecycle event on ``case`` inside ``tx`` (a service that changes more than
    the case, such as departure intake, records the case's part with this): every rule is
    checked first. The case after the event and the event's place in the log."""
    event, after = lifecycle.record(
        case,
        kind=kind,
        fields=fields,
        occurred_on=occurred_on,
        actor=actor,
        document_ref=document_ref,
        recorded_at=recorded_at,
    )
    stored = tx.append([event])
    tx.save_case(after, expected_version=case.version)
    return after, stored


def no_case(case_ref: str) -> NotFound:
    """The error for a case reference on record nowhere. It is also what a subject or counsel
    is told of someone else's case, so that a refusal does not tell them the case exists."""
    return NotFound(f"no case {case_ref}", details={"case_ref": case_ref})


def no_person(person_id: str) -> NotFound:
    """The error for a person id on record nowhere; like :func:`no_case`, also what a subject
    or counsel is told of someone else's record."""
    return NotFound(f"no person {person_id}", details={"person_id": person_id})


def _existing_case(tx: ReadTransaction, case_ref: str) -> Case:
    case = tx.get_case_by_ref(case_ref)
    if case is None:
        raise no_case(case_ref)
    return case


def get_case(*, uow: UnitOfWork, case_ref: str) -> Case:
    """The case alone, without its person or timeline."""
    with uow.read(brief=True) as tx:
        return _existing_case(tx, case_ref)


def show_case(*, uow: UnitOfWork, case_ref: str, with_person: bool = True) -> CaseView:
    """The case, its person (unless not ``with_person``) and its timeline."""
    with uow.read(brief=True) as tx:
        case = _existing_case(tx, case_ref)
        person = tx.get_person(case.person_id) if with_person else None
        return CaseView(case=case, person=person, events=tx.stream_events(case.case_id))


@dataclass(frozen=True)
class PersonView:
    """A person with the references and field offices of their cases."""

    person: Person
    cases: list[tuple[str, str]]


def show_person(*, uow: UnitOfWork, person_id: str) -> PersonView:
    """The person and where their cases are."""
    with uow.read(brief=True) as tx:
        person = tx.get_person(person_id)
        if person is None:
            raise no_person(person_id)
        return PersonView(person=person, cases=tx.cases_of_person(person_id))


def list_cases(*, uow: UnitOfWork, case_filter: CaseFilter) -> list[Case]:
    """Cases matching ``case_filter``, by reference."""
    _check_limit(case_filter)
    with uow.read(brief=True) as tx:
        return tx.list_cases(case_filter)


def list_case_texts(*, uow: UnitOfWork, case_filter: CaseFilter) -> list[CaseText]:
    """The cases :func:`list_cases` finds, as their stored texts: for an answer that passes
    them on unchanged, without rebuilding each case and writing it out again."""
    _check_limit(case_filter)
    with uow.read(brief=True) as tx:
        found = tx.list_case_texts(case_filter)
    for case in found:  # passed on as it is: at least a JSON object (audit verify does the rest)
        try:
            readable = isinstance(orjson.loads(case.text), dict)
        except orjson.JSONDecodeError:
            readable = False
        if not readable:
            raise TamperDetected(
                f"the stored record of case {case.case_ref} is no case: it was changed behind "
                "Docket's back; run docket audit verify",
                details={"case_ref": case.case_ref, "rule": "stored_record_unreadable"},
            )
    return found


def _check_limit(case_filter: CaseFilter) -> None:
    if not 1 <= case_filter.limit <= 10_000:
        raise InvalidInput("limit must be between 1 and 10000", details={"field": "limit"})


def summarise(*, uow: UnitOfWork, clock: Clock, days: int = 7) -> DocketSummary:
    """Cases per state, bars in force and the deadlines due in the next ``days`` days."""
    today = clock.now().date()
    with uow.read() as tx:
        return tx.summary(due_from=today, due_to=today + dt.timedelta(days=days))


def new_person_id() -> PersonId:
    """A fresh person identifier."""
    return PersonId(new_id())
