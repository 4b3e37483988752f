"""Policy packs: published prioritisation policies as YAML, checked before anything is scored.

A pack names itself (``name``, ``version``, ``effective_from``, optional ``rescinded_on``),
then lists **categories** in order of precedence (a case takes the first whose condition
holds) and **aggravating** and **mitigating** factors, each with a whole-number weight and a
condition on documented facts (``docket.cases.facts``) or on measures worked out from them
(age, length of presence, time since the last offence, time since the final order). The score
of a case in a category is the category's weight, plus its aggravating factors, minus its
mitigating ones; a case in no category is no priority and scores 0.

The loader refuses, with an error naming the field:

- any reference to a protected attribute or to a predicted or inferred trait
  (:mod:`docket.priority.forbidden`), wherever it appears;
- anything the schema does not know (a misspelt key is an error, never ignored);
- a category whose condition could hold on a final order alone: being removable never makes a
  case a priority.

The content hash is SHA-256 over the pack's canonical JSON, so the same policy has the same hash
however its file is laid out.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from docket.cases.facts import FACTS
from docket.cases.fields import FieldType
from docket.cases.model import FactKind
from docket.errors import InvalidInput
from docket.priority.forbidden import refuse_protected

PACKS_DIR = Path(__file__).parent / "packs"
"""The packs shipped with Docket."""

MAX_WEIGHT = 1_000

MEASURES: Mapping[str, str] = {
    "age": "the person's age in whole years (from the date of birth on the person record)",
    "presence_years": "whole years since the recorded entry",
    "years_since_last_offence": "whole years since the latest standing conviction",
    "years_since_final_order": "whole years since the order became final",
}
"""Figures worked out from facts when a policy asks; never stored."""

REMOVABILITY = frozenset({FactKind.FINAL_ORDER})
"""Facts that say only that a person is removable: alone they never make a priority."""

_TOP_KEYS = {
    "name",
    "version",
    "title",
    "description",
    "source",
    "effective_from",
    "rescinded_on",
    "categories",
    "aggravating",
    "mitigating",
}
_RULE_KEYS = {"id", "label", "weight", "when", "per_fact", "max_count", "besides_category"}
_NUMBER_TESTS = {"at_least", "at_most"}
_DATE_TESTS = {"on_or_after", "before", "within_years", "more_than_years_ago"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


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


@dataclass(frozen=True)
class Rule:
    """A category or factor: its id, label, signed contribution, condition, and whether it
    counts once per matching fact (up to ``max_count``)."""

    group: str
    """``category``, ``aggravating`` or ``mitigating``."""
    id: str
    label: str
    weight: int
    """Signed: a mitigating factor's is negative."""
    when: Condition
    per_fact: bool = False
    max_count: int = 1
    besides_category: bool = False
    """A factor that does not count a fact that put the case in its category (a prior
    record besides the qualifying conviction, say)."""

    @property
    def key(self) -> str:
        return f"{self.group}:{self.id}"


@dataclass(frozen=True)
class Pack:
    name: str
    version: str
    title: str
    description: str
    source: str
    effective_from: dt.date
    rescinded_on: dt.date | None
    categories: tuple[Rule, ...]
    factors: tuple[Rule, ...]
    content_hash: str

    def rules(self) -> tuple[Rule, ...]:
        return (*self.categories, *self.factors)

    def check_date(self, on: dt.date, *, allow_rescinded: bool = False) -> None:
        """Refuse to apply the pack on ``on`` before it took effect, or after its rescission
        unless ``allow_rescinded`` (for review of past decisions, say) is given."""
        if on < self.effective_from:
            raise InvalidInput(
                f"policy {self.name} {self.version} takes effect on {self.effective_from}, "
                f"after {on}",
                details={"field": "as_of"},
            )
        if self.rescinded_on is not None and on >= self.rescinded_on and not allow_rescinded:
            raise InvalidInput(
                f"policy {self.name} {self.version} was rescinded on {self.rescinded_on}; "
                f"to apply it on {on} anyway (to review past decisions, say), pass the "
                "explicit flag to allow a rescinded policy",
                details={"field": "policy", "rescinded_on": self.rescinded_on.isoformat()},
            )


def shipped() -> list[Path]:
    """The packs shipped with Docket."""
    return sorted(PACKS_DIR.glob("*.yaml"))


def resolve_path(reference: str) -> Path:
    """A pack file from a path, or the name of a shipped pack (``neutral-example``)."""
    path = Path(reference)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return path
    named = PACKS_DIR / f"{reference}.yaml"
    if _NAME.match(reference.replace("-", "_")) and named.exists():
        return named
    names = ", ".join(p.stem for p in shipped())
    raise InvalidInput(
        f"no policy pack {reference!r}: give a YAML file or a shipped pack ({names})",
        details={"field": "policy"},
    )


