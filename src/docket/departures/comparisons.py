"""What the linkage model compares, and at which level two values agree.

The comparisons are declared once here, as data: ``docket.linkage`` turns them into Splink's
comparisons, and the fast path (``departures.linkage``) finds the level of a pair here, as
Splink's SQL does on DuckDB, value for value (a test holds the two to the same weights).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import jellyfish


@dataclass(frozen=True)
class Comparison:
    """One compared field and its levels, in Splink's order (the first level that holds wins):
    ``name``: exact (with term-frequency adjustment), swapped (with ``swapped_with``: this
    name is the other's ``swapped_with`` and the other way round, each within
    :data:`SWAPPED_SIMILARITY`), Jaro–Winkler >= 0.92, 0.88, 0.7;
    ``date``: exact, one character apart, within a month, a year, ten years;
    ``damerau``: exact, then within each Damerau–Levenshtein distance (two neighbouring
    characters swapped is one edit); ``exact``: equal."""

    column: str
    kind: str
    thresholds: tuple[float, ...] = ()
    swapped_with: str | None = None


SWAPPED_SIMILARITY = 0.92
"""Names this similar (Jaro–Winkler) both crosswise count as swapped: a swap, perhaps with a
slip in one of them."""
SWAPPED = "Given and family name swapped"
"""The label of the swapped-names level, by which a saved model shows it has one (models
trained before it existed have none, and are scored without it, as Splink scores them)."""

COMPARISONS = (
    Comparison("given_name", "name", (0.92, 0.88, 0.7), swapped_with="family_name"),
    Comparison("family_name", "name", (0.92, 0.88, 0.7), swapped_with="given_name"),
    Comparison("date_of_birth", "date", (1, 1, 10)),
    Comparison("document_number", "damerau", (1, 2)),
    Comparison("sex", "exact"),
    Comparison("postcode", "damerau", (1,)),
)
COLUMNS = tuple(c.column for c in COMPARISONS)
TF_COLUMNS = ("given_name", "family_name")

_SECONDS = {"month": 2_629_800.0, "year": 31_557_600.0}
_DATE_METRICS = ("month", "year", "year")


def _as_bytes(text: str) -> str:
    """``text`` one character per UTF-8 byte: DuckDB, which Splink trains and predicts on,
    measures Jaro–Winkler and Levenshtein over bytes, so "garcía" is seven long to it."""
    return text.encode("utf-8").decode("latin-1")


def name_similarity(left: str, right: str) -> float:
    """Jaro–Winkler similarity of two normalised names, as Splink's DuckDB backend computes
    it (over UTF-8 bytes), so that the fast path and batch prediction agree on every pair."""
    return jellyfish.jaro_winkler_similarity(_as_bytes(left), _as_bytes(right))


def spelling_similarity(left: str, right: str) -> float:
    """Jaro–Winkler similarity of two normalised names over their characters: for Docket's
    own rule of whether two given names are one name misspelt (``decision.siblings``), which
    no Splink level mirrors. Over UTF-8 bytes (:func:`name_similarity`) the shared lead bytes
    of a script other than Latin make distinct names alike: "анна" and "алла" 0.88, "ნინო"
    and "ნანა" 0.93, where over characters they are 0.67."""
    return jellyfish.jaro_winkler_similarity(left, right)


def level_count(comparison: Comparison, *, swapped: bool) -> int:
    """How many non-null levels ``comparison`` has (with or without the swapped level)."""
    extra = 3 if comparison.kind == "date" else 2  # exact, else, a date's one character apart
    has_swap = swapped and comparison.swapped_with is not None
    return len(comparison.thresholds) + extra + has_swap


def level_of(
    comparison: Comparison,
    left_record: Mapping[str, str | None],
    right_record: Mapping[str, str | None],
    *,
    swapped: bool = True,
    damerau: bool = True,
) -> int | None:
    """The index of the first non-null level that holds (the last is ELSE), or ``None`` for
    the null level. ``swapped``: whether the model has the swapped-names level; ``damerau``:
    whether it counts a transposition as one edit."""
    left, right = left_record[comparison.column], right_record[comparison.column]
    if left is None or right is None:
        return None
    if comparison.kind == "date":
        return _date_level(comparison, left, right)
    if left == right:
        return 0
    if comparison.kind == "name":
        first = 1
        other = comparison.swapped_with
        if swapped and other is not None:
            if _names_swapped(comparison.column, other, left_record, right_record):
                return 1
            first = 2
        similarity = name_similarity(left, right)
        for index, threshold in enumerate(comparison.thresholds, start=first):
            if similarity >= threshold:
                return index
        return len(comparison.thresholds) + first
    if comparison.kind == "damerau":
        edits = (
            jellyfish.damerau_levenshtein_distance if damerau else jellyfish.levenshtein_distance
        )
        distance = edits(_as_bytes(left), _as_bytes(right))
        for index, threshold in enumerate(comparison.thresholds, start=1):
            if distance <= threshold:
                return index
        return len(comparison.thresholds) + 1
    return 1  # exact: else


def name_leveller(
    comparison: Comparison, left_record: Mapping[str, str | None], *, swapped: bool = True
) -> Callable[[Mapping[str, str | None]], int | None]:
    """:func:`level_of` a name ``comparison`` of ``left_record`` against one right side after
    another, the same level every time (a test holds the two equal), with what depends on
    the left side alone worked out once: the fast path weighs a report against dozens of
    candidates, and most of its time goes on names."""
    column, other = comparison.column, comparison.swapped_with
    mine_l = left_record[column]
    other_l = left_record[other] if other is not None else None
    crosswise = swapped and other is not None
    first = 2 if crosswise else 1
    thresholds = comparison.thresholds
    if mine_l is None:
        return lambda _right: None
    mine_lb = _as_bytes(mine_l)
    other_lb = _as_bytes(other_l) if other_l is not None else None
    similarity = jellyfish.jaro_winkler_similarity

    def level(right: Mapping[str, str | None]) -> int | None:
        mine_r = right[column]
        if mine_r is None:
            return None
        if mine_r == mine_l:
            return 0
        mine_rb = _as_bytes(mine_r)
        if crosswise and other_lb is not None:
            other_r = right[other]  # type: ignore[index]
            if (
                other_r is not None
                and similarity(mine_lb, _as_bytes(other_r)) >= SWAPPED_SIMILARITY
                and similarity(other_lb, mine_rb) >= SWAPPED_SIMILARITY
            ):
                return 1
        alike = similarity(mine_lb, mine_rb)
        for index, threshold in enumerate(thresholds, start=first):
            if alike >= threshold:
                return index
        return len(thresholds) + first

    return level


def _names_swapped(
    column: str, other: str, left: Mapping[str, str | None], right: Mapping[str, str | None]
) -> bool:
    """Whether ``left``'s ``column`` is ``right``'s ``other`` and the other way round (each
    within :data:`SWAPPED_SIMILARITY`): given and family name written in each other's place.
    A missing name on either side is no swap (in SQL, a comparison with NULL is not true)."""
    mine_l, other_r, other_l, mine_r = left[column], right[other], left[other], right[column]
    if mine_l is None or other_r is None or other_l is None or mine_r is None:
        return False
    return (
        name_similarity(mine_l, other_r) >= SWAPPED_SIMILARITY
        and name_similarity(other_l, mine_r) >= SWAPPED_SIMILARITY
    )


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


def label(comparison: Comparison, level: int | None, *, swapped: bool) -> str:
    """The level a pair agrees at, in words a reviewer reads (``swapped``: whether the model
    has the swapped-names level, which shifts the names' levels after exact by one)."""
    if level is None:
        return "missing"
    if level == 0:
        return "exact"
    steps = comparison.thresholds
    if comparison.kind == "name" and swapped and comparison.swapped_with is not None:
        if level == 1:
            return "swapped with " + comparison.swapped_with
        level -= 1
    if comparison.kind == "name" and level <= len(steps):
        return f"Jaro-Winkler >= {steps[level - 1]}"
    if comparison.kind == "damerau" and level <= len(steps):
        return f"{int(steps[level - 1])} edit(s) apart"
    if comparison.kind == "date" and level == 1:
        return "one character apart"
    if comparison.kind == "date" and level - 2 < len(steps):
        return f"within {int(steps[level - 2])} {_DATE_METRICS[level - 2]}(s)"
    return "different"
