"""A row of the lifecycle table (``table.py``), and the rows for documented facts: recording
each kind of fact (from ``facts.py``), correcting one field of a fact, and withdrawing a fact
recorded in error, each allowed in every state it names."""

from __future__ import annotations

from dataclasses import dataclass

from docket.cases.events import EventKind
from docket.cases.facts import CORRECTION_LEGAL_BASIS, FACTS
from docket.cases.fields import FieldSpec, FieldType
from docket.cases.fields import spec as _f
from docket.cases.model import OPEN_STATES, BarKind, CaseState


@dataclass(frozen=True)
class Move:
    """One row of the lifecycle table."""

    kind: EventKind
    summary: str
    from_states: frozenset[CaseState]
    to_states: frozenset[CaseState]
    """States the move can lead to (a move that keeps the state lists its start states too)."""
    legal_basis: str
    fields: tuple[FieldSpec, ...] = ()
    bar: BarKind | None = None
    """The bar this move places or removes, if any."""
    custody: bool = False
    """The move books the person into custody or releases them."""
    fact: bool = False
    """The move records, corrects or withdraws a documented fact (``facts.py``)."""


FACT_MOVES = (
    *(
        Move(
            spec.event,
            spec.summary,
            OPEN_STATES,
            OPEN_STATES,
            spec.legal_basis,
            spec.fields,
            fact=True,
        )
        for spec in FACTS.values()
        if spec.event is not None
    ),
    Move(
        EventKind.FACT_CORRECTED,
        "A recorded fact was corrected: one field set to a new value, with the reason (a "
        "conviction vacated or expunged, an application decided, an error put right).",
        frozenset(CaseState),
        frozenset(CaseState),
        CORRECTION_LEGAL_BASIS,
        (
            _f("fact_id", FieldType.TEXT, "the fact, e.g. DKT-0001/F7"),
            _f("field", FieldType.TEXT, "the field to correct"),
            _f(
                "value",
                FieldType.TEXT,
                "its new value (empty clears an optional field)",
                required=False,
            ),
            _f("reason", FieldType.TEXT, "why it is corrected"),
        ),
        fact=True,
    ),
    Move(
        EventKind.FACT_WITHDRAWN,
        "A fact recorded in error was withdrawn, with the reason; it stays in the log.",
        frozenset(CaseState),
        frozenset(CaseState),
        CORRECTION_LEGAL_BASIS,
        (
            _f("fact_id", FieldType.TEXT, "the fact, e.g. DKT-0001/F7"),
            _f("reason", FieldType.TEXT, "why it is withdrawn"),
        ),
        fact=True,
    ),
)
