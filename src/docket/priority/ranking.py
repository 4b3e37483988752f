"""A scored docket in rank order: each case's explanation, as an object or as its JSON line.

A ranking run writes every case's explanation as a line of JSON. At a million cases, making
each explanation an object first (its facts too) and then a dict took a third of the run, so
:meth:`Ranking.entries` builds the line straight from the docket's columns into the same dicts,
giving the same bytes as :meth:`Explanation.to_json` (a test holds them equal on every case);
the object is made only for a caller that asks for it (:meth:`RankedCase.explanation`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import orjson

from docket.priority.docket import KINDS, Ints
from docket.priority.explanation import Contribution, Explanation, Measure
from docket.priority.packs import Rule

if TYPE_CHECKING:
    from docket.priority.scoring import Scorer

Bools = npt.NDArray[np.bool_]


@dataclass
class Ranking:
    """Scores, categories and contributions of every case; explanations built on demand."""

    scorer: Scorer
    rules: tuple[Rule, ...]
    points: npt.NDArray[np.int64]
    """(rule, case) contributions; a case's column sums to its score."""
    fact_masks: list[Bools]
    measures: list[dict[str, Bools]]
    """Per rule, each measure it tests and the cases on which that test counted."""
    category: Ints
    """Index of the case's category among ``rules``; -1: no category (no priority)."""
    score: Ints
    order: Ints
    """Case indices, best first."""

    def __len__(self) -> int:
        return len(self.order)

    def rank_of(self) -> Ints:
        ranks = np.empty(len(self.order), np.int64)
        ranks[self.order] = np.arange(1, len(self.order) + 1)
        return ranks

    @cached_property
    def _lists(self) -> _Lists:
        return _Lists.of(self)

    def explain(self, index: int, rank: int) -> Explanation:
        docket = self.scorer.docket
        rules, lists = self.rules, self._lists
        first, last = lists.first[index], lists.first[index + 1]
        contributions: tuple[Contribution, ...] = ()
        if first < last:
            start, end = lists.fact_start[index], lists.fact_start[index + 1]
            facts = docket.case_facts(index)  # fact i of the docket is facts[i - start]
            made = []
            for k in range(first, last):
                r = lists.rule[k]
                mask = lists.masks[r]
                used = tuple(
                    Measure(name, value, facts[at - start].fact_id if at >= 0 else None)
                    for name, value, at in lists.measured(self.measures[r], index)
                )
                made.append(
                    Contribution(
                        rules[r],
                        lists.points[k],
                        tuple([facts[i - start] for i in range(start, end) if mask[i]]),
                        used,
                    )
                )
            contributions = tuple(made)
        chosen = lists.category[index]
        return Explanation(
            docket.case_refs[index],
            rank,
            rules[chosen] if chosen >= 0 else None,
            lists.score[index],
            contributions,
        )

    def explain_json(self, index: int, rank: int) -> bytes:
        """``explain(index, rank).to_json()``, made from the columns: the same dicts in the
        same order, without the objects."""
        docket = self.scorer.docket
        lists = self._lists
        first, last = lists.first[index], lists.first[index + 1]
        contributions: list[dict[str, Any]] = []
        if first < last:
            start, end = lists.fact_start[index], lists.fact_start[index + 1]
            ids = docket.fact_ids
            cited: dict[int, dict[str, Any]] = {}  # a fact cited by several rules, made once
            for k in range(first, last):
                r = lists.rule[k]
                mask = lists.masks[r]
                facts = []
                for i in range(start, end):
                    if mask[i]:
                        fact = cited.get(i)
                        if fact is None:
                            fact = cited[i] = {
                                "fact_id": ids[i],
                                "kind": lists.kind_names[lists.kind[i]],
                                "on": lists.day(lists.on[i]),
                                "event_id": docket.fact_events[i],
                                "document_ref": docket.fact_documents[i],
                            }
                        facts.append(fact)
                measures = [
                    {
                        "measure": name,
                        "value": value,
                        "from": (ids[at] if at >= 0 else None) or "date_of_birth",
                    }
                    for name, value, at in lists.measured(self.measures[r], index)
                ]
                key, label = lists.rule_names[r]
                contributions.append(
                    {
                        "rule": key,
                        "label": label,
                        "points": lists.points[k],
                        "facts": facts,
                        "measures": measures,
                    }
                )
        category, category_label = lists.category_names[lists.category[index]]
        return orjson.dumps(
            {
                "case_ref": docket.case_refs[index],
                "rank": rank,
                "category": category,
                "category_label": category_label,
                "score": lists.score[index],
                "contributions": contributions,
            }
        )

    def top(self, limit: int | None = None) -> Iterator[Explanation]:
        """Explanations in rank order, the first ``limit`` (all when ``None``)."""
        order = self.order if limit is None else self.order[:limit]
        for rank, index in enumerate(order, start=1):
            yield self.explain(int(index), rank)

    def entries(self, limit: int | None = None) -> Iterator[RankedCase]:
        """:meth:`top` as entries whose JSON line is made without the objects."""
        order = self.order if limit is None else self.order[:limit]
        refs, explain_json = self.scorer.docket.case_refs, self.explain_json
        for rank, index in enumerate(order.tolist(), start=1):
            yield RankedCase(self, index, rank, refs[index], explain_json(index, rank))

    def find(self, case_ref: str) -> Explanation | None:
        refs = self.scorer.docket.case_refs
        try:
            index = refs.index(case_ref)
        except ValueError:
            return None
        return self.explain(index, int(self.rank_of()[index]))


