"""Hypothesis strategies: random attempts at lifecycle moves, valid or not."""

from __future__ import annotations

import datetime as dt

from hypothesis import strategies as st

from docket.cases.events import EventKind
from docket.cases.fields import FieldType
from docket.cases.table import TABLE

KINDS = sorted(TABLE)


@st.composite
def attempts(draw: st.DrawFn) -> tuple[EventKind, dict[str, object], int]:
    """A move to try: its kind, fields drawn from the field specs, and days after the last."""
    kind = draw(st.sampled_from(KINDS))
    fields: dict[str, object] = {}
    for spec in TABLE[kind].fields:
        if not spec.required and draw(st.booleans()):
            continue
        if spec.type is FieldType.DATE:
            fields[spec.name] = draw(st.integers(-5, 150))  # days from the event, resolved later
        elif spec.type is FieldType.BOOL:
            fields[spec.name] = draw(st.booleans())
        elif spec.type is FieldType.CHOICE:
            fields[spec.name] = draw(st.sampled_from(spec.choices))
        elif spec.type is FieldType.NUMBER:
            fields[spec.name] = draw(st.integers(0, 240))
        else:
            fields[spec.name] = draw(st.sampled_from(["asylum", "Krome", "sponsor", "x"]))
    return kind, fields, draw(st.integers(0, 45))


def resolve_dates(kind: EventKind, fields: dict[str, object], on: dt.date) -> dict[str, object]:
    """Turn day offsets drawn for date fields into dates relative to ``on``."""
    specs = {spec.name: spec for spec in TABLE[kind].fields}
    return {
        name: (on + dt.timedelta(days=value)).isoformat()
        if specs[name].type is FieldType.DATE and isinstance(value, int)
        else value
        for name, value in fields.items()
    }