def load(reference: str) -> Pack:
    """Load and check a pack from a file or a shipped pack's name."""
    path = resolve_path(reference)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read policy {path.name}: {exc.strerror}") from exc
    return parse(text, origin=path.name)


def parse(text: str, *, origin: str = "policy") -> Pack:
    """Check a pack's YAML text and build it; :class:`InvalidInput` naming the field if not."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{origin}: a policy pack is a mapping of keys to values")
    data = _plain(data)
    refuse_protected(data, "")
    return _build(data, origin)


def _plain(value: Any) -> Any:
    """YAML's dates as ISO text, so the content hashes and prints as JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _error(path: str, message: str) -> InvalidInput:
    return InvalidInput(f"{path}: {message}", details={"field": path})


def _text(data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool) or not str(value):
        raise _error(f"{path}{key}", "required text" if value is None else "must be text")
    return str(value)


def _date(data: Mapping[str, Any], key: str, path: str) -> dt.date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _error(f"{path}{key}", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _unknown(data: Mapping[str, Any], allowed: set[str], path: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        where = path.rstrip(".") or "the pack"
        raise _error(
            f"{path}{unknown[0]}",
            f"unknown key in {where} (allowed: {', '.join(sorted(allowed))})",
        )


def _build(data: Mapping[str, Any], origin: str) -> Pack:
    _unknown(data, _TOP_KEYS, "")
    name = _text(data, "name", "")
    if not _NAME.match(name.replace("-", "_")):
        raise _error("name", "lower-case letters, digits, - and _ only")
    effective_from = _date(data, "effective_from", "")
    if effective_from is None:
        raise _error("effective_from", "required date (YYYY-MM-DD)")
    rescinded_on = _date(data, "rescinded_on", "")
    if rescinded_on is not None and rescinded_on <= effective_from:
        raise _error("rescinded_on", "must be after effective_from")
    groups: dict[str, list[Rule]] = {}
    seen: set[str] = set()
    for group in ("categories", "aggravating", "mitigating"):
        items = data.get(group) or []
        if not isinstance(items, list):
            raise _error(group, "must be a list")
        rules = []
        for index, item in enumerate(items):
            rule = _rule(item, group, f"{group}[{index}].")
            if rule.key in seen:
                raise _error(f"{group}[{index}].id", f"{rule.id!r} is used twice")
            seen.add(rule.key)
            rules.append(rule)
        groups[group] = rules
    if not groups["categories"]:
        raise _error("categories", "a policy needs at least one category")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return Pack(
        name=name,
        version=_text(data, "version", ""),
        title=_text(data, "title", "", required=False) or name,
        description=_text(data, "description", "", required=False),
        source=_text(data, "source", "", required=False),
        effective_from=effective_from,
        rescinded_on=rescinded_on,
        categories=tuple(groups["categories"]),
        factors=(*groups["aggravating"], *groups["mitigating"]),
        content_hash=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def _rule(item: Any, group: str, path: str) -> Rule:
    if not isinstance(item, dict):
        raise _error(path.rstrip("."), "must be a mapping with id, label, weight and when")
    _unknown(item, _RULE_KEYS, path)
    rule_id = _text(item, "id", path)
    if not _NAME.match(rule_id):
        raise _error(f"{path}id", "lower-case letters, digits and _ only")
    weight = item.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 < weight <= MAX_WEIGHT:
        raise _error(f"{path}weight", f"a whole number from 1 to {MAX_WEIGHT}")
    if "when" not in item:
        raise _error(f"{path}when", "required condition")
    when = _condition(item["when"], f"{path}when")
    if group == "categories" and not requires_conduct(when):
        raise _error(
            f"{path}when",
            "this condition can hold on a final order (removability) alone; being removable "
            "never makes a case a priority, so a category must require another documented fact",
        )
    per_fact = item.get("per_fact", False)
    if not isinstance(per_fact, bool):
        raise _error(f"{path}per_fact", "true or false")
    max_count = item.get("max_count", 1 if not per_fact else 3)
    if not isinstance(max_count, int) or isinstance(max_count, bool) or not 1 <= max_count <= 20:
        raise _error(f"{path}max_count", "a whole number from 1 to 20")
    if per_fact and when.op != "fact":
        raise _error(f"{path}per_fact", "counts per fact only on a single fact condition")
    besides = item.get("besides_category", False)
    if not isinstance(besides, bool):
        raise _error(f"{path}besides_category", "true or false")
    if besides and (group == "categories" or when.op != "fact"):
        raise _error(
            f"{path}besides_category",
            "only a factor on a single fact condition can leave out its category's facts",
        )
    sign = -1 if group == "mitigating" else 1
    return Rule(
        group="category" if group == "categories" else group,
        id=rule_id,
        label=_text(item, "label", path),
        weight=sign * weight,
        when=when,
        per_fact=per_fact,
        max_count=max_count if per_fact else 1,
        besides_category=besides,
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


def _condition(value: Any, path: str) -> Condition:
    if not isinstance(value, dict) or len(value) == 0:
        raise _error(path, "a condition is a mapping: fact, measure, all or any")
    if "all" in value or "any" in value:
        op = "all" if "all" in value else "any"
        _unknown(value, {op}, f"{path}.")
        parts = value[op]
        if not isinstance(parts, list) or not parts:
            raise _error(f"{path}.{op}", "a non-empty list of conditions")
        return Condition(
            op, parts=tuple(_condition(p, f"{path}.{op}[{i}]") for i, p in enumerate(parts))
        )
    if "measure" in value:
        _unknown(value, {"measure", *_NUMBER_TESTS}, f"{path}.")
        measure = value["measure"]
        if measure not in MEASURES:
            raise _error(f"{path}.measure", f"{measure!r} is not one of {', '.join(MEASURES)}")
        bounds = _bounds(value, _NUMBER_TESTS, path)
        if not bounds:
            raise _error(path, "a measure needs at_least or at_most")
        return Condition("measure", measure=measure, bounds=bounds)
    if "fact" in value:
        _unknown(value, {"fact", "where"}, f"{path}.")
        try:
            kind = FactKind(value["fact"])
        except ValueError:
            raise _error(
                f"{path}.fact",
                f"{value['fact']!r} is not one of {', '.join(k.value for k in FactKind)}",
            ) from None
        where = value.get("where") or {}
        if not isinstance(where, dict):
            raise _error(f"{path}.where", "a mapping of field to test")
        return Condition("fact", kind=kind, where=_where(kind, where, f"{path}.where"))
    raise _error(path, "a condition is one of: fact, measure, all, any")


def _bounds(value: Mapping[str, Any], tests: set[str], path: str) -> tuple[tuple[str, Any], ...]:
    bounds = []
    for test in sorted(tests & set(value)):
        bound = value[test]
        if test in ("on_or_after", "before"):
            try:
                bound = dt.date.fromisoformat(str(bound)).isoformat()
            except ValueError:
                raise _error(f"{path}.{test}", f"{bound!r} is not a date (YYYY-MM-DD)") from None
        elif not isinstance(bound, int | float) or isinstance(bound, bool) or bound < 0:
            raise _error(f"{path}.{test}", "a number, 0 or more")
        bounds.append((test, bound))
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
            raise _error(here, f"a {kind.value} has no field {name!r} (fields: {allowed})")
        if field_type is FieldType.DATE:
            if not isinstance(test, dict):
                raise _error(here, f"a date test: {', '.join(sorted(_DATE_TESTS))}")
            _unknown(test, _DATE_TESTS, f"{here}.")
            tests.append((name, _bounds(test, _DATE_TESTS, here)))
        elif field_type is FieldType.NUMBER:
            if not isinstance(test, dict):
                raise _error(here, "a number test: at_least, at_most")
            _unknown(test, _NUMBER_TESTS, f"{here}.")
            tests.append((name, _bounds(test, _NUMBER_TESTS, here)))
        elif field_type is FieldType.BOOL:
            if not isinstance(test, bool):
                raise _error(here, "true or false")
            tests.append((name, (test,)))
        else:
            values = test if isinstance(test, list) else [test]
            choices = fields[name].choices
            for item in values:
                if not isinstance(item, str) or (choices and item not in choices):
                    allowed = f"one of {', '.join(choices)}" if choices else "text"
                    raise _error(here, f"{item!r} is not {allowed}")
            tests.append((name, tuple(values)))
    return tuple(tests)


def describe(pack: Pack) -> dict[str, Any]:
    """The pack as shown to people: its identity and its rules, for listings and the API."""
    return {
        "name": pack.name,
        "version": pack.version,
        "title": pack.title,
        "effective_from": pack.effective_from.isoformat(),
        "rescinded_on": pack.rescinded_on.isoformat() if pack.rescinded_on else None,
        "content_hash": pack.content_hash,
        "rules": [
            {"key": rule.key, "label": rule.label, "weight": rule.weight} for rule in pack.rules()
        ],
    }
