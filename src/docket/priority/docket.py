"""The open docket as scoring reads it: its cases and their facts in force, as columns.

Facts arrive as :class:`~docket.cases.model.Fact` objects, or in the text of a case's stored
snapshot (:class:`SnapshotFacts`, what storage reads). Of the latter, what
scoring needs of every fact (its kind, date and field values) is read from the plain data once,
and facts become objects only for the cases whose explanation cites them: at a million cases,
making every fact an object took about a fifth of a ranking's time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import orjson

from docket.cases.facts import FACTS, counts, counts_values
from docket.cases.model import Fact, FactKind

Ints = npt.NDArray[np.int64]
Value = str | int | bool | None

KINDS = list(FactKind)
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}
_READ = {
    kind.value: (kind, KIND_CODE[kind], tuple(f.name for f in FACTS[kind].fields)) for kind in KINDS
}
"""By a kind's name in a snapshot: the kind, its code and the names of its fields in order."""


class SnapshotFacts(Sequence[Fact]):
    """A case's facts as its stored snapshot holds them (the JSON text of ``case_to_dict``),
    made into :class:`Fact` objects when read."""

    __slots__ = ("text",)

    def __init__(self, text: str | bytes) -> None:
        self.text = text

    def records(self) -> list[dict[str, Any]]:
        """The facts' plain forms (``fact_to_dict``)."""
        records: list[dict[str, Any]] = orjson.loads(self.text).get("facts") or []
        return records

    def facts(self, *, in_force: bool = False) -> list[Fact]:
        """Every fact (only those that count, with ``in_force``), as ``snapshot.fact_from_dict``
        makes it (a test holds them equal), with the kind's fields looked up once."""
        facts = []
        for record in self.records():
            kind, _, names = _READ[record["kind"]]
            values = record.get("values") or {}
            if in_force and not counts_values(kind, values.get):
                continue
            facts.append(
                Fact(
                    fact_id=record["fact_id"],
                    kind=kind,
                    on=dt.date.fromisoformat(record["on"]),
                    values=tuple([(name, values.get(name)) for name in names]),
                    document_ref=record["document_ref"],
                    event_id=record["event_id"],
                    corrections=tuple(record.get("corrections", ())),
                )
            )
        return facts

    def __len__(self) -> int:
        return len(self.records())

    @overload
    def __getitem__(self, index: int) -> Fact: ...

    @overload
    def __getitem__(self, index: slice) -> list[Fact]: ...

    def __getitem__(self, index: int | slice) -> Fact | list[Fact]:
        return self.facts()[index]

    def __repr__(self) -> str:
        return f"SnapshotFacts({self.text!r})"


DocketRows = Sequence[tuple[str, str, dt.date, dt.date | None, Sequence[Fact]]]


@dataclass
class Docket:
    """Open cases (in case-reference order) and their facts in force, as columns."""

    case_refs: list[str]
    person_ids: list[str]
    opened_on: Ints
    """Ordinal days."""
    born_on: list[dt.date | None]
    fact_case: Ints
    fact_kind: Ints
    fact_on: Ints
    fact_values: list[tuple[Value, ...]]
    """Per fact, the values of its fields, in the order its kind's spec lists them."""
    fact_start: Ints
    """Facts are in case order: case ``i``'s are ``fact_start[i]:fact_start[i + 1]``."""
    sources: list[Sequence[Fact]]
    """Per case, its facts as they came (those in force are made objects by ``case_facts``)."""

    @classmethod
    def build(cls, rows: DocketRows) -> Docket:
        """From (case ref, person id, opened on, born on, facts) in case-reference order. Facts
        that cannot count (a vacated conviction, a decided application) are left out here."""
        fact_case: list[int] = []
        kinds: list[int] = []
        days: list[int] = []
        values: list[tuple[Value, ...]] = []
        starts = [0]
        ordinals: dict[str, int] = {}  # a million cases have a few thousand distinct days
        loads = orjson.loads
        for index, row in enumerate(rows):
            case_facts = row[4]
            if isinstance(case_facts, SnapshotFacts):
                for record in loads(case_facts.text).get("facts") or ():
                    kind, code, names = _READ[record["kind"]]
                    raw = record.get("values") or {}
                    if not counts_values(kind, raw.get):
                        continue
                    on = ordinals.get(record["on"])
                    if on is None:
                        on = ordinals[record["on"]] = dt.date.fromisoformat(
                            record["on"]
                        ).toordinal()
                    fact_case.append(index)
                    kinds.append(code)
                    days.append(on)
                    values.append(tuple([raw.get(name) for name in names]))
            else:
                for fact in case_facts:
                    if counts(fact):
                        fact_case.append(index)
                        kinds.append(KIND_CODE[fact.kind])
                        days.append(fact.on.toordinal())
                        values.append(tuple([value for _, value in fact.values]))
            starts.append(len(values))
        return cls(
            case_refs=[row[0] for row in rows],
            person_ids=[row[1] for row in rows],
            opened_on=np.fromiter((row[2].toordinal() for row in rows), np.int64, len(rows)),
            born_on=[row[3] for row in rows],
            fact_case=np.array(fact_case, np.int64),
            fact_kind=np.array(kinds, np.int64),
            fact_on=np.array(days, np.int64),
            fact_values=values,
            fact_start=np.array(starts, np.int64),
            sources=[row[4] for row in rows],
        )

    def __len__(self) -> int:
        return len(self.case_refs)

    @property
    def fact_count(self) -> int:
        return len(self.fact_values)

    def case_facts(self, index: int) -> list[Fact]:
        """Case ``index``'s facts in force as objects: the ``k``-th is fact
        ``fact_start[index] + k``."""
        source = self.sources[index]
        if isinstance(source, SnapshotFacts):
            return source.facts(in_force=True)
        return [fact for fact in source if counts(fact)]
