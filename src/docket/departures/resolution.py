"""Departure reports resolved to persons: by an exact identifier, else by the linkage model's
fast path, else to nobody.

Resolving is most of what taking a report costs (a candidate query and the scoring of each
candidate), and it reads nothing that taking reports changes: only the persons, their
identity documents and the latest linkage model. So it can be done before the write lock is
taken (:func:`resolve_reports`, in a read transaction, several intakes at once), and the write
transaction takes what was found as long as none of those has moved since
(:meth:`~docket.departures.ports.DepartureWrite.persons_changed_since`): a person is changed
only with an event on their stream, so an event on any person's stream after the resolution,
or a newer model, sends the report to be resolved again under the lock. Either way a report
is resolved against the persons and the model as they stand when it is written.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from docket.departures.collapse import cluster_key
from docket.departures.decision import Resolution, resolve
from docket.departures.linkage import Model, record
from docket.departures.model import Parsed, Report, Status
from docket.departures.ports import DepartureStore, PersonLookup, PersonsMark


@dataclass(frozen=True)
class Resolved:
    """How a report resolved to a person (or to nobody), before anything is written."""

    person_id: str | None
    method: str
    probability: float | None
    status: Status
    version: int | None = None
    weighed: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Resolutions:
    """Reports resolved outside the write lock, and where the persons and the model stood
    when they were."""

    as_of: PersonsMark
    found: Mapping[tuple[str, str], tuple[Report, Resolved]]
    """By report key: the report as resolved (a later report of the same key with other
    content is not this one) and its resolution."""

    def of(self, report: Report) -> Resolved | None:
        """``report``'s resolution, if this one was resolved (with the same content)."""
        found = self.found.get(report.key)
        return found[1] if found is not None and found[0] == report else None


def resolve_reports(*, store: DepartureStore, reports: Sequence[Parsed]) -> Resolutions:
    """Resolve ``reports`` in a read transaction, taking no write lock (reports already
    received are left out: the intake answers them as duplicates or conflicts), and read
    ahead what writing them will touch (``DepartureRead.warm``). Give the result to
    ``accept_reports`` as ``resolved``."""
    with store.read() as tx:
        as_of = tx.persons_mark()
        received = tx.reports_by_key([parsed.report.key for parsed in reports])
        fresh = [parsed.report for parsed in reports if parsed.report.key not in received]
        found = resolve_all(tx, fresh)
        persons = [r.person_id for r in found.values() if r.person_id is not None]
        parties = [f"person:{pid}" for pid in persons]
        parties += [cluster_key(r) for r in fresh if found[r.key].person_id is None]
        tx.warm(persons, parties)
    return Resolutions(as_of, {r.key: (r, found[r.key]) for r in fresh})


def resolve_all(tx: PersonLookup, reports: Sequence[Report]) -> dict[tuple[str, str], Resolved]:
    """Each report's resolution, by key (the first report of a key repeated in ``reports``),
    looked up together: exact identifiers first (an A-number on record; a document number
    exactly one person holds), then the linkage model's candidates, one query each."""
    first: dict[tuple[str, str], Report] = {}
    for report in reports:
        first.setdefault(report.key, report)
    fresh = list(first.values())
    by_a_number = tx.persons_by_a_numbers([r.a_number for r in fresh if r.a_number])
    by_document = tx.persons_by_documents([r.document_number for r in fresh if r.document_number])
    resolved: dict[tuple[str, str], Resolved] = {}
    for r in fresh:
        person_id, method, named = by_identifiers(r, by_a_number, by_document)
        if named:
            both = tuple((person, 1.0) for person in named)
            resolved[r.key] = Resolved(None, "", None, Status.REVIEW, None, both)
        elif person_id is not None:
            resolved[r.key] = Resolved(person_id, method, 1.0, Status.LINKED)
    unresolved = [r for r in fresh if r.key not in resolved]
    model = tx.linkage_model() if unresolved else None
    if model is None:
        for r in unresolved:
            resolved[r.key] = Resolved(None, "", None, Status.UNLINKED)
    else:
        compared = [record(r.content()) for r in unresolved]
        found = tx.candidates_of(compared)
        for r, fields, candidates in zip(unresolved, compared, found, strict=True):
            resolved[r.key] = weighed(model, resolve(model, fields, candidates))
    # A link by document number or by the model, of a report whose A-number is no one's on
    # record, is checked against the A-number the person has (one by A-number agrees).
    checked = [r for r in fresh if r.a_number and resolved[r.key].method in ("document", "model")]
    linked = [linked_to for r in checked if (linked_to := resolved[r.key].person_id) is not None]
    held = tx.a_numbers_of(linked) if linked else {}
    for r in checked:
        was = resolved[r.key]
        if was.person_id is not None and a_number_disagrees(r, was.person_id, held):
            # The person the document names is the one candidate; the model's stay as weighed.
            shown = ((was.person_id, 1.0),) if was.method == "document" else was.weighed
            resolved[r.key] = dataclasses.replace(
                was, person_id=None, method="", status=Status.REVIEW, weighed=shown
            )
    return resolved


def by_identifiers(
    report: Report, by_a_number: Mapping[str, str], by_document: Mapping[str, str]
) -> tuple[str | None, str, tuple[str, ...]]:
    """The person ``report``'s exact identifiers name on record (``by_a_number``,
    ``by_document``: person id by identifier), and how (``a_number``, else ``document``); or,
    when its A-number is one person's and its document number another's, nobody, with the two
    persons (a question for a reviewer, at intake and in relink alike); or nobody at all."""
    by_a = by_a_number.get(report.a_number) if report.a_number else None
    by_doc = by_document.get(report.document_number) if report.document_number else None
    if by_a is not None and by_doc is not None and by_a != by_doc:
        return None, "", (by_a, by_doc)
    if by_a is not None:
        return by_a, "a_number", ()
    if by_doc is not None:
        return by_doc, "document", ()
    return None, "", ()


def a_number_disagrees(report: Report, person_id: str | None, held: Mapping[str, str]) -> bool:
    """Whether ``report`` carries an A-number and ``person_id`` (by ``held``: A-number by
    person id) has another on record. The model never links such a report by itself: two
    identifiers that disagree are a question for a reviewer, however alike the rest."""
    recorded = held.get(person_id) if person_id is not None else None
    return bool(report.a_number) and recorded is not None and recorded != report.a_number


def weighed(model: Model, found: Resolution) -> Resolved:
    """A report's resolution by the linkage model's fast path."""
    candidates = tuple((c.person_id, c.probability) for c in found.candidates)
    probability = found.best.probability if found.best else None
    status = Status(found.status)
    if status is Status.LINKED and found.best is not None:
        return Resolved(
            found.best.person_id, "model", probability, status, model.version, candidates
        )
    return Resolved(None, "", probability, status, model.version, candidates)
