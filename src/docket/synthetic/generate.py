"""The synthetic docket: case rows that obey the lifecycle, and the true person behind each row.

``generate_dataset`` writes ``cases.csv`` (what an agency's legacy system might export) and
``truth.csv`` (which rows really belong to the same person), so record linkage can be measured.
Every value is drawn from one ``random.Random(seed)`` in a fixed order, so the same
(cases, seed, as_of) always gives the same bytes.

A million rows must take seconds, not minutes, so the hot path is kept lean: a weighted draw is one
index into a pre-expanded table, dates are day ordinals turned into text through a precomputed
list, and each row is built once, as the dict that is yielded.
"""

from __future__ import annotations

import contextlib
import csv
import heapq
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from pathlib import Path

from docket.errors import InvalidInput
from docket.synthetic.names import LAWYER_CULTURES, draw, parse_weights, weighted_table
from docket.synthetic.people import People, Person
from docket.synthetic.timelines import Timeline, Timelines

CASE_COLUMNS = (
    "case_ref", "a_number", "given_name", "family_name", "aliases", "date_of_birth", "sex",
    "citizenship", "language", "address_line", "city", "postcode", "state", "document_number",
    "field_office", "state_of_case", "decision", "in_absentia", "opened_on", "charged_on",
    "hearing_on", "decided_on", "appeal_filed_on", "vd_deadline_on", "final_on",
    "removal_scheduled_for", "removed_on", "departed_on", "closed_on", "close_reason", "custody",
    "custody_on", "bars", "counsel",
)  # fmt: skip
"""Columns of ``cases.csv``, in order. Every value is text; an empty string means absent."""

TRUTH_COLUMNS = ("case_ref", "person_key")
"""Columns of ``truth.csv``: the true identity behind each case row."""

PROGRESS_EVERY = 1000

STATE_MIX = (
    "identified:8 charged:10 in_proceedings:30 relief_granted:4 terminated:3 "
    "voluntary_departure:5 removal_ordered:6 final_order:10 removal_scheduled:3 removed:3 closed:18"
)
CUSTODY_MIX = {
    "identified": "none:55 detained:20 recognizance:15 atd:10",
    "charged": "none:40 detained:25 bond:10 recognizance:15 atd:10",
    "in_proceedings": "none:45 detained:12 bond:15 recognizance:15 atd:13",
    "relief_granted": "none:80 detained:2 bond:5 recognizance:8 atd:5",
    "terminated": "none:80 detained:2 bond:5 recognizance:8 atd:5",
    "voluntary_departure": "none:50 detained:5 bond:20 recognizance:15 atd:10",
    "removal_ordered": "none:35 detained:30 bond:10 recognizance:10 atd:15",
    "final_order": "none:35 detained:35 bond:5 recognizance:10 atd:15",
    "removal_scheduled": "none:10 detained:70 bond:5 recognizance:5 atd:10",
}
"""Custody on open cases: detention is likelier once an order is final and removal near."""

OPEN_STATES = frozenset(
    {
        "identified", "charged", "in_proceedings", "relief_granted", "terminated",
        "voluntary_departure", "removal_ordered", "final_order", "removal_scheduled",
    }
)  # fmt: skip
DECIDED_STATES = frozenset(
    {"relief_granted", "terminated", "voluntary_departure", "removal_ordered"}
)

# Per primary person. Each pair makes two people with a twin (or sibling), so these halve the
# share of people concerned: ~0.5% with a twin, ~2% with a sibling, ~3% with a second case.
TWIN_SHARE = 0.0025
SIBLING_SHARE = 0.01
REENCOUNTER_SHARE = 0.032
COUNSEL_SHARE = 0.4
LAWYERS = 600
STAY_SHARE = {"final_order": 0.10, "removal_ordered": 0.02}
# A-numbers are issued early, so a missing one is mostly a case just identified; ~3% overall.
A_NUMBER_BLANK = {"identified": 0.25, "charged": 0.05}
A_NUMBER_BLANK_LATER = 0.006


@dataclass(frozen=True)
class DatasetSummary:
    """What ``generate_dataset`` wrote."""

    rows: int
    """Case rows written (``cases``)."""
    persons: int
    """Distinct true persons behind them (fewer: some people have two cases)."""
    cases_path: Path
    truth_path: Path


