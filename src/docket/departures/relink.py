"""Relinking: every report resolved again in batch with the latest model (Splink), the links
that stand (an exact identifier, a reviewer's decision) kept; and the links listing."""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from docket.cases.fields import blank
from docket.cases.ids import new_id
from docket.cases.ports import Clock
from docket.departures.collapse import Counted, cluster_key
from docket.departures.decision import Candidate, Resolution, decide, siblings, strongest
from docket.departures.linkage import record
from docket.departures.model import Status
from docket.departures.ports import DepartureStore, StoredReport
from docket.departures.regroup import counted_moving, regroup, report_key
from docket.departures.resolution import a_number_disagrees, by_identifiers
from docket.errors import InvalidInput


def links(*, store: DepartureStore) -> list[Mapping[str, object]]:
    """For every report: its source and record id, the case its departure counts under (a
    later report of a departure that closed the case names that case too), its match
    probability, status and departure."""
    with store.read() as tx:
        case_of = {d.departure_id: d.case_ref for d in tx.departures()}
        return [
            {
                "source": s.report.source.value,
                "source_record_id": s.report.source_record_id,
                "case_ref": case_of.get(s.departure_id, s.counted.case_ref),
                "match_probability": s.match_probability,
                "status": s.status.value,
                "departure_id": s.departure_id,
            }
            for s in tx.reports()
        ]


# Relinking ----------------------------------------------------------------------------------
KEPT_METHODS = frozenset({"a_number", "document", "review"})
"""Links that relinking leaves as they are: an exact identifier, a reviewer's decision."""


def settled_reports(*, store: DepartureStore) -> set[str]:
    """Keys of the reports a relink leaves as they are (linked by :data:`KEPT_METHODS` or
    decided by a reviewer): nobody weighs their candidates, so batch prediction can leave
    them out. A report settled now stays settled (relinking keeps it, and a reviewer's
    decision is never undone)."""
    with store.read() as tx:
        return tx.settled_reports(KEPT_METHODS)


@dataclass(frozen=True)
class Relinked:
    """What a relink changed."""

    reports: int
    kept: int
    """Reports left as they were: linked by an exact identifier, or decided by a reviewer."""
    moved: int
    """Reports whose person, status or unlinked traveller changed."""
    statuses: Mapping[str, int]
    """Reports by status after the relink."""
    case_events: tuple[str, ...] = ()
    arrived: int = 0
    """Reports taken after the batch scoring read the reports (while Splink predicted), so
    never scored in batch: left as intake resolved them."""
    changed: int = 0
    """Reports the relink would have moved that changed between its deciding and its writing
    (a reviewer's decision, another relink): left as they are now."""


