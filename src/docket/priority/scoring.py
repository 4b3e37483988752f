"""Scoring the whole docket against a policy pack, as arrays, with an explanation per case.

The docket arrives as :class:`Docket`: one row per open case (ordered by case reference) and
one row per documented fact in force. Every condition of the pack is evaluated over all facts
at once; a case's category is the first that holds, its score the sum of its contributions
(whole numbers, so they add up exactly), and its explanation lists every rule that counted,
the facts that satisfied it (with their event and document) and the measures it used.

Deterministic: the same docket, pack and date give the same ranking. Ties are broken by the
age of the case (opened earlier first), then by its reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from docket.cases.facts import FACTS
from docket.cases.model import FactKind
from docket.priority.conditions import Condition
from docket.priority.docket import KIND_CODE as _KIND_CODE
from docket.priority.docket import Docket as Docket
from docket.priority.docket import Ints
from docket.priority.explanation import Explanation as Explanation
from docket.priority.packs import Pack
from docket.priority.ranking import Bools
from docket.priority.ranking import RankedCase as RankedCase
from docket.priority.ranking import Ranking as Ranking

NO_DATE = np.iinfo(np.int64).min

_EPOCH = dt.date(1970, 1, 1).toordinal()


def whole_years(since: Ints, as_of: dt.date) -> Ints:
    """Whole years from each ordinal day in ``since`` to ``as_of`` (an age, say)."""
    days = (since - _EPOCH).astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    month = months.astype(np.int64) % 12 + 1
    day = (days - months).astype(np.int64) + 1
    before_birthday = (as_of.month * 100 + as_of.day) < (month * 100 + day)
    years: Ints = as_of.year - year - before_birthday
    return years


def _years_before(as_of: dt.date, years: float) -> int:
    """The ordinal day ``years`` years before ``as_of`` (calendar years when whole)."""
    if float(years).is_integer():
        year = as_of.year - int(years)
        if year < dt.MINYEAR:  # before the calendar's first day: every dated fact is after it
            return dt.date.min.toordinal()
        try:
            return as_of.replace(year=year).toordinal()
        except ValueError:  # 29 February
            return dt.date(year, 2, 28).toordinal()
    return as_of.toordinal() - round(years * 365.2425)


class Scorer:
    """One pack applied to one docket on one date."""

    def __init__(self, pack: Pack, docket: Docket, as_of: dt.date) -> None:
        self.pack, self.docket, self.as_of = pack, docket, as_of
        self.known: Bools = docket.fact_on <= as_of.toordinal()
        """Facts dated on or before ``as_of``: a policy applied to a past date does not see
        what happened after it."""
        self._columns: dict[tuple[FactKind, str], tuple[Ints, list[Any]]] = {}
        self._measures: dict[str, tuple[npt.NDArray[np.float64], Ints]] = {}

    # -- facts -------------------------------------------------------------------------
    def _column(self, kind: FactKind, name: str) -> tuple[Ints, list[Any]]:
        """One field of the facts of ``kind``: their indices and values."""
        key = (kind, name)
        if key not in self._columns:
            position = [f.name for f in FACTS[kind].fields].index(name)
            picked = np.nonzero(self.docket.fact_kind == _KIND_CODE[kind])[0]
            values = self.docket.fact_values
            self._columns[key] = (picked, [values[i][position] for i in picked.tolist()])
        return self._columns[key]

    def _fact_mask(self, condition: Condition) -> Bools:
        assert condition.kind is not None
        mask: Bools = (self.docket.fact_kind == _KIND_CODE[condition.kind]) & self.known
        spec = FACTS[condition.kind]
        for name, test in condition.where:
            if name in ("on", spec.date_field):
                mask &= self._date_test(self.docket.fact_on, test)
                continue
            picked, column = self._column(condition.kind, name)
            field_type = next(f.type for f in spec.fields if f.name == name).value
            if field_type == "date":
                days = np.array(
                    [dt.date.fromisoformat(v).toordinal() if v else NO_DATE for v in column],
                    np.int64,
                )
                passed = (days != NO_DATE) & self._date_test(days, test)
            elif field_type == "number":
                numbers = np.array([np.nan if v is None else v for v in column], np.float64)
                passed = self._number_test(numbers, test)
            else:
                allowed = set(test)
                # map with the set's own method: no Python frame per value
                passed = np.fromiter(map(allowed.__contains__, column), np.bool_, len(column))
            within = np.zeros(len(mask), np.bool_)
            within[picked[passed]] = True
            mask &= within
        return mask

    def _date_test(self, days: Ints, bounds: Sequence[tuple[str, Any]]) -> Bools:
        mask = np.ones(len(days), np.bool_)
        for test, bound in bounds:
            if test == "on_or_after":
                mask &= days >= dt.date.fromisoformat(bound).toordinal()
            elif test == "before":
                mask &= days < dt.date.fromisoformat(bound).toordinal()
            elif test == "within_years":
                mask &= days >= _years_before(self.as_of, bound)
            else:  # more_than_years_ago
                mask &= days < _years_before(self.as_of, bound)
        return mask

    @staticmethod
    def _number_test(values: npt.NDArray[np.float64], bounds: Sequence[tuple[str, Any]]) -> Bools:
        mask = ~np.isnan(values)
        for test, bound in bounds:
            mask &= values >= bound if test == "at_least" else values <= bound
        return mask

    def _on_cases(self, fact_mask: Bools) -> Bools:
        hit = np.zeros(len(self.docket), np.bool_)
        hit[self.docket.fact_case[fact_mask]] = True
        return hit

    # -- measures ----------------------------------------------------------------------
    def measure(self, name: str) -> tuple[npt.NDArray[np.float64], Ints]:
        """Per case: the measure in whole years (NaN when unknown) and the index of the fact
        it comes from (-1: none, or the date of birth for age)."""
        if name in self._measures:
            return self._measures[name]
        n = len(self.docket)
        values = np.full(n, np.nan)
        source = np.full(n, -1, np.int64)
        if name == "age":
            known = np.array([born is not None for born in self.docket.born_on], np.bool_)
            born = np.array([b.toordinal() if b else 0 for b in self.docket.born_on], np.int64)
            values[known] = whole_years(born[known], self.as_of)
        else:
            kind = {
                "presence_years": FactKind.ENTRY,
                "years_since_last_offence": FactKind.CONVICTION,
                "years_since_final_order": FactKind.FINAL_ORDER,
            }[name]
            picked = np.nonzero((self.docket.fact_kind == _KIND_CODE[kind]) & self.known)[0]
            # the latest fact of the kind per case: sorted by case, then day; the last of each
            fact_case = self.docket.fact_case[picked]
            picked = picked[np.lexsort((self.docket.fact_on[picked], fact_case))]
            cases = self.docket.fact_case[picked]
            last = np.r_[cases[1:] != cases[:-1], True] if len(cases) else cases.astype(bool)
            source[cases[last]] = picked[last]
            values[cases[last]] = whole_years(self.docket.fact_on[picked[last]], self.as_of)
        self._measures[name] = (values, source)
        return values, source

    # -- conditions --------------------------------------------------------------------
    def holds(self, condition: Condition) -> tuple[Bools, Bools, dict[str, Bools]]:
        """Per case whether ``condition`` holds; per fact whether it satisfied a fact test in
        it; per measure it tests, the cases on which that test counted (it held, and so did
        every part around it that had to)."""
        if condition.op == "fact":
            facts = self._fact_mask(condition)
            return self._on_cases(facts), facts, {}
        if condition.op == "measure":
            values, _ = self.measure(condition.measure)
            held = self._number_test(values, condition.bounds)
            return held, self._no_facts(), {condition.measure: held}
        results = [self.holds(part) for part in condition.parts]
        fact_case = self.docket.fact_case
        cases = results[0][0].copy()
        facts = self._no_facts()
        measures: dict[str, Bools] = {}
        for part_cases, part_facts, part_measures in results:
            if condition.op == "all":
                cases &= part_cases
            else:
                cases |= part_cases
            # a part's facts and measures count only on the cases where that part holds: an
            # "all" that fails inside an "any" satisfied otherwise did not count, nor did its
            # facts or its measures
            facts |= part_facts & part_cases[fact_case]
            for name, counted in part_measures.items():
                counted = counted & part_cases
                measures[name] = measures[name] | counted if name in measures else counted
        if condition.op == "all":
            facts &= cases[fact_case]
            measures = {name: counted & cases for name, counted in measures.items()}
        return cases, facts, measures

    def _no_facts(self) -> Bools:
        return np.zeros(self.docket.fact_count, np.bool_)

    def _latest(self, facts: Bools, most: int) -> Bools:
        """Of the facts in ``facts``, each case's ``most`` latest (the later recorded first
        on the same day): those a per-fact rule counts and cites."""
        chosen = np.flatnonzero(facts)
        cases = self.docket.fact_case[chosen]
        order = np.lexsort((-chosen, -self.docket.fact_on[chosen], cases))
        chosen, cases = chosen[order], cases[order]
        starts = np.flatnonzero(np.r_[True, cases[1:] != cases[:-1]]) if len(cases) else chosen
        place = np.arange(len(chosen)) - np.repeat(starts, np.diff(np.r_[starts, len(chosen)]))
        kept = self._no_facts()
        kept[chosen[place < most]] = True
        return kept

    # -- the ranking -------------------------------------------------------------------
    def rank(self) -> Ranking:
        n = len(self.docket)
        rules = self.pack.rules()
        points = np.zeros((len(rules), n), np.int64)
        fact_masks: list[Bools] = []
        measures: list[dict[str, Bools]] = []
        category = np.full(n, -1, np.int64)
        fact_case = self.docket.fact_case
        qualifying = self._no_facts()  # the facts that put each case in its category
        for r, rule in enumerate(rules):
            cases, facts, used = self.holds(rule.when)
            if rule.besides_category:  # a single fact condition (the loader sees to it)
                facts = facts & ~qualifying
                cases = self._on_cases(facts)
            if rule.per_fact:
                facts = self._latest(facts, rule.max_count)  # the facts that count, cited
            fact_masks.append(facts & cases[fact_case] if len(facts) else facts)
            measures.append(used)
            if rule.group == "category":
                chosen = (category == -1) & cases
                category[chosen] = r
                points[r, chosen] = rule.weight
                qualifying |= fact_masks[r] & chosen[fact_case]
            else:
                if rule.per_fact:
                    points[r] = rule.weight * np.bincount(fact_case[facts], minlength=n)
                else:
                    points[r] = rule.weight * cases
                points[r, category == -1] = 0  # factors weigh only within a category
        score = points.sum(axis=0)
        priority = category >= 0
        tie = self.docket.reference_places()
        order = np.lexsort((tie, self.docket.opened_on, -score, ~priority))
        return Ranking(self, rules, points, fact_masks, measures, category, score, order)
