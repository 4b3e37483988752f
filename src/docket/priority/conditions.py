"""Conditions of policy packs: on documented facts (``docket.cases.facts``) and on measures
worked out from them, parsed and checked field by field; and the errors every part of a pack's
parsing gives, naming the field."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docket.cases.facts import FACTS
from docket.cases.fields import FieldType
from docket.cases.model import FactKind
from docket.errors import InvalidInput

MEASURES: Mapping[str, str] = {
    "age": "the person's age in whole years (from the date of birth on the person record)",
    "presence_years": "whole years since the recorded entry",
    "years_since_last_offence": "whole years since the latest standing conviction",
    "years_since_final_order": "whole years since the order became final",
}
"""Figures worked out from facts when a policy asks; never stored."""

REMOVABILITY = frozenset({FactKind.FINAL_ORDER})
"""Facts that say only that a person is removable: alone they never make a priority."""

_NUMBER_TESTS = {"at_least", "at_most"}
_DATE_TESTS = {"on_or_after", "before", "within_years", "more_than_years_ago"}


@dataclass(frozen=True)
class Condition:
    """A parsed condition: ``op`` is ``fact``, ``measure``, ``all`` or ``any``."""

    op: str
    kind: FactKind | None = None
    where: tuple[tuple[str, Any], ...] = ()
    """For ``fact``: (field, test) pairs; a test is a tuple of allowed values or a mapping of
    bounds (``at_least``, ``within_years``, ...)."""
    measure: str = ""
    bounds: tuple[tuple[str, float], ...] = ()
    parts: tuple[Condition, ...] = ()


def field_error(path: str, message: str) -> InvalidInput:
    """An invalid pack, naming the field (``path``) and what is wrong with it."""
    return InvalidInput(f"{path}: {message}", details={"field": path})


def refuse_unknown(data: Mapping[str, Any], allowed: set[str], path: str) -> None:
    """Refuse a key the schema does not know: a misspelt key is an error, never ignored."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = path.rstrip(".") or "the pack"
        raise field_error(
            f"{path}{unknown[0]}",
            f"unknown key in {where} (allowed: {', '.join(sorted(allowed))})",
        )


def requires_conduct(when: Condition) -> bool:
    """Whether ``when`` can hold only if some documented fact other than removability does."""
    if when.op == "fact":
        return when.kind not in REMOVABILITY
    if when.op == "measure":
        return False
    if when.op == "all":
        return any(requires_conduct(part) for part in when.parts)
    return all(requires_conduct(part) for part in when.parts)


def parse_condition(value: Any, path: str) -> Condition:
    if not isinstance(value, dict) or len(value) == 0:
        raise field_error(path, "a condition is a mapping: fact, measure, all or any")
    if "all" in value or "any" in value:
        op = "all" if "all" in value else "any"
        refuse_unknown(value, {op}, f"{path}.")
        parts = value[op]
        if not isinstance(parts, list) or not parts:
            raise field_error(f"{path}.{op}", "a non-empty list of conditions")
        return Condition(
            op, parts=tuple(parse_condition(p, f"{path}.{op}[{i}]") for i, p in enumerate(parts))
        )
    if "measure" in value:
        refuse_unknown(value, {"measure", *_NUMBER_TESTS}, f"{path}.")
        measure = value["measure"]
        if measure not in MEASURES:
            raise field_error(f"{path}.measure", f"{measure!r} is not one of {', '.join(MEASURES)}")
        bounds = _bounds(value, _NUMBER_TESTS, path)
        if not bounds:
            raise field_error(path, "a measure needs at_least or at_most")
        return Condition("measure", measure=measure, bounds=bounds)
    if "fact" in value:
        refuse_unknown(value, {"fact", "where"}, f"{path}.")
        try:
            kind = FactKind(value["fact"])
        except ValueError:
            raise field_error(
                f"{path}.fact",
                f"{value['fact']!r} is not one of {', '.join(k.value for k in FactKind)}",
            ) from None
        where = value.get("where") or {}
        if not isinstance(where, dict):
            raise field_error(f"{path}.where", "a mapping of field to test")
        return Condition("fact", kind=kind, where=_where(kind, where, f"{path}.where"))
    raise field_error(path, "a condition is one of: fact, measure, all, any")