def relink_reports(
    *,
    store: DepartureStore,
    clock: Clock,
    actor: str,
    model_version: int,
    scored: Mapping[str, Sequence[tuple[str, float]]],
    persons: Mapping[str, Mapping[str, str | None]],
    same_traveller: Sequence[tuple[str, str]],
    read: Collection[str],
    progress: Callable[[str], None] = lambda _: None,
    kin: Mapping[str, Sequence[str]] = MappingProxyType({}),
    weigh: Callable[[Mapping[str, str | None], Mapping[str, str | None]], float] | None = None,
) -> Relinked:
    """Every report resolved again, from a batch scoring of the whole population.
    ``scored``: report key (``source/source_record_id``) -> its candidates (person id, match
    weight); ``persons``: those candidates as the model compares them; ``same_traveller``:
    pairs of report keys the model takes for one traveller; ``read``: the keys of the reports
    the scoring read. ``progress`` is told of each of the two steps. ``kin``: for a
    candidate, the persons born the same day who share a name with them (in ``persons``
    too), whom the scoring may never have paired with the report; ``weigh`` gives the match
    weight of a report (as ``record`` gives it) and such a person.

    The decisions are made on the reports as a read transaction sees them, without the write
    lock, so intake goes on meanwhile; then one write transaction moves the reports whose
    decision changed and regroups their departures. A report that changed in between (a
    reviewer decided it, another relink moved it) is left as it is now, and reports taken in
    between are not touched: intake resolved them with the latest model.

    Reports linked by an exact identifier or decided by a reviewer stay as they are (a
    reviewer's decision is never undone by a model); so do reports taken after the scoring
    read the reports (intake goes on while Splink predicts, and a report it took then has no
    batch candidates: it keeps what intake made of it). An A-number that has since become a
    person's links its report. Every other report takes the decision :func:`decide` gives on
    its candidates, as a report arriving now would; one that stays in review takes the
    candidates relink weighed, which the review queue shows. Reports of nobody are grouped into
    travellers: those the model takes for one (unless they look like siblings), and those
    intake would have grouped (:func:`cluster_key`); each group is counted under the key of
    its earliest report. Departures are collapsed again where reports moved, the counts
    follow, and a departure that becomes confirmed for a person is recorded on their open
    cases."""
    if blank(actor):
        raise InvalidInput("a relink needs an actor", details={"field": "actor"})
    now = clock.now()
    progress("deciding departures (no write lock)")
    with store.read() as tx:
        stored = list(tx.reports())
        decided = tx.decided_reports()
        by_a_number = tx.persons_by_a_numbers([s.report.a_number for s in stored])
        by_document = tx.persons_by_documents([s.report.document_number for s in stored])
    resolved: dict[str, tuple[Status, str | None, str, Resolution | None]] = {}
    # Reports whose identifiers disagree, for review as at intake: the persons they name as
    # the candidates, and the match probability kept.
    questions: dict[str, tuple[tuple[tuple[str, float], ...], float | None]] = {}
    kept = arrived = 0
    for s in stored:
        key = report_key(s)
        settled = s.link_method in KEPT_METHODS or key in decided
        exact, how, named = by_identifiers(s.report, by_a_number, by_document)
        if settled or key not in read:
            if settled:
                kept += 1
            else:
                arrived += 1
            resolved[key] = (s.status, s.person_id, s.link_method, None)
        elif named:  # two identifiers naming two persons: a reviewer's question
            resolved[key] = (Status.REVIEW, None, "", None)
            questions[key] = (tuple((person, 1.0) for person in named), None)
        elif exact is not None:
            resolved[key] = (Status.LINKED, exact, how, None)
        else:
            ranked = scored.get(key, ())
            top = strongest(ranked)
            chosen = {pid for pid, _ in top}
            # The weaker ones matter only as siblings of the strongest, so only those born on
            # its day (decision.siblings) are made candidates: a common name has thousands.
            born = persons[top[0][0]]["date_of_birth"] if top else None
            compared = record(s.report.content())
            rest = [
                Candidate(pid, persons[pid], w)
                for pid, w in ranked
                if pid not in chosen and persons[pid]["date_of_birth"] == born
            ]
            if top and weigh is not None and (unpaired := _unpaired(kin.get(top[0][0]), ranked)):
                # Siblings of the strongest that the scoring never paired with the report (its
                # family name misspelt, say): the fast path weighs them, and so must this.
                rest += [
                    Candidate(pid, persons[pid], weigh(compared, persons[pid])) for pid in unpaired
                ]
            found = decide(compared, [Candidate(pid, persons[pid], w) for pid, w in top], rest)
            best = found.best if found.status == Status.LINKED.value else None
            person = best.person_id if best is not None else None
            resolved[key] = (Status(found.status), person, "model" if person else "", found)
    # Linked by the model or by document number just now, though the report's A-number is
    # nobody's: is it another's?
    by_model = [
        s
        for s in stored
        if s.report.a_number and resolved[report_key(s)][1] is not None
        if resolved[report_key(s)][3] is not None
        or (resolved[report_key(s)][2] == "document" and s.link_method != "document")
    ]
    if by_model:
        with store.read() as tx:
            held = tx.a_numbers_of([str(resolved[report_key(s)][1]) for s in by_model])
        for s in by_model:
            _, person, method, decision = resolved[report_key(s)]
            if a_number_disagrees(s.report, person, held):
                resolved[report_key(s)] = (Status.REVIEW, None, "", decision)
                if method == "document" and person is not None:
                    questions[report_key(s)] = (((person, 1.0),), 1.0)
    parties = _travellers(stored, {k for k, v in resolved.items() if v[1] is None}, same_traveller)

    planned = []  # (the report as read, the party it moves to)
    # Reports staying in review whose candidates relink weighed anew (a twin on record since,
    # another model): the reviewer must see those, not the ones weighed before.
    refreshed: list[tuple[StoredReport, dict[str, Any]]] = []
    for s in stored:
        key = report_key(s)
        status, person_id, _, weighed = resolved[key]
        party = f"person:{person_id}" if person_id else parties[key]
        if (status, person_id, party) != (s.status, s.person_id, s.counted.party):
            planned.append((s, party))
        elif (
            status is Status.REVIEW
            and (anew := _weighed(weighed, questions.get(key), model_version))
            and dataclasses.replace(s, **anew) != s
        ):
            refreshed.append((s, anew))
    statuses = Counter(v[0].value for v in resolved.values())
    del stored, by_a_number, by_document

    progress("regrouping departures (write lock)")
    changed = 0
    with store.write() as tx:
        decided_since = tx.decided_reports() - decided
        current = tx.reports_by_key([s.report.key for s, _ in planned])
        moved = []
        for read_then, party in planned:
            s = current[read_then.report.key]
            if report_key(s) in decided_since or _resolution(s) != _resolution(read_then):
                changed += 1  # a reviewer or another relink got there first: theirs stands
                statuses[resolved[report_key(s)][0].value] -= 1
                statuses[s.status.value] += 1
                continue
            moved.append((s, party))
        linked_anew = (p for s, _ in moved if (p := resolved[report_key(s)][1]) != s.person_id)
        cases = tx.open_cases_of_persons([p for p in dict.fromkeys(linked_anew) if p is not None])
        moves = []
        for s, party in moved:
            status, person_id, method, weighed = resolved[report_key(s)]
            if person_id is None:
                counted = Counted(party)
            elif person_id == s.person_id:
                counted = dataclasses.replace(s.counted, party=party)
            else:
                counted = counted_moving(tx, person_id, cases[person_id], s.report)
            after = dataclasses.replace(
                s,
                status=status,
                person_id=person_id,
                link_method=method,
                counted=counted,
                intake_departure_id=new_id(),
            )
            if anew := _weighed(weighed, questions.get(report_key(s)), model_version):
                after = dataclasses.replace(after, **anew)
            elif method != s.link_method:  # linked by an exact identifier since
                after = dataclasses.replace(after, match_probability=1.0)
            moves.append((s, after))
        _owners, recorded = regroup(tx, moves, actor=actor, now=now) if moves else ({}, ())
        now_in_review = tx.reports_by_key([s.report.key for s, _ in refreshed])
        tx.update_reports(
            [
                dataclasses.replace(now_in_review[read_then.report.key], **anew)
                for read_then, anew in refreshed
                if report_key(read_then) not in decided_since
                and _as_weighed(now_in_review[read_then.report.key]) == _as_weighed(read_then)
            ]
        )
    return Relinked(
        len(resolved),
        kept,
        len(moves),
        {status: n for status, n in sorted(statuses.items()) if n},
        recorded,
        arrived,
        changed,
    )


