"""Training the linkage model with Splink 5 on DuckDB, and Splink's own batch prediction.

The comparisons come from ``docket.departures.comparisons.COMPARISONS``; this module only turns them
into Splink's terms. Training links the persons in the system to the departure reports received
(``link_only``): the prior from deterministic rules, u by random sampling, m by EM on two
blocking rules, with term-frequency adjustment on both names.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.exceptions import EMTrainingException

from docket.departures.comparisons import (
    COLUMNS,
    COMPARISONS,
    SWAPPED,
    SWAPPED_SIMILARITY,
    TF_COLUMNS,
    Comparison,
)
from docket.departures.decision import KIN_NAMES
from docket.departures.ports import Columns
from docket.errors import InvalidInput

Row = Mapping[str, str | None]
"""A record as the model compares it (``departures.linkage.record``) with its ``unique_id``."""

_QUIET = logging.ERROR
"""Prediction with a saved model: levels training never saw take Splink's defaults (training
said so already), which Splink would repeat as a warning on every run."""

MIN_RECORDS = 20
"""Fewer persons or reports than this is too little to estimate anything from."""


def _comparison(spec: Comparison) -> Any:
    if spec.kind == "name" and spec.swapped_with is not None:
        return _name_comparison(spec.column, spec.swapped_with, spec.thresholds)
    if spec.kind == "name":
        return cl.NameComparison(spec.column, jaro_winkler_thresholds=list(spec.thresholds))
    if spec.kind == "date":
        return cl.DateOfBirthComparison(
            spec.column, input_is_string=True, datetime_format="%Y-%m-%d"
        )
    if spec.kind == "damerau":
        return cl.DamerauLevenshteinAtThresholds(spec.column, [int(t) for t in spec.thresholds])
    return cl.ExactMatch(spec.column)


def _name_comparison(column: str, other: str, thresholds: Sequence[float]) -> Any:
    """Splink's ``NameComparison`` with a level after the exact one for the two names
    written in each other's place (as ``ForenameSurnameComparison``'s reversed level, each
    name allowed a slip)."""
    similar = "jaro_winkler_similarity({}_l, {}_r) >= {}"
    swapped = " AND ".join(
        (
            similar.format(column, other, SWAPPED_SIMILARITY),
            similar.format(other, column, SWAPPED_SIMILARITY),
        )
    )
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[
            cll.NullLevel(column),
            cll.ExactMatchLevel(column).configure(tf_adjustment_column=column),
            cll.CustomLevel(swapped, label_for_charts=SWAPPED),
            *(cll.JaroWinklerLevel(column, threshold) for threshold in thresholds),
            cll.ElseLevel(),
        ],
    )


def settings() -> SettingsCreator:
    """Splink's settings for the comparisons, with the blocking rules of batch prediction."""
    return SettingsCreator(
        link_type="link_only",
        comparisons=[_comparison(spec) for spec in COMPARISONS],
        blocking_rules_to_generate_predictions=[
            block_on("date_of_birth"),
            block_on("family_name", "given_name"),
            CustomRule("l.given_name = r.family_name AND l.family_name = r.given_name"),
            block_on("family_name", "postcode"),
            block_on("given_name", "postcode"),
            block_on("document_number"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def _table(rows: Sequence[Row]) -> pa.Table:
    columns = ("unique_id", *COLUMNS)
    return pa.table(
        {name: pa.array([row.get(name) for row in rows], type=pa.string()) for name in columns}
    )


def _linker(
    persons: Sequence[Row], reports: Sequence[Row], model: Any, *, log_level: int = logging.WARNING
) -> Linker:
    api = DuckDBAPI()
    tables = [
        api.register(_table(persons), dataset_display_name="persons"),
        api.register(_table(reports), dataset_display_name="reports"),
    ]
    return Linker(tables, model, log_level=log_level)


def _pairs(linker: Linker, threshold: float) -> list[dict[str, Any]]:
    found = linker.inference.predict(threshold_match_probability=threshold)
    rows: list[dict[str, Any]] = found.as_record_list()
    return rows


@dataclass(frozen=True)
class Trained:
    """A fitted model: its settings as Splink saves them, the names' term frequencies (over
    persons and reports together, as Splink counts them), and what training could not do."""

    settings: dict[str, Any]
    term_frequency: dict[str, dict[str, float]]
    notes: tuple[str, ...] = ()


def train(persons: Sequence[Row], reports: Sequence[Row], *, seed: int = 7) -> Trained:
    """Fit the model on ``persons`` against ``reports``.

    An EM session that fails (see :func:`_em_session`) is left out: the model keeps what the
    other sessions estimated, every comparison included, and the note says which one was left
    out."""
    if len(persons) < MIN_RECORDS or len(reports) < MIN_RECORDS:
        raise InvalidInput(
            f"training needs at least {MIN_RECORDS} persons and {MIN_RECORDS} departure "
            f"reports; there are {len(persons)} and {len(reports)}"
        )
    if not _deterministic_matches(persons, reports):
        raise InvalidInput(
            "no departure report matches a person on name and date of birth, or on document "
            "number and date of birth, so the share of true matches cannot be estimated; train "
            "once the reports received include reports of persons in the system"
        )
    linker = _linker(persons, reports, settings())
    training = linker.training
    training.estimate_probability_two_random_records_match(
        [
            block_on("given_name", "family_name", "date_of_birth"),
            block_on("document_number", "date_of_birth"),
        ],
        recall=0.8,
    )
    training.estimate_u_using_random_sampling(max_pairs=2e6, seed=seed)
    notes = []
    for columns in (("given_name", "family_name"), ("date_of_birth",)):
        # Splink takes the comparisons a session blocks on out of the linker's own settings
        # before it trains, and a failed session leaves them out: so each session starts from
        # a saved copy, and a failure goes back to it.
        before: dict[str, Any] = linker.misc.save_model_to_json()
        failure = _em_session(linker, columns)
        if failure is not None:
            notes.append(f"EM blocked on {', '.join(columns)} left out: {failure}")
            linker = _linker(persons, reports, before)
    model: dict[str, Any] = linker.misc.save_model_to_json()
    _check_complete(model)
    frequencies = {
        column: {
            str(row[column]): float(row[f"tf_{column}"])
            for row in linker.table_management.compute_tf_table(column).as_record_list()
            if row[column] is not None
        }
        for column in TF_COLUMNS
    }
    return Trained(model, frequencies, tuple(notes))


def _em_session(linker: Linker, columns: Sequence[str]) -> str | None:
    """One EM session blocked on ``columns``; why it failed, or ``None``.

    It fails when it drives an m probability to exactly zero (a level no match ever falls in;
    Splink 5 refuses such a value) or when the blocking rule finds no pairs at all."""
    try:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(*columns))
    except ValueError as exc:
        if "below the minimum allowed value" not in str(exc):
            raise
        return str(exc)
    except EMTrainingException as exc:
        return str(exc).splitlines()[0]
    return None


def _check_complete(model: Mapping[str, Any]) -> None:
    """Refuse a model that lacks a comparison the fast path scores with: it would fail on every
    report rather than when it is saved."""
    found = [c.get("output_column_name") for c in model.get("comparisons", ())]
    wanted = [spec.column for spec in COMPARISONS]
    if found != wanted:
        raise InvalidInput(
            f"training produced a model comparing {', '.join(map(str, found))} instead of "
            f"{', '.join(wanted)}; nothing was saved"
        )


def _deterministic_matches(persons: Sequence[Row], reports: Sequence[Row]) -> bool:
    """Whether any report agrees with a person on one of the deterministic rules the prior is
    estimated from (Splink cannot estimate it from none)."""
    keys = ("given_name", "family_name", "date_of_birth"), ("document_number", "date_of_birth")
    for columns in keys:
        known = {tuple(p.get(c) for c in columns) for p in persons}
        for report in reports:
            key = tuple(report.get(c) for c in columns)
            if None not in key and key in known:
                return True
    return False


def predict(
    model: Mapping[str, Any], persons: Sequence[Row], reports: Sequence[Row], threshold: float
) -> list[tuple[str, str, float]]:
    """Splink's batch prediction: (person id, report id, match weight) for every blocked pair
    at or above ``threshold`` match probability."""
    pairs = []
    for row in _pairs(_linker(persons, reports, dict(model), log_level=_QUIET), threshold):
        left, right = row["unique_id_l"], row["unique_id_r"]
        if row["source_dataset_l"] == "reports":
            left, right = right, left
        pairs.append((str(left), str(right), float(row["match_weight"])))
    return pairs


@dataclass(frozen=True)
class Candidates:
    """What batch prediction found for the reports: each report's candidates (person id,
    match weight) and those persons as the model compares them."""

    scored: dict[str, list[tuple[str, float]]]
    persons: dict[str, dict[str, str | None]]
    kin: dict[str, list[str]] = field(default_factory=dict)
    """For each candidate likely enough (``kin_from``), the persons born the same day who
    share a name with them (:func:`_kin_sql`), whether or not a report was paired with them;
    those persons are in :attr:`persons` too."""


def candidates(
    model: Mapping[str, Any],
    persons: Columns,
    reports: Columns,
    threshold: float,
    *,
    leaving_out: Collection[str] = frozenset(),
    kin_from: float = 0.0,
) -> Candidates:
    """Splink's batch prediction of ``reports`` against ``persons`` (columns, as
    :meth:`~docket.departures.ports.LinkageStore.linkage_columns` reads them): the pairs at or
    above ``threshold`` match probability, those below it of a report and a person born the
    same day with a family name in common (:data:`KIN_RULES`: the decision looks for twins
    among every candidate), and the persons they name. The same pairs and
    weights as :func:`predict`, fed to DuckDB as Arrow columns and read back from it in SQL
    rather than as a dict per record.

    Each candidate paired with some report at or above ``kin_from`` match probability comes
    with the persons the decision may take for their siblings (:attr:`Candidates.kin`), paired
    with a report or not: they are what makes a best candidate that would link a question
    for a reviewer.

    Reports in ``leaving_out`` are not predicted (nobody weighs their candidates), yet their
    names still count in the term frequencies, as Splink would count them with every report
    in: so every other report's pairs have the weights they would have had."""
    connection = duckdb.connect()
    try:
        api = DuckDBAPI(connection=connection)
        people = api.register(_columns_table(persons), dataset_display_name="persons")
        every = _columns_table(reports)
        received = api.register(every, dataset_display_name="reports")
        linker = Linker([people, received], dict(model), log_level=_QUIET)
        frequencies = []
        if leaving_out:
            frequencies = [
                (column, linker.table_management.compute_tf_table(column))
                for column in _tf_columns(model)
            ]
            left_out = pc.is_in(every["unique_id"], value_set=pa.array(list(leaving_out)))
            received = api.register(
                every.filter(pc.invert(left_out)),
                dataset_display_name="reports",
                table_name="reports_weighed",
            )
        # Pairs above the threshold, and, however unlikely, the pairs of a report and a person
        # born the same day with a family name in common (possible twins or siblings of the
        # best candidate, whom the decision must see).
        tables = []
        for rules, at_least in ((None, threshold), (KIN_RULES, None)):
            settings = dict(model)
            if rules is not None:
                settings["blocking_rules_to_generate_predictions"] = list(rules)
            linker = Linker([people, received], settings, log_level=_QUIET)
            for column, table in frequencies:
                linker.table_management.register_term_frequency_lookup(table, column)
            predicted = linker.inference.predict(threshold_match_probability=at_least)
            tables.append(predicted.physical_name)
        # Table names are Splink's own, never input.
        found = " union all ".join(
            f"select unique_id_l, unique_id_r, source_dataset_l, match_weight from {t}"  # noqa: S608
            for t in tables
        )
        reported = "source_dataset_l = 'reports'"
        pairs = connection.sql(
            f"select case when {reported} then unique_id_l else unique_id_r end as report, "  # noqa: S608
            f"case when {reported} then unique_id_r else unique_id_l end as person, "
            f"max(match_weight) from ({found}) group by report, person"
        ).fetchall()
        in_pairs = f"select unique_id_l from ({found}) union select unique_id_r from ({found})"  # noqa: S608
        likely = in_pairs
        if kin_from > 0:  # a margin below it: the decision's probability is of a float
            bits = math.log2(kin_from / (1 - kin_from)) - 1e-6
            likely = (
                f"select unique_id_l from ({found}) where match_weight >= {bits!r} union "  # noqa: S608
                f"select unique_id_r from ({found}) where match_weight >= {bits!r}"
            )
        kin = _kin_sql(people.physical_name, likely)
        of_kin = connection.sql(kin).fetchall()
        named = connection.sql(
            f"select * from {people.physical_name} where unique_id in ({in_pairs}) "  # noqa: S608
            f"or unique_id in (select kin from ({kin}))"
        ).fetchall()
    finally:
        connection.close()
    scored: dict[str, list[tuple[str, float]]] = {}
    for report_id, person_id, weight in pairs:
        scored.setdefault(str(report_id), []).append((str(person_id), float(weight)))
    kin_of: dict[str, list[str]] = {}
    for person_id, kin_id in sorted(of_kin):
        kin_of.setdefault(str(person_id), []).append(str(kin_id))
    columns = list(persons)
    return Candidates(
        scored, {str(row[0]): dict(zip(columns, row, strict=True)) for row in named}, kin_of
    )


def _kin_sql(people: str, among: str) -> str:
    """The pairs (``person``, ``kin``) of persons ``among`` those (a query of ids) and every
    person born the same day who shares a name with them as :data:`KIN_NAMES` pairs names:
    those the decision may take for their siblings. A report's best candidate has them, as
    the fast path sees them, even when the report itself does not share that name (a family
    name misspelt): batch prediction never pairs them with the report."""
    return " union ".join(
        f"select a.unique_id as person, b.unique_id as kin from {people} a join {people} b "  # noqa: S608
        f'on a."date_of_birth" = b."date_of_birth" and a."{mine}" = b."{theirs}" '
        f"and a.unique_id <> b.unique_id where a.unique_id in ({among})"
        for mine, theirs in KIN_NAMES
    )


KIN_RULES = tuple(
    {
        "blocking_rule": f'l."date_of_birth" = r."date_of_birth" AND l."{mine}" = r."{theirs}"',
        "sql_dialect": "duckdb",
    }
    for mine, theirs in KIN_NAMES
)
"""Blocking rules for pairs that may be of twins or siblings (``departures.decision.siblings``:
the same birth date and family name, either side's names read swapped too), from the names
the decision's rule holds equal (:data:`~docket.departures.decision.KIN_NAMES`)."""


def _tf_columns(model: Mapping[str, Any]) -> list[str]:
    """The columns the model adjusts for term frequency."""
    return sorted(
        {
            str(level["tf_adjustment_column"])
            for comparison in model["comparisons"]
            for level in comparison["comparison_levels"]
            if level.get("tf_adjustment_column")
        }
    )


def _columns_table(columns: Columns) -> pa.Table:
    return pa.table({name: pa.array(values, type=pa.string()) for name, values in columns.items()})


def same_traveller(
    model: Mapping[str, Any], reports: Columns, threshold: float
) -> list[tuple[str, str]]:
    """Splink's deduplication of ``reports`` (columns) among themselves with the same trained
    weights: the pairs of report ids at or above ``threshold`` match probability."""
    settings = {**model, "link_type": "dedupe_only"}
    api = DuckDBAPI()
    table = api.register(_columns_table(reports), dataset_display_name="reports")
    linker = Linker(table, settings, log_level=_QUIET)
    return [(str(r["unique_id_l"]), str(r["unique_id_r"])) for r in _pairs(linker, threshold)]