class _Docket:
    """One run of the generator: its random stream, its calendar and its counters."""

    def __init__(self, seed: int, as_of: date) -> None:
        rng = random.Random(seed)
        self.rnd = rng.random
        self.today = as_of.toordinal()
        self.people = People(rng, as_of)
        self.timelines = Timelines(self.rnd)
        self.states = weighted_table(parse_weights(STATE_MIX), size=4096)
        self.custody = {
            state: weighted_table(parse_weights(mix), size=1024)
            for state, mix in CUSTODY_MIX.items()
        }
        # One list lookup turns a day ordinal into ISO text: from before the oldest birth (with
        # room for early case dates) to past the furthest hearing.
        self.first_day = self.people.oldest_dob - 400
        self.iso = [
            date.fromordinal(o).isoformat() for o in range(self.first_day, self.today + 400)
        ]
        # Old enough to have had a whole earlier case before the current one.
        self.reencounter_dob = self.today - 6 * 366
        self.queued = 0
        pools = self.people.pools
        # A bar of distinct names: a common name drawn twice would merge two lawyers' caseloads.
        lawyers: dict[str, None] = {}
        while len(lawyers) < LAWYERS:
            culture = pools.cultures_by_key[draw(LAWYER_CULTURES, self.rnd)]
            given = draw(culture.male if self.rnd() < 0.5 else culture.female, self.rnd)
            lawyers[f"{given} {draw(culture.family, self.rnd)}, Esq."] = None
        self.lawyers = tuple(lawyers)

    def _day(self, ordinal: int | None) -> str:
        return "" if ordinal is None else self.iso[ordinal - self.first_day]

    def rows(self, cases: int) -> Iterator[dict[str, str]]:
        """Exactly ``cases`` rows, the related ones (kin, re-encounters) spread through the file."""
        pending: list[tuple[int, int, dict[str, str]]] = []
        made = emitted = 0
        while made < cases:
            group = self._group(cases - made)
            made += len(group)
            yield group[0]
            emitted += 1
            for later in group[1:]:
                # Related records reach an agency at different times: keep them apart in the file
                # so that nothing can be learnt from neighbouring rows.
                self.queued += 1
                due = emitted + 1 + int(self.rnd() * 5000)
                heapq.heappush(pending, (due, self.queued, later))
            while pending and pending[0][0] <= emitted:
                yield heapq.heappop(pending)[2]
                emitted += 1
        while pending:
            yield heapq.heappop(pending)[2]

    def _group(self, room: int) -> list[dict[str, str]]:
        """One person's case rows, with a twin's, a sibling's or a re-encounter's when drawn."""
        rnd = self.rnd
        people = self.people
        person = people.new()
        twin = rnd() < TWIN_SHARE
        sibling = rnd() < SIBLING_SHARE
        again = person.dob <= self.reencounter_dob and rnd() < REENCOUNTER_SHARE
        if 1 + twin + sibling + again > room:
            twin = sibling = again = False
        person.has_family = twin or sibling
        person.keeps_a_number = again
        rows = []
        if again:
            # The earlier case ended (removal, or closed) before the person was met again.
            end = self.today - 60 - int(rnd() * 1440)
            first = "closed" if rnd() < 0.65 else "removed"
            row, earlier = self._case(person, first, end, person.dob)
            rows.append(row)
            again_person = people.recorded_again(person)
            rows.append(self._case(again_person, None, self.today, earlier.last_day() + 1)[0])
        else:
            rows.append(self._case(person, None, self.today, person.dob)[0])
        if twin:
            rows.append(self._case(people.new(person, same_dob=True), None, self.today, 0)[0])
        if sibling:
            rows.append(self._case(people.new(person), None, self.today, 0)[0])
        return rows

    def _case(
        self, person: Person, state: str | None, end: int, min_open: int
    ) -> tuple[dict[str, str], Timeline]:
        """A case row for ``person`` whose past dates fall by ``end``, and its timeline."""
        rnd = self.rnd
        state = state or self.states[int(rnd() * len(self.states))]
        if min_open < person.dob:
            min_open = person.dob
        # Long spans shrink step by step until the case fits after the person's birth (or after
        # their earlier case); failing that, it is a case just identified.
        for scale in (1.0, 0.3, 0.05, 0.0):
            t = self.timelines.for_state(state, end, scale)
            if t.opened >= min_open:
                break
        else:
            state = "identified"
            t = Timeline(opened=end - int(rnd() * min(180, end - min_open)))
        today = self.today
        custody, custody_on, bars = "none", "", ""
        if state in OPEN_STATES:
            custody = draw(self.custody[state], rnd)
            if custody != "none":
                custody_on = self._day(t.opened + int(rnd() * (today - t.opened + 1)))
            bars = self._bars(person, state, t, custody)
        counsel = ""
        reached_proceedings = t.hearing is not None or t.decided is not None
        if (reached_proceedings or state == "in_proceedings") and rnd() < COUNSEL_SHARE:
            counsel = draw(self.lawyers, rnd)
        a_number = person.a_number
        if not person.keeps_a_number and rnd() < A_NUMBER_BLANK.get(state, A_NUMBER_BLANK_LATER):
            a_number = ""
        line, city, postcode, us_state = person.address
        # One pass from ordinals to ISO text; each date is looked up, never formatted.
        iso, first_day = self.iso, self.first_day
        days = (person.dob, t.opened, t.charged, t.hearing, t.decided, t.appeal, t.deadline,
                t.final, t.scheduled, t.removed, t.departed, t.closed)  # fmt: skip
        (born, opened, charged, hearing, decided, appeal, deadline, final, scheduled, removed,
         departed, closed) = ["" if d is None else iso[d - first_day] for d in days]  # fmt: skip
        row = {
            "case_ref": "",  # numbered when emitted, so that refs follow the order of the file
            "a_number": a_number,
            "given_name": person.given,
            "family_name": person.family,
            "aliases": person.aliases,
            "date_of_birth": born,
            "sex": person.sex,
            "citizenship": person.citizenship,
            "language": person.language,
            "address_line": line,
            "city": city,
            "postcode": postcode,
            "state": us_state,
            "document_number": person.document,
            # Mostly the office covering the address; some cases sit with another office.
            "field_office": person.office if rnd() < 0.92 else draw(self.people.pools.offices, rnd),
            "state_of_case": state,
            "decision": t.decision,
            "in_absentia": t.in_absentia,
            "opened_on": opened,
            "charged_on": charged,
            "hearing_on": hearing,
            "decided_on": decided,
            "appeal_filed_on": appeal,
            "vd_deadline_on": deadline,
            "final_on": final,
            "removal_scheduled_for": scheduled,
            "removed_on": removed,
            "departed_on": departed,
            "closed_on": closed,
            "close_reason": t.close_reason,
            "custody": custody,
            "custody_on": custody_on,
            "bars": bars,
            "counsel": counsel,
            "person_key": person.key,
        }
        return row, t

    def _bars(self, person: Person, state: str, t: Timeline, custody: str) -> str:
        """Legal bars on an open case, in the order of ``BarKind``."""
        rnd = self.rnd
        if state == "removal_scheduled":
            # A bar stops scheduling, so only a last-minute one stands here, and rarely.
            if rnd() >= 0.03:
                return ""
            r = rnd()
            if r < 0.6:
                return "stay_of_removal"
            if r < 0.8 and t.in_absentia == "true":
                return "motion_to_reopen_stay"
            if r < 0.9 and custody == "detained":
                return "medical_hold"
            return "citizenship_claim"
        bars = []
        if t.appeal is not None and state in DECIDED_STATES:
            bars.append("pending_appeal")
        if rnd() < STAY_SHARE.get(state, 0):
            bars.append("stay_of_removal")
        if rnd() < 0.005:
            bars.append("citizenship_claim")
        if rnd() < 0.05:
            bars.append("protected_status")
        # Only a motion to rescind an order made in the person's absence stays removal by law
        # (INA § 240(b)(5)(C)); one on other grounds places no bar.
        if t.in_absentia == "true" and rnd() < 0.2:
            bars.append("motion_to_reopen_stay")
        if self.people.is_minor(person) and rnd() < (0.05 if person.has_family else 0.6):
            bars.append("unaccompanied_minor")
        if custody == "detained" and rnd() < 0.01:
            bars.append("medical_hold")
        return ";".join(bars)


