"""The open docket as scoring reads it: its cases and their facts in force, as columns.

Facts arrive as :class:`~docket.cases.model.Fact` objects, or in the text of a case's stored
snapshot (:class:`SnapshotFacts`, what storage reads). Of the latter, everything scoring and
its explanations need of a fact in force (its kind, date, field values, id, event, document
and corrections) is read from the plain data once, into columns, and the text is let go: a
fact becomes an object again only when an :class:`~docket.priority.scoring.Explanation` asks for
it. At a million cases, making every fact an object took about a fifth of a ranking's time, and
keeping every snapshot's text for the explanations most of its memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, overload

import numpy as np
import numpy.typing as npt
import orjson

from docket.cases.facts import FACTS, counts, counts_values
from docket.cases.model import Fact, FactKind
from docket.priority.ports import DocketRow

Ints = npt.NDArray[np.int64]
Value = str | int | bool | None

KINDS = list(FactKind)
KIND_CODE = {kind: code for code, kind in enumerate(KINDS)}


def _reader(names: tuple[str, ...]) -> Callable[[Mapping[str, Value]], tuple[Value, ...]]:
    """The values of the fields ``names`` in a fact's plain form, as a tuple (KeyError if one
    is missing): an item getter, several times cheaper than a comprehension."""
    if len(names) == 1:
        only = names[0]
        return lambda values: (values[only],)
    if not names:
        return lambda values: ()
    return itemgetter(*names)


_NAMES = {kind: tuple(f.name for f in FACTS[kind].fields) for kind in KINDS}
_READ = {kind.value: (kind, KIND_CODE[kind], _NAMES[kind], _reader(_NAMES[kind])) for kind in KINDS}
"""By a kind's name in a snapshot: the kind, its code, the names of its fields in order and
their reader."""


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
            kind, _, names, _ = _READ[record["kind"]]
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
    fact_ids: list[str]
    fact_events: list[str]
    fact_documents: list[str]
    fact_corrections: dict[int, tuple[str, ...]]
    """The corrections of the facts that have any, by fact."""

    @classmethod
    def build(cls, rows: Iterable[DocketRow]) -> Docket:
        """From (case ref, person id, opened on, born on, facts) in case-reference order, read
        once (a snapshot's text is let go as soon as its facts are read). Facts that cannot
        count (a vacated conviction, a decided application) are left out here."""
        refs: list[str] = []
        persons: list[str] = []
        opened: list[int] = []
        born_on: list[dt.date | None] = []
        fact_case: list[int] = []
        kinds: list[int] = []
        days: list[int] = []
        values: list[tuple[Value, ...]] = []
        ids: list[str] = []
        events: list[str] = []
        documents: list[str] = []
        corrections: dict[int, tuple[str, ...]] = {}
        starts = [0]
        ordinals: dict[str, int] = {}  # a million cases have a few thousand distinct days
        loads = orjson.loads
        # Bound once: a million cases have a few million facts, each appended to seven lists.
        add_case, add_kind, add_day, add_values = (
            fact_case.append,
            kinds.append,
            days.append,
            values.append,
        )
        add_id, add_event, add_document = ids.append, events.append, documents.append
        for index, (ref, person_id, opened_on, born, case_facts) in enumerate(rows):
            refs.append(ref)
            persons.append(person_id)
            opened.append(opened_on.toordinal())
            born_on.append(born)
            if isinstance(case_facts, SnapshotFacts):
                for record in loads(case_facts.text).get("facts") or ():
                    kind, code, names, read = _READ[record["kind"]]
                    raw = record.get("values") or {}
                    if not counts_values(kind, raw.get):
                        continue
                    try:
                        fields = read(raw)
                    except KeyError:  # a field its kind has gained since it was recorded
                        fields = tuple([raw.get(name) for name in names])
                    on = ordinals.get(record["on"])
                    if on is None:
                        on = ordinals[record["on"]] = dt.date.fromisoformat(
                            record["on"]
                        ).toordinal()
                    if record.get("corrections"):
                        corrections[len(values)] = tuple(record["corrections"])
                    add_case(index)
                    add_kind(code)
                    add_day(on)
                    add_values(fields)
                    add_id(record["fact_id"])
                    add_event(record["event_id"])
                    add_document(record["document_ref"])
            else:
                for fact in case_facts:
                    if counts(fact):
                        if fact.corrections:
                            corrections[len(values)] = fact.corrections
                        add_case(index)
                        add_kind(KIND_CODE[fact.kind])
                        add_day(fact.on.toordinal())
                        add_values(tuple([value for _, value in fact.values]))
                        add_id(fact.fact_id)
                        add_event(fact.event_id)
                        add_document(fact.document_ref)
            starts.append(len(values))
        return cls(
            case_refs=refs,
            person_ids=persons,
            opened_on=np.array(opened, np.int64),
            born_on=born_on,
            fact_case=np.array(fact_case, np.int64),
            fact_kind=np.array(kinds, np.int64),
            fact_on=np.array(days, np.int64),
            fact_values=values,
            fact_start=np.array(starts, np.int64),
            fact_ids=ids,
            fact_events=events,
            fact_documents=documents,
            fact_corrections=corrections,
        )

    def __len__(self) -> int:
        return len(self.case_refs)

    def reference_places(self) -> Ints:
        """Each case's place in case-reference order as Python compares text (by code point),
        the order SQLite gives. A PostgreSQL locale may give the rows in another (ICU "en" puts
        DKT-b before DKT-B): ties must rank alike on every backend."""
        refs = self.case_refs
        if all(map(str.__lt__, refs, refs[1:])):  # the rows' own order: nothing to sort
            return np.arange(len(refs), dtype=np.int64)
        places = np.empty(len(refs), np.int64)
        places[sorted(range(len(refs)), key=refs.__getitem__)] = np.arange(len(refs))
        return places

    @property
    def fact_count(self) -> int:
        return len(self.fact_values)

    def fact(self, i: int) -> Fact:
        """Fact ``i`` as an object, equal to the one it was read from."""
        kind = KINDS[int(self.fact_kind[i])]
        return Fact(
            fact_id=self.fact_ids[i],
            kind=kind,
            on=dt.date.fromordinal(int(self.fact_on[i])),
            values=tuple(zip(_NAMES[kind], self.fact_values[i], strict=True)),
            document_ref=self.fact_documents[i],
            event_id=self.fact_events[i],
            corrections=self.fact_corrections.get(i, ()),
        )

    def case_facts(self, index: int) -> list[Fact]:
        """Case ``index``'s facts in force as objects: the ``k``-th is fact
        ``fact_start[index] + k``."""
        return [
            self.fact(i)
            for i in range(int(self.fact_start[index]), int(self.fact_start[index + 1]))
        ]
