"""The record-linkage model between departure reports and persons, and its fast path.

The comparisons are declared once, as data, in ``departures.comparisons``: ``docket.linkage``
builds the Splink settings from them and trains the Fellegi–Sunter weights (EM,
term-frequency adjustment for names); this module scores one report against a few candidate
persons with those weights in plain Python, level by level as Splink's SQL does, so a report
is resolved in milliseconds without a Splink job. A test holds the two to the same match
weights. What is done with the weights, link, review or neither, is ``departures.decision``.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from docket.cases.model import Person
from docket.cases.persons import normal_document_number
from docket.departures.comparisons import (
    COMPARISONS,
    SWAPPED,
    TF_COLUMNS,
    Comparison,
    label,
    level_count,
    level_of,
    name_leveller,
)
from docket.errors import ConfigurationError, InvalidInput


def normal_name(text: str) -> str:
    """A name as compared: lower case, accents and punctuation kept, spaces collapsed."""
    return " ".join(text.casefold().split())


def record(fields: Mapping[str, Any]) -> dict[str, str | None]:
    """A person or a report as the model compares it: the compared columns, normalised, with
    ``None`` for what is missing."""
    return {c.column: compared_value(c, fields.get(c.column)) for c in COMPARISONS}


def compared_value(comparison: Comparison, raw: Any) -> str | None:
    """One field as ``comparison`` compares it, normalised (``None``: missing)."""
    value = str(raw or "").strip()
    if comparison.kind == "name":
        value = normal_name(value)
    elif comparison.column == "document_number":
        value = normal_document_number(value)
    elif comparison.column == "postcode":
        value = re.sub(r"\s+", "", value.upper())
    elif comparison.column == "sex":
        value = value.upper()[:1]
    return value or None


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
    swapped: frozenset[str] = frozenset(c.column for c in COMPARISONS if c.swapped_with)
    """The columns whose comparison has the swapped-names level (all that can, unless the
    model was trained before there was one)."""
    plain_levenshtein: frozenset[str] = frozenset()
    """The ``damerau`` columns a model trained before compared by plain Levenshtein distance
    (a transposition two edits), as Splink still scores it with that model."""

    @classmethod
    def saved(cls, version: int, settings: str, tf: str) -> Model:
        """A model as kept (:func:`saved_json` texts of its settings and term frequencies)."""
        return cls.from_splink(
            version,
            saved_json(version, "settings", settings),
            saved_json(version, "term frequencies", tf),
        )

    @classmethod
    def from_splink(
        cls, version: int, settings: Mapping[str, Any], tf: Mapping[str, Mapping[str, float]]
    ) -> Model:
        """The weights of a model Splink saved (``save_model_to_json``), with its
        term-frequency tables. :class:`ConfigurationError` for a model that is not one (a
        part missing, a probability that is none): it would fail on every report scored."""
        try:
            model = cls._from_splink(version, settings, tf)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise _unreadable(version, f"{type(exc).__name__}: {exc}") from None
        model.check_comparisons()
        return model

    @classmethod
    def _from_splink(
        cls, version: int, settings: Mapping[str, Any], tf: Mapping[str, Mapping[str, float]]
    ) -> Model:
        levels: dict[str, list[tuple[float | None, float | None]]] = {}
        swapped, plain = set(), set()
        for comparison in settings["comparisons"]:
            column = comparison["output_column_name"]
            saved = [c for c in comparison["comparison_levels"] if not c.get("is_null_level")]
            levels[column] = [
                (_probability(level, "m_probability"), _probability(level, "u_probability"))
                for level in saved
            ]
            labels = [str(level.get("label_for_charts", "")) for level in saved]
            if SWAPPED in labels:
                swapped.add(column)
            if not any(label.startswith("Damerau") for label in labels):
                plain.add(column)
        prior = float(settings["probability_two_random_records_match"])
        if not 0 < prior < 1:
            raise ValueError(f"probability_two_random_records_match {prior} is not in (0, 1)")
        frequencies = {
            str(column): {str(name): _share(share) for name, share in table.items()}
            for column, table in tf.items()
        }
        return cls(
            version,
            prior,
            levels,
            frequencies,
            swapped=frozenset(swapped),
            plain_levenshtein=frozenset(
                c.column for c in COMPARISONS if c.kind == "damerau" and c.column in plain
            ),
        )

    def check_comparisons(self) -> None:
        """Refuse a model whose comparisons this version cannot score as Splink does (another
        number of levels than it knows of): it must be trained again."""
        for comparison in COMPARISONS:
            known = level_count(comparison, swapped=comparison.column in self.swapped)
            found = len(self.levels.get(comparison.column, ()))
            if found != known:
                raise InvalidInput(
                    f"linkage model version {self.version} compares {comparison.column} in "
                    f"{found} levels where this version of Docket knows {known}; train a new "
                    "model with `docket linkage train`"
                )

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

    def weigher(self, left: Mapping[str, str | None]) -> Callable[[Mapping[str, Any]], float]:
        """:meth:`weight` of ``left`` against one right side after another, the same to the
        last bit (a test holds them equal), in a fraction of the time: the names are levelled
        by :func:`~docket.departures.comparisons.name_leveller` (what depends on ``left``
        alone worked out once), and the other fields' bits are kept by value (the candidates
        of a report share a birth date, a sex)."""
        prior = self.prior
        steps: list[Callable[[Mapping[str, Any]], float]] = []
        for comparison in COMPARISONS:
            if left[comparison.column] is None:
                continue  # the null level, whatever the right side: no bits
            if comparison.kind == "name":
                steps.append(self._name_bits(comparison, left))
            else:
                steps.append(self._kept_bits(comparison, left))

        def weigh(right: Mapping[str, Any]) -> float:
            fields = 0.0
            for step in steps:
                fields += step(right)
            return math.log2(prior / (1 - prior)) + fields

        return weigh

    def _name_bits(
        self, comparison: Comparison, left: Mapping[str, str | None]
    ) -> Callable[[Mapping[str, Any]], float]:
        column = comparison.column
        level_of_right = name_leveller(comparison, left, swapped=column in self.swapped)
        bits = self._bits[column]
        exact = bits[0]
        if column in TF_COLUMNS:  # at the exact level both sides hold the left's name
            exact += self._tf_adjustment(column, left, left)

        def name_bits(right: Mapping[str, Any]) -> float:
            level = level_of_right(right)
            if level is None:
                return 0.0
            return exact if level == 0 else bits[level]

        return name_bits

    def _kept_bits(
        self, comparison: Comparison, left: Mapping[str, str | None]
    ) -> Callable[[Mapping[str, Any]], float]:
        column = comparison.column
        kept: dict[Any, float] = {}

        def kept_bits(right: Mapping[str, Any]) -> float:
            value = right[column]
            try:
                return kept[value]
            except KeyError:  # the level depends on the right side's value of the field alone
                bits = kept[value] = self.field_weight(comparison, left, right)[1]
                return bits

        return kept_bits

    def field_weight(
        self,
        comparison: Comparison,
        left: Mapping[str, str | None],
        right: Mapping[str, str | None],
    ) -> tuple[int | None, float]:
        """The level ``left`` and ``right`` agree at on one field (``None``: missing) and the
        bits it adds, as Splink counts them."""
        column = comparison.column
        level = level_of(
            comparison,
            left,
            right,
            swapped=column in self.swapped,
            damerau=column not in self.plain_levenshtein,
        )
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
    model: Model | None, left: Mapping[str, str | None], right: Mapping[str, str | None]
) -> list[dict[str, Any]]:
    """Field by field, why ``left`` and ``right`` might be one person: each compared field's
    two values, the level they fall in, and the match weight (bits) that level adds
    (``None`` without a ``model``: a report sent to review by its identifiers before any was
    trained is compared all the same)."""
    rows = []
    for comparison in COMPARISONS:
        column = comparison.column
        weight: float | None = None
        if model is None:
            level, swapped = level_of(comparison, left, right), True
        else:
            level, bits = model.field_weight(comparison, left, right)
            swapped, weight = column in model.swapped, round(bits, 2)
        rows.append(
            {
                "field": column,
                "report": left[column],
                "person": right[column],
                "level": label(comparison, level, swapped=swapped),
                "weight": weight,
            }
        )
    return rows


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
    return None if value is None else _share(value, key)


def _share(value: Any, what: str = "term frequency") -> float:
    """A probability or a frequency of a saved model: a number from 0 to 1."""
    share = float(value)
    if not 0 <= share <= 1:
        raise ValueError(f"{what} {value!r} is not between 0 and 1")
    return share


def saved_json(version: int, what: str, text: str) -> Any:
    """A part (``what``) of a kept model, decoded from its JSON ``text``."""
    try:
        return json.loads(text)
    except ValueError as exc:
        raise _unreadable(version, f"its {what} are not JSON ({exc})") from None


def _unreadable(version: int, why: str) -> ConfigurationError:
    return ConfigurationError(
        f"linkage model version {version} is unreadable: {why}; nothing was changed: train a "
        "new model with `docket linkage train`",
        details={"model_version": version},
    )


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