def iter_case_rows(*, cases: int, seed: int, as_of: date) -> Iterator[dict[str, str]]:
    """Yield ``cases`` synthetic case rows, deterministic for (cases, seed, as_of).

    Each row maps every name of ``CASE_COLUMNS`` to text (empty when absent), plus
    ``person_key``: the true identity, which belongs in ``truth.csv`` and never in the cases
    themselves. ``case_ref`` numbers the rows in the order they are yielded.
    """
    _check(cases, seed, as_of)
    return _numbered(_Docket(seed, as_of).rows(cases))


def _check(cases: int, seed: int, as_of: date) -> None:
    # Checked before anything is yielded or written, so bad input changes nothing.
    if cases < 0:
        raise InvalidInput("cases must not be negative", details={"cases": cases})
    if seed < 0:
        # random.Random seeds with the absolute value: -5 would give the files of 5.
        raise InvalidInput("seed must not be negative", details={"seed": seed})
    if not 1900 <= as_of.year <= 9000:
        raise InvalidInput("as_of must fall between 1900 and 9000", details={"as_of": str(as_of)})


def _numbered(rows: Iterator[dict[str, str]]) -> Iterator[dict[str, str]]:
    for number, row in enumerate(rows, start=1):
        row["case_ref"] = f"DKT-{number:08d}"
        yield row