def _unpaired(kin: Sequence[str] | None, ranked: Sequence[tuple[str, float]]) -> list[str]:
    """Those of ``kin`` that are not among the ``ranked`` candidates."""
    if not kin:
        return []
    paired = {pid for pid, _ in ranked}
    return [pid for pid in kin if pid not in paired]


def _resolution(stored: StoredReport) -> tuple[Status, str | None, str, str]:
    """What relinking decides for a report: its status, person, link method and party."""
    return stored.status, stored.person_id, stored.link_method, stored.counted.party


def _weighed(
    decision: Resolution | None,
    question: tuple[tuple[tuple[str, float], ...], float | None] | None,
    model_version: int,
) -> dict[str, Any]:
    """What relink weighed for a report, as the fields it sets: the match probability, the
    model and the candidates of its ``decision``, or the persons and probability of its
    identifiers' ``question``; nothing for a report it did not weigh."""
    if decision is not None:
        return {
            "match_probability": decision.best.probability if decision.best else None,
            "model_version": model_version,
            "candidates": tuple((c.person_id, c.probability) for c in decision.candidates),
        }
    if question is not None:
        shown, kept_probability = question
        return {"match_probability": kept_probability, "candidates": shown}
    return {}


def _as_weighed(stored: StoredReport) -> tuple[object, ...]:
    """Where a report stands and what was weighed for it: when it changed between relink's
    deciding and its writing (a reviewer, another relink), theirs stands."""
    weighed = (stored.match_probability, stored.model_version, stored.candidates)
    return (*_resolution(stored), *weighed)