_RANGES = (
    ("at_least", "at_most", True),
    ("on_or_after", "before", False),
    ("more_than_years_ago", "within_years", False),
)
"""Pairs of bounds (low, high, whether both may be equal) that leave nothing between them when
low passes high: a test no fact could pass is a mistake in the pack, never a rule."""


_YEARS_TESTS = {"within_years", "more_than_years_ago"}
MAX_YEARS = 150
"""The most years a date test may count back: no record is older, and a date thousands of
years back is none the calendar has."""


def _bounds(value: Mapping[str, Any], tests: set[str], path: str) -> tuple[tuple[str, Any], ...]:
    bounds = []
    for test in sorted(tests & set(value)):
        bound = value[test]
        if test in ("on_or_after", "before"):
            try:
                bound = dt.date.fromisoformat(str(bound)).isoformat()
            except ValueError:
                raise field_error(
                    f"{path}.{test}", f"{bound!r} is not a date (YYYY-MM-DD)"
                ) from None
        elif (
            not isinstance(bound, int | float)
            or isinstance(bound, bool)
            or not math.isfinite(bound)  # YAML's .inf and .nan
            or bound < 0
        ):
            raise field_error(f"{path}.{test}", "a number, 0 or more")
        elif test in _YEARS_TESTS and bound > MAX_YEARS:
            raise field_error(f"{path}.{test}", f"at most {MAX_YEARS} years")
        bounds.append((test, bound))
    given = dict(bounds)
    for low, high, inclusive in _RANGES:
        if low in given and high in given:
            lo, hi = given[low], given[high]
            if lo > hi or (lo == hi and not inclusive):
                raise field_error(path, f"no fact could pass both {low} {lo} and {high} {hi}")
    return tuple(bounds)


def _where(kind: FactKind, where: Mapping[str, Any], path: str) -> tuple[tuple[str, Any], ...]:
    spec = FACTS[kind]
    fields = {f.name: f for f in spec.fields}
    tests: list[tuple[str, Any]] = []
    for name, test in sorted(where.items()):
        here = f"{path}.{name}"
        if name == "on":
            field_type = FieldType.DATE
        elif name in fields:
            field_type = fields[name].type
        else:
            allowed = ", ".join(["on", *fields])
            raise field_error(here, f"a {kind.value} has no field {name!r} (fields: {allowed})")
        if field_type is FieldType.DATE:
            if not isinstance(test, dict):
                raise field_error(here, f"a date test: {', '.join(sorted(_DATE_TESTS))}")
            refuse_unknown(test, _DATE_TESTS, f"{here}.")
            tests.append((name, _bounds(test, _DATE_TESTS, here)))
        elif field_type is FieldType.NUMBER:
            if not isinstance(test, dict):
                raise field_error(here, "a number test: at_least, at_most")
            refuse_unknown(test, _NUMBER_TESTS, f"{here}.")
            tests.append((name, _bounds(test, _NUMBER_TESTS, here)))
        elif field_type is FieldType.BOOL:
            if not isinstance(test, bool):
                raise field_error(here, "true or false")
            tests.append((name, (test,)))
        else:
            values = test if isinstance(test, list) else [test]
            choices = fields[name].choices
            for item in values:
                if not isinstance(item, str) or (choices and item not in choices):
                    allowed = f"one of {', '.join(choices)}" if choices else "text"
                    raise field_error(here, f"{item!r} is not {allowed}")
            if not values:
                raise field_error(here, "no fact could pass an empty list")
            tests.append((name, tuple(values)))
    return tuple(tests)
