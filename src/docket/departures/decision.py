"""The decision rule, one for the fast path and for relinking in batch: link, review or
leave unlinked, from a report's candidates and their match weights.

Precision comes before recall: a report links by itself only when its best candidate is above
:data:`AUTO_LINK`, no other candidate comes close or is above it too, and the two do not look
like siblings or twins; anything uncertain goes to the review queue and never links by itself.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from docket.departures.comparisons import spelling_similarity
from docket.departures.linkage import Model, probability

AUTO_LINK = 0.999
"""A report links by itself at or above this match probability (and only if nothing else
makes it uncertain)."""
REVIEW_FROM = 0.5
"""From this probability up to :data:`AUTO_LINK`, a report goes to review."""
CLOSE_BITS = 5.0
"""A second candidate within this many bits of match weight of the best one (32 times less
likely or closer) makes the report uncertain: review."""
SHOWN = 5
"""The candidates a resolution weighs and keeps: the strongest, by match weight, then by
person id."""


SAME_NAME = 0.88
"""Given names this similar (Jaro–Winkler over their characters) are taken for one name written
two ways."""


@dataclass(frozen=True)
class Candidate:
    person_id: str
    fields: Mapping[str, str | None]
    weight: float

    @property
    def probability(self) -> float:
        return probability(self.weight)


@dataclass(frozen=True)
class Resolution:
    """What the fast path made of a report: the person it links to (if any), the status it
    takes, why, and the candidates it weighed, best first."""

    status: str
    """``linked``, ``review`` or ``unlinked``."""
    reason: str
    candidates: tuple[Candidate, ...]

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def resolve(
    model: Model, report: Mapping[str, str | None], persons: Mapping[str, Mapping[str, Any]]
) -> Resolution:
    """Score ``report`` (a :func:`record`) against candidate ``persons`` (person id ->
    :func:`record`) and decide: link, review or leave unlinked."""
    weigh = model.weigher(report)
    return decide(
        report, [Candidate(pid, fields, weigh(fields)) for pid, fields in persons.items()]
    )


def decide(
    report: Mapping[str, str | None],
    scored: Sequence[Candidate],
    rest: Iterable[Candidate] = (),
) -> Resolution:
    """Link, review or leave unlinked, from the candidates of ``report`` (a :func:`record`)
    and their match weights, however they were scored (by the fast path one report at a
    time, or by Splink in batch): the one rule both follow.

    Siblings are looked for among every candidate scored, however unlikely: a twin the model
    puts far below the best candidate is the reason to doubt it (and is then shown with the
    others). ``rest``: candidates weaker than the :data:`SHOWN` strongest, when ``scored``
    holds just those (:func:`strongest`); read only to look for siblings of a best candidate
    that would otherwise link. The decision is the same as on all of them together."""
    ranked = sorted(scored, key=_strength)
    shown = tuple(c for c in ranked[:SHOWN] if c.probability >= 0.01)
    if not shown or shown[0].probability < REVIEW_FROM:
        return Resolution("unlinked", "no candidate is likely enough", shown)
    best = shown[0]
    born = best.fields["date_of_birth"]
    kin = sorted(
        (
            other
            for other in itertools.chain(ranked[1:], rest)
            if other.fields["date_of_birth"] == born and siblings(best.fields, other.fields)
        ),
        key=_strength,
    )
    with_kin = shown + tuple(other for other in kin if other not in shown)  # the reviewer sees
    if len(shown) > 1 and shown[1].weight >= best.weight - CLOSE_BITS:
        return Resolution("review", "two candidates are close", with_kin)
    if len(shown) > 1 and shown[1].probability >= AUTO_LINK:
        # However far behind, a second person the model is this sure of: one of the two is
        # not the traveller (or both records are one person's), and a person tells which.
        return Resolution("review", "two candidates are each likely enough", with_kin)
    if kin or siblings(best.fields, report):
        return Resolution("review", "the candidates look like siblings or twins", with_kin)
    if best.probability < AUTO_LINK:
        return Resolution("review", "the best candidate is uncertain", shown)
    return Resolution("linked", "one candidate, far above the others", shown)


def _strength(candidate: Candidate) -> tuple[float, str]:
    return _weighed_strength((candidate.person_id, candidate.weight))


def _weighed_strength(pair: tuple[str, float]) -> tuple[float, str]:
    """The order of candidates, strongest first: by match weight, then by person id."""
    person_id, weight = pair
    return (-weight, person_id)


def strongest(scored: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """The :data:`SHOWN` strongest of ``scored`` (person id, match weight), strongest first
    (the first is the best candidate), all that :func:`decide` weighs (the others it reads
    only to look for siblings, as ``rest``): a report with a common name can have thousands
    of candidates in a batch prediction, and making each of them a :class:`Candidate` cost
    relinking seconds."""
    if len(scored) <= SHOWN:
        return sorted(scored, key=_weighed_strength)
    return heapq.nsmallest(SHOWN, scored, key=_weighed_strength)


KIN_NAMES = (
    ("family_name", "family_name"),
    ("family_name", "given_name"),
    ("given_name", "family_name"),
)
"""The names (one side's, the other's) of which one must be equal, with the birth date, in a
pair that may be of twins or siblings: the family names, or either side's names read swapped.
:func:`siblings` asks this and more; batch prediction blocks on these alone
(``linkage.splink_model.KIN_RULES``), so that the decision sees every such pair."""

_OTHER_NAME = {"given_name": "family_name", "family_name": "given_name"}


def siblings(one: Mapping[str, str | None], other: Mapping[str, str | None]) -> bool:
    """Same family name and birth date, and given names that are not one name misspelt
    (Jaro–Winkler under :data:`SAME_NAME`): twins or siblings, whom a model easily takes for
    one person. Read with either side's names swapped too (:data:`KIN_NAMES`), since the
    model now takes a swap for one name written in the other's place: a twin's report with
    the names swapped still looks like a twin."""
    born = one["date_of_birth"]
    if born is None or born != other["date_of_birth"]:
        return False
    return any(_kin(one, other, mine, theirs) for mine, theirs in KIN_NAMES)


def _kin(
    one: Mapping[str, str | None], other: Mapping[str, str | None], mine: str, theirs: str
) -> bool:
    """Whether ``one``'s ``mine`` is ``other``'s ``theirs`` (the family name as each is read)
    and their other names are not one name (the given name as each is read)."""
    shared, given_one, given_other = one[mine], one[_OTHER_NAME[mine]], other[_OTHER_NAME[theirs]]
    return (
        shared is not None
        and shared == other[theirs]
        and given_one is not None
        and given_other is not None
        and spelling_similarity(given_one, given_other) < SAME_NAME
    )
