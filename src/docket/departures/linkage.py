"""The record-linkage model between departure reports and persons, and its fast path.

The comparisons are declared once here, as data: ``docket.linkage`` builds the Splink settings
from them and trains the Fellegi–Sunter weights (EM, term-frequency adjustment for names); this
module scores one report against a few candidate persons with those weights in plain Python,
level by level as Splink's SQL does, so a report is resolved in milliseconds without a Splink
job. A test holds the two to the same match weights.

Precision comes before recall: a report links by itself only when its best candidate is above
:data:`AUTO_LINK`, no other candidate comes close, and the two do not look like siblings or
twins; anything uncertain goes to the review queue and never links by itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import jellyfish

from docket.cases.model import Person
from docket.cases.persons import normal_document_number

AUTO_LINK = 0.999
"""A report links by itself at or above this match probability (and only if nothing else
makes it uncertain)."""
REVIEW_FROM = 0.5
"""From this probability up to :data:`AUTO_LINK`, a report goes to review."""
CLOSE_BITS = 5.0
"""A second candidate within this many bits of match weight of the best one (32 times less
likely or closer) makes the report uncertain: review."""


@dataclass(frozen=True)
class Comparison:
    """One compared field and its levels, in Splink's order (the first level that holds wins):
    ``name``: exact (with term-frequency adjustment), Jaro–Winkler >= 0.92, 0.88, 0.7;
    ``date``: exact, one character apart, within a month, a year, ten years;
    ``levenshtein``: exact, then within each distance; ``exact``: equal."""

    column: str
    kind: str
    thresholds: tuple[float, ...] = ()


COMPARISONS = (
    Comparison("given_name", "name", (0.92, 0.88, 0.7)),
    Comparison("family_name", "name", (0.92, 0.88, 0.7)),
    Comparison("date_of_birth", "date", (1, 1, 10)),
    Comparison("document_number", "levenshtein", (1, 2)),
    Comparison("sex", "exact"),
    Comparison("postcode", "levenshtein", (1,)),
)
COLUMNS = tuple(c.column for c in COMPARISONS)
TF_COLUMNS = ("given_name", "family_name")

SAME_NAME = 0.88
"""Given names this similar (Jaro–Winkler) are taken for one name written two ways."""

_SECONDS = {"month": 2_629_800.0, "year": 31_557_600.0}
_DATE_METRICS = ("month", "year", "year")


def normal_name(text: str) -> str:
    """A name as compared: lower case, accents and punctuation kept, spaces collapsed."""
    return " ".join(text.casefold().split())


def record(fields: Mapping[str, Any]) -> dict[str, str | None]:
    """A person or a report as the model compares it: the compared columns, normalised, with
    ``None`` for what is missing."""
    out: dict[str, str | None] = {}
    for comparison in COMPARISONS:
        value = str(fields.get(comparison.column) or "").strip()
        if comparison.kind == "name":
            value = normal_name(value)
        elif comparison.column == "document_number":
            value = normal_document_number(value)
        elif comparison.column == "postcode":
            value = re.sub(r"\s+", "", value.upper())
        elif comparison.column == "sex":
            value = value.upper()[:1]
        out[comparison.column] = value or None
    return out


def person_record(person: Person) -> dict[str, str | None]:
    """A person as the model compares them with a report."""
    return record(
        {
            "given_name": person.name.given_name,
            "family_name": person.name.family_name,
            "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else None,
            "document_number": person.documents[0].number if person.documents else None,
            "sex": person.sex,
            "postcode": person.address.postcode,
        }
    )


@dataclass(frozen=True)
class Model:
    """Trained weights: the prior, each comparison's levels' m and u (by Splink's level order,
    null level first), and the term frequencies of names."""

    version: int
    prior: float
    levels: Mapping[str, Sequence[tuple[float | None, float | None]]]
    """Per column: (m, u) for each non-null level in order (``None``: untrained, Splink's
    default applies to that one)."""
    term_frequency: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    tf_minimum_u: float = 0.0

    @classmethod
    def from_splink(
        cls, version: int, settings: Mapping[str, Any], tf: Mapping[str, Mapping[str, float]]
    ) -> Model:
        """The weights of a model Splink saved (``save_model_to_json``), with its
        term-frequency tables."""
        levels: dict[str, list[tuple[float | None, float | None]]] = {}
        for comparison in settings["comparisons"]:
            column = comparison["output_column_name"]
            levels[column] = [
                (_probability(level, "m_probability"), _probability(level, "u_probability"))
                for level in comparison["comparison_levels"]
                if not level.get("is_null_level")
            ]
        return cls(version, float(settings["probability_two_random_records_match"]), levels, tf)

    def _mu(self, column: str, level: int) -> tuple[float, float]:
        trained = self.levels[column]
        m, u = trained[level]
        default_m, default_u = _default_mu(len(trained), level)
        return (default_m if m is None else m), (default_u if u is None else u)

    @functools.cached_property
    def _bits(self) -> dict[str, tuple[float, ...]]:
        """The bits each level of each column adds (before term frequencies), worked out
        once: the fast path scores every candidate of every report with them."""
        return {
            column: tuple(
                math.log2(max(m, 1e-300) / max(u, 1e-300))
                for m, u in (self._mu(column, level) for level in range(len(trained)))
            )
            for column, trained in self.levels.items()
        }

    def weight(self, left: Mapping[str, str | None], right: Mapping[str, str | None]) -> float:
        """The match weight (log2 odds) of ``left`` and ``right`` being the same person."""
        prior = self.prior
        fields = sum(self.field_weight(c, left, right)[1] for c in COMPARISONS)
        return math.log2(prior / (1 - prior)) + fields

    def field_weight(
        self,
        comparison: Comparison,
        left: Mapping[str, str | None],
        right: Mapping[str, str | None],
    ) -> tuple[int | None, float]:
        """The level ``left`` and ``right`` agree at on one field (``None``: missing) and the
        bits it adds, as Splink counts them."""
        column = comparison.column
        level = _level(comparison, left[column], right[column])
        if level is None:
            return None, 0.0
        bits = self._bits[column][level]
        if column in TF_COLUMNS and level == 0:
            bits += self._tf_adjustment(column, left, right)
        return level, bits

    def _tf_adjustment(
        self, column: str, left: Mapping[str, str | None], right: Mapping[str, str | None]
    ) -> float:
        table = self.term_frequency.get(column, {})
        tf_left = table.get(left[column] or "")
        tf_right = table.get(right[column] or "")
        known = [tf for tf in (tf_left, tf_right) if tf is not None]
        if not known:
            return 0.0
        u_exact = self._mu(column, 0)[1]
        return math.log2(u_exact) - math.log2(max(*known, self.tf_minimum_u))


def explain(
    model: Model, left: Mapping[str, str | None], right: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """Field by field, why ``left`` and ``right`` might be one person: each compared field's
    two values, the level they fall in, and the match weight (bits) that level adds."""
    rows = []
    for comparison in COMPARISONS:
        column = comparison.column
        level, bits = model.field_weight(comparison, left, right)
        rows.append(
            {
                "field": column,
                "report": left[column],
                "person": right[column],
                "level": _label(comparison, level),
                "weight": round(bits, 2),
            }
        )
    return rows


def _label(comparison: Comparison, level: int | None) -> str:
    if level is None:
        return "missing"
    if level == 0:
        return "exact"
    steps = comparison.thresholds
    if comparison.kind == "name" and level <= len(steps):
        return f"Jaro-Winkler >= {steps[level - 1]}"
    if comparison.kind == "levenshtein" and level <= len(steps):
        return f"{int(steps[level - 1])} edit(s) apart"
    if comparison.kind == "date" and level == 1:
        return "one character apart"
    if comparison.kind == "date" and level - 2 < len(steps):
        return f"within {int(steps[level - 2])} {_DATE_METRICS[level - 2]}(s)"
    return "different"


def probability(weight: float) -> float:
    """The match probability of a match weight."""
    if weight > 60:
        return 1.0
    odds: float = 2.0**weight
    return odds / (1 + odds)


def _probability(level: Mapping[str, Any], key: str) -> float | None:
    """One trained probability of a saved level (Splink saves only trained ones, m and u
    each on its own): ``None`` where training set none."""
    value = level.get(key)
    return None if value is None else float(value)


def _default_mu(levels: int, level: int) -> tuple[float, float]:
    """Splink's m and u for a level training never saw (``_default_m_values`` and
    ``_default_u_values``): level 0 is the first non-null level, the last is ELSE."""
    gamma = levels - 1 - level
    m = [0.05 / (levels - 1)] * (levels - 1) + [0.95]
    if levels == 2:
        bits = [-5.0, 10.0]
    else:
        step = 8.0 / (levels - 2)
        bits = [-5.0 + step * i for i in range(levels - 1)] + [10.0]
    return m[gamma], m[gamma] / 2 ** bits[gamma]


def _as_bytes(text: str) -> str:
    """``text`` one character per UTF-8 byte: DuckDB, which Splink trains and predicts on,
    measures Jaro–Winkler and Levenshtein over bytes, so "garcía" is seven long to it."""
    return text.encode("utf-8").decode("latin-1")


def name_similarity(left: str, right: str) -> float:
    """Jaro–Winkler similarity of two normalised names, as Splink's DuckDB backend computes
    it (over UTF-8 bytes), so that the fast path and batch prediction agree on every pair."""
    return jellyfish.jaro_winkler_similarity(_as_bytes(left), _as_bytes(right))


def _level(comparison: Comparison, left: str | None, right: str | None) -> int | None:
    """The index of the first non-null level that holds (the last is ELSE), or ``None`` for
    the null level."""
    if left is None or right is None:
        return None
    if comparison.kind == "date":
        return _date_level(comparison, left, right)
    if left == right:
        return 0
    if comparison.kind == "name":
        similarity = name_similarity(left, right)
        for index, threshold in enumerate(comparison.thresholds, start=1):
            if similarity >= threshold:
                return index
        return len(comparison.thresholds) + 1
    if comparison.kind == "levenshtein":
        distance = jellyfish.levenshtein_distance(_as_bytes(left), _as_bytes(right))
        for index, threshold in enumerate(comparison.thresholds, start=1):
            if distance <= threshold:
                return index
        return len(comparison.thresholds) + 1
    return 1  # exact: else


def _date_level(comparison: Comparison, left: str, right: str) -> int | None:
    try:
        day_left, day_right = dt.date.fromisoformat(left), dt.date.fromisoformat(right)
    except ValueError:
        return None  # an unreadable date counts as missing
    if left == right:
        return 0
    if jellyfish.levenshtein_distance(left, right) <= 1:
        return 1
    seconds = abs((day_left - day_right).total_seconds())
    for index, (amount, metric) in enumerate(
        zip(comparison.thresholds, _DATE_METRICS, strict=True), start=2
    ):
        if seconds <= amount * _SECONDS[metric]:
            return index
    return len(comparison.thresholds) + 2


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
    return decide(
        report,
        [Candidate(pid, fields, model.weight(report, fields)) for pid, fields in persons.items()],
    )


def decide(report: Mapping[str, str | None], scored: Sequence[Candidate]) -> Resolution:
    """Link, review or leave unlinked, from the candidates of ``report`` (a :func:`record`)
    and their match weights, however they were scored (by the fast path one report at a
    time, or by Splink in batch): the one rule both follow."""
    shown = tuple(
        c
        for c in sorted(scored, key=lambda c: (-c.weight, c.person_id))[:5]
        if c.probability >= 0.01
    )
    if not shown or shown[0].probability < REVIEW_FROM:
        return Resolution("unlinked", "no candidate is likely enough", shown)
    best = shown[0]
    if len(shown) > 1 and shown[1].weight >= best.weight - CLOSE_BITS:
        return Resolution("review", "two candidates are close", shown)
    if any(siblings(best.fields, other.fields) for other in shown[1:]) or siblings(
        best.fields, report
    ):
        return Resolution("review", "the candidates look like siblings or twins", shown)
    if best.probability < AUTO_LINK:
        return Resolution("review", "the best candidate is uncertain", shown)
    return Resolution("linked", "one candidate, far above the others", shown)


def siblings(one: Mapping[str, str | None], other: Mapping[str, str | None]) -> bool:
    """Same family name and birth date, and given names that are not one name misspelt
    (Jaro–Winkler under 0.88): twins or siblings, whom a model easily takes for one person."""
    given_one, given_other = one["given_name"], other["given_name"]
    return (
        one["family_name"] is not None
        and one["family_name"] == other["family_name"]
        and one["date_of_birth"] is not None
        and one["date_of_birth"] == other["date_of_birth"]
        and given_one is not None
        and given_other is not None
        and name_similarity(given_one, given_other) < SAME_NAME
    )