class RankedCase:
    """One case's entry in a ranking: its explanation as a JSON line, and as an
    :class:`Explanation` on demand."""

    __slots__ = ("_json", "_ranking", "case_ref", "index", "rank")

    def __init__(self, ranking: Ranking, index: int, rank: int, case_ref: str, line: bytes):
        self._ranking, self.index, self.rank, self.case_ref = ranking, index, rank, case_ref
        self._json = line

    def to_json(self) -> bytes:
        """The bytes of ``explanation().to_json()``."""
        return self._json

    def to_dict(self) -> dict[str, Any]:
        """``explanation().to_dict()``."""
        data: dict[str, Any] = orjson.loads(self._json)
        return data

    def explanation(self) -> Explanation:
        return self._ranking.explain(self.index, self.rank)


class _Lists:
    """A ranking's arrays as Python lists, for explaining case after case: reading an item of
    a list costs a tenth of reading one of an array (a NumPy scalar is made each time), and a
    million explanations read several each."""

    def __init__(
        self,
        ranking: Ranking,
        first: list[int],
        rule: list[int],
        points: list[int],
    ) -> None:
        self.scorer = ranking.scorer  # not the ranking: no cycle, so freed as soon as it is
        self.first, self.rule, self.points = first, rule, points
        """Case ``i``'s contributions are ``rule[k]``, ``points[k]`` for ``k`` from ``first[i]``
        to ``first[i + 1]``, in the order of the rules."""
        docket = ranking.scorer.docket
        self.score: list[int] = ranking.score.tolist()
        self.category: list[int] = ranking.category.tolist()
        self.fact_start: list[int] = docket.fact_start.tolist()
        self.kind: list[int] = docket.fact_kind.tolist()
        self.on: list[int] = docket.fact_on.tolist()
        self.masks = [mask.tobytes() for mask in ranking.fact_masks]
        """Per rule, one byte per fact: whether it satisfied the rule's facts test in the case."""
        self.kind_names = [kind.value for kind in KINDS]
        self.rule_names = [(rule.key, rule.label) for rule in ranking.rules]
        self.category_names: dict[int, tuple[str | None, str | None]] = {
            r: (rule.id, rule.label) for r, rule in enumerate(ranking.rules)
        }
        self.category_names[-1] = (None, None)
        self._days: dict[int, str] = {}
        self._measures: dict[str, tuple[list[float], list[int]]] = {}

    @classmethod
    def of(cls, ranking: Ranking) -> _Lists:
        n = len(ranking.order)
        rules, cases = np.nonzero(ranking.points)  # by rule, then case
        by_case = np.argsort(cases, kind="stable")  # by case, then rule
        rules, cases = rules[by_case], cases[by_case]
        first = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(cases, minlength=n), out=first[1:])
        points = ranking.points[rules, cases]
        return cls(ranking, first.tolist(), rules.tolist(), points.tolist())

    def day(self, ordinal: int) -> str:
        """An ordinal day as ISO text (a million cases have a few thousand distinct days)."""
        text = self._days.get(ordinal)
        if text is None:
            text = self._days[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    def measured(self, tested: dict[str, Bools], index: int) -> list[tuple[str, int, int]]:
        """Case ``index``'s known measures among those a rule ``tested`` where the test counted
        for it: each name, its value and the index of the fact it comes from (-1: none, the
        date of birth for age). A measure of a part that did not hold is not cited."""
        known = []
        for name, counted in tested.items():
            if not counted[index]:
                continue
            values, source = self.measure(name)
            value = values[index]
            if value == value:  # not NaN: known
                known.append((name, int(value), source[index]))
        return known

    def measure(self, name: str) -> tuple[list[float], list[int]]:
        if name not in self._measures:
            values, source = self.scorer.measure(name)
            self._measures[name] = (values.tolist(), source.tolist())
        return self._measures[name]
