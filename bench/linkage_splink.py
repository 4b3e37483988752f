"""Plain Splink 5 on the FEBRL data sets, the linkage accuracy benchmark's baseline: default-style
comparisons trained by EM, its pairs at the recall Docket reached, and its FEBRL1 clusters."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from linkage_febrl import Record

SPLINK_CLUSTER_AT = (0.999, 0.9)


def _splink_table(rows: Sequence[Record], documents: bool) -> pa.Table:
    columns: dict[str, list[str | None]] = {
        "unique_id": [r.rec_id for r in rows],
        "given_name": [r.given_name or None for r in rows],
        "surname": [r.family_name or None for r in rows],
        "date_of_birth": [r.date_of_birth or None for r in rows],
        "postcode": [r.postcode or None for r in rows],
    }
    if documents:
        columns["soc_sec_id"] = [r.document_number or None for r in rows]
    return pa.table({k: pa.array(v, type=pa.string()) for k, v in columns.items()})


def splink_linker(tables: Sequence[pa.Table], link_type: str, documents: bool) -> Linker:
    comparisons = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("surname").configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y-%m-%d"),
        cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
    ]
    blocking = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    if documents:
        comparisons.insert(3, cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]))
        blocking.append(block_on("soc_sec_id"))
    settings = SettingsCreator(
        link_type=link_type,
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    api = DuckDBAPI()
    registered = [
        api.register(table, dataset_display_name=f"t{n}") for n, table in enumerate(tables)
    ]
    linker = Linker(registered, settings, log_level=logging.WARNING)
    deterministic = [block_on("given_name", "surname", "date_of_birth")]
    if documents:
        deterministic.append(block_on("soc_sec_id"))
    else:
        deterministic.append(block_on("surname", "date_of_birth", "postcode"))
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    return linker


class Tally:
    """Links made and how many of them are right: the false links and the precision."""

    links: int
    correct: int

    @property
    def false(self) -> int:
        return self.links - self.correct

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0


@dataclass(frozen=True)
class AtRecall(Tally):
    """Splink's pairs at one threshold: what they get right and wrong."""

    probability: float
    links: int
    correct: int
    recall: float


def splink_febrl4(
    persons: Sequence[Record], reports: Sequence[Record], documents: bool
) -> tuple[list[tuple[float, float, bool]], float]:
    """Every blocked pair Splink predicts: (match weight, probability, truly one person)."""
    start = time.perf_counter()
    linker = splink_linker(
        [_splink_table(persons, documents), _splink_table(reports, documents)],
        "link_only",
        documents,
    )
    entity = {r.rec_id: r.entity for r in (*persons, *reports)}
    pairs = [
        (
            float(row["match_weight"]),
            float(row["match_probability"]),
            entity[row["unique_id_l"]] == entity[row["unique_id_r"]],
        )
        for row in linker.inference.predict().as_record_list()
    ]
    return pairs, time.perf_counter() - start


def _thresholds(pairs: Sequence[tuple[float, float, bool]]) -> Iterator[tuple[float, int, int]]:
    """Splink's ``pairs`` (match weight, probability, correct) taken from the highest weight
    down, pairs of equal weight together, as a threshold takes them: at each weight, that
    threshold's probability and the links and correct links it makes."""
    ordered = sorted(pairs, key=lambda p: -p[0])
    links = correct = index = 0
    while index < len(ordered):
        weight = ordered[index][0]
        while index < len(ordered) and ordered[index][0] == weight:
            links += 1
            correct += ordered[index][2]
            index += 1
        yield ordered[index - 1][1], links, correct


def at_recall(
    pairs: Sequence[tuple[float, float, bool]], recall: float, truth: int
) -> AtRecall | None:
    """Splink's links at the highest threshold whose recall reaches ``recall``; ``None`` if no
    threshold does."""
    for threshold, links, correct in _thresholds(pairs):
        if correct / truth >= recall:
            return AtRecall(threshold, links, correct, correct / truth)
    return None


def reach_at_precision(
    pairs: Sequence[tuple[float, float, bool]], precision: float, truth: int
) -> AtRecall | None:
    """Splink's links at the threshold with the highest recall whose precision is at least
    ``precision``."""
    best = None
    for threshold, links, correct in _thresholds(pairs):
        if correct / links >= precision:
            best = AtRecall(threshold, links, correct, correct / truth)
    return best


def splink_febrl1(reports: Sequence[Record], documents: bool) -> tuple[dict[float, int], float]:
    """Splink's dedupe of the FEBRL1 records: the number of clusters at each threshold."""
    start = time.perf_counter()
    linker = splink_linker([_splink_table(reports, documents)], "dedupe_only", documents)
    predicted = linker.inference.predict(threshold_match_probability=min(SPLINK_CLUSTER_AT))
    counts = {}
    for threshold in SPLINK_CLUSTER_AT:
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predicted, threshold_match_probability=threshold
        )
        counts[threshold] = len({row["cluster_id"] for row in clusters.as_record_list()})
    return counts, time.perf_counter() - start
