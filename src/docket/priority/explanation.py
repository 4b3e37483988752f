"""A case's explanation: its category, its score and each contribution to it, with the
documented facts that satisfied the rule and the measures it used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from docket.cases.model import Fact
from docket.priority.packs import Rule


@dataclass(frozen=True)
class Measure:
    """A figure worked out for one case, and what it was worked out from."""

    name: str
    value: int
    fact_id: str | None
    """The fact it comes from; ``None`` for age (the person record's date of birth)."""


@dataclass(frozen=True)
class Contribution:
    rule: Rule
    points: int
    facts: tuple[Fact, ...]
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Explanation:
    case_ref: str
    rank: int
    category: Rule | None
    score: int
    contributions: tuple[Contribution, ...]

    def fact_ids(self) -> list[str]:
        return sorted({f.fact_id for c in self.contributions for f in c.facts})

    def to_json(self) -> bytes:
        """:meth:`to_dict` as one line of JSON, made once: a ranking run keeps it for oversight
        and a surface writing JSON lines can write the same bytes."""
        made: bytes | None = self.__dict__.get("_json")
        if made is None:
            made = orjson.dumps(self.to_dict())
            object.__setattr__(self, "_json", made)  # a memo, not a field: equality ignores it
        return made

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_ref": self.case_ref,
            "rank": self.rank,
            "category": self.category.id if self.category else None,
            "category_label": self.category.label if self.category else None,
            "score": self.score,
            "contributions": [
                {
                    "rule": c.rule.key,
                    "label": c.rule.label,
                    "points": c.points,
                    "facts": [
                        {
                            "fact_id": f.fact_id,
                            "kind": f.kind.value,
                            "on": f.on.isoformat(),
                            "event_id": f.event_id,
                            "document_ref": f.document_ref,
                        }
                        for f in c.facts
                    ],
                    "measures": [
                        {"measure": m.name, "value": m.value, "from": m.fact_id or "date_of_birth"}
                        for m in c.measures
                    ],
                }
                for c in self.contributions
            ],
        }