def _travellers(
    stored: Sequence[StoredReport], unlinked: set[str], same: Sequence[tuple[str, str]]
) -> dict[str, str]:
    """Reports of nobody (keys in ``unlinked``) grouped into travellers: joined where intake's
    :func:`cluster_key` agrees, and where the model takes two for one traveller unless that
    would put in one group two reports that look like siblings (the pairs taken in order of
    their keys, so the grouping does not depend on the order Splink gives them). Each
    report's party: the cluster key of the group's earliest report."""
    parent = {key: key for key in unlinked}
    members = {key: [key] for key in unlinked}
    # The members of a group the model joined, as it compares them, by birth date (siblings
    # share one): made only for those groups, which are few of all.
    born: dict[str, dict[str | None, list[dict[str, str | None]]]] = {}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    def born_in(group: str) -> dict[str | None, list[dict[str, str | None]]]:
        if group not in born:
            born[group] = {}
            for key in members[group]:
                compared = record(by_key[key].report.content())
                born[group].setdefault(compared["date_of_birth"], []).append(compared)
        return born[group]

    def join(one: str, other: str, *, unless_kin: bool) -> None:
        small, large = sorted((root(one), root(other)), key=lambda group: len(members[group]))
        if small == large:
            return
        if unless_kin and _kin_between(born_in(small), born_in(large)):
            return  # a report taken for either twin does not make one traveller of them
        if small in born or large in born:
            into = born_in(large)
            for day, compared in born_in(small).items():
                into.setdefault(day, []).extend(compared)
            del born[small]
        parent[small] = large
        members[large].extend(members.pop(small))

    by_key = {report_key(s): s for s in stored if report_key(s) in unlinked}
    first_of_cluster: dict[str, str] = {}
    for key, s in by_key.items():
        first_of_cluster.setdefault(cluster_key(s.report), key)
        join(key, first_of_cluster[cluster_key(s.report)], unless_kin=False)
    for one, other in sorted(tuple(sorted(pair)) for pair in same):
        if one in by_key and other in by_key:
            join(one, other, unless_kin=True)
    earliest: dict[str, StoredReport] = {}
    for key, s in by_key.items():
        group = root(key)
        if group not in earliest or s.seq < earliest[group].seq:
            earliest[group] = s
    return {key: cluster_key(earliest[root(key)].report) for key in by_key}


def _kin_between(
    one: Mapping[str | None, list[dict[str, str | None]]],
    other: Mapping[str | None, list[dict[str, str | None]]],
) -> bool:
    """Whether a member of one group looks like a sibling of a member of the other (only
    those born the same day can)."""
    if len(one) > len(other):
        one, other = other, one
    return any(
        siblings(left, right)
        for day, members in one.items()
        if day is not None and day in other
        for left in members
        for right in other[day]
    )