def generate_dataset(
    *,
    cases: int,
    seed: int,
    as_of: date,
    out_dir: Path,
    progress: Callable[[int], None] | None = None,
) -> DatasetSummary:
    """Write ``out_dir/cases.csv`` and ``out_dir/truth.csv`` (UTF-8) and say what was written.

    The files are byte-for-byte the same for the same (cases, seed, as_of). ``progress``, when
    given, is called with the number of rows written since its previous call, every
    ``PROGRESS_EVERY`` rows and once at the end for the remainder. Each file is written under
    a temporary name and takes its own only once whole: an interrupted run leaves the files of
    an earlier one as they were, and never half a file to be imported. A ``cases.csv``
    already in ``out_dir`` with no ``truth.csv`` beside it was not written by an earlier run,
    and refuses the run (:class:`InvalidInput`) rather than be replaced.
    """
    _check(cases, seed, as_of)
    cases_path, truth_path = out_dir / "cases.csv", out_dir / "truth.csv"
    if cases_path.exists() and not truth_path.exists():
        # Not written here before (this run leaves truth.csv first): an export of real cases,
        # perhaps, in the documented format and under the documented name.
        raise InvalidInput(
            f"{cases_path} exists and is not from an earlier run (no {truth_path.name} beside "
            "it): it is kept; choose another directory",
            details={"out_dir": str(out_dir)},
        )
    # truth.csv first: a cases.csv with none beside it was never made here.
    partial = {path: path.with_name(f".{path.name}.partial") for path in (truth_path, cases_path)}
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        rows, persons = _write_files(
            partial[cases_path], partial[truth_path], cases, seed, as_of, progress
        )
        for path, written in partial.items():
            written.replace(path)
    except OSError as exc:
        raise InvalidInput(
            f"cannot write to {out_dir}: {exc.strerror}", details={"out_dir": str(out_dir)}
        ) from None
    finally:
        for written in partial.values():
            with contextlib.suppress(OSError):
                written.unlink(missing_ok=True)
    return DatasetSummary(rows=rows, persons=persons, cases_path=cases_path, truth_path=truth_path)


def _write_files(
    cases_path: Path,
    truth_path: Path,
    cases: int,
    seed: int,
    as_of: date,
    progress: Callable[[int], None] | None,
) -> tuple[int, int]:
    """Write the two files; (rows, persons) written."""
    case_values = itemgetter(*CASE_COLUMNS)
    rows = persons = unreported = 0
    with (
        cases_path.open("w", encoding="utf-8", newline="") as cases_file,
        truth_path.open("w", encoding="utf-8", newline="") as truth_file,
    ):
        write_case = csv.writer(cases_file, lineterminator="\n").writerow
        write_case(CASE_COLUMNS)
        # Both truth columns are our own letters and digits, never needing quotes: plain text
        # is a third of the cost of a second csv writer.
        write_truth = truth_file.write
        write_truth(",".join(TRUTH_COLUMNS) + "\n")
        for row in iter_case_rows(cases=cases, seed=seed, as_of=as_of):
            write_case(case_values(row))
            key = row["person_key"]
            write_truth(f"{row['case_ref']},{key}\n")
            # Person numbers are handed out without gaps, so the highest one counts them.
            number = int(key[1:])
            if number > persons:
                persons = number
            rows += 1
            unreported += 1
            if unreported == PROGRESS_EVERY:
                if progress is not None:
                    progress(unreported)
                unreported = 0
    if progress is not None and unreported:
        progress(unreported)
    return rows, persons
