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
- anything the schema does not know (a misspelt key is an error, never ignored), and a key
  given twice in one mapping;
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

from docket.cases.fields import storable
from docket.errors import InvalidInput
from docket.priority.conditions import (
    Condition,
    field_error,
    parse_condition,
    refuse_unknown,
    requires_conduct,
)
from docket.priority.forbidden import refuse_protected

PACKS_DIR = Path(__file__).parent / "packs"
"""The packs shipped with Docket."""

MAX_WEIGHT = 1_000
MAX_VERSION = 64
"""The longest version a pack may name: a ranking run keeps it in a column this wide."""

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
_NAME = re.compile(r"\A[a-z][a-z0-9_]{0,63}\Z")  # \Z: "$" would let a final newline in


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

    def check_date(self, on: dt.date, *, today: dt.date, allow_rescinded: bool = False) -> None:
        """Refuse to apply the pack on ``on`` after ``today``, before it took effect, or after
        its rescission unless ``allow_rescinded`` (for review of past decisions, say) is
        given."""
        if on > today:  # a typo for a year would age every fact, and the run be decided on
            raise InvalidInput(
                f"the date to apply policy {self.name} for, {on}, is after today ({today}): "
                "a policy applies to facts documented by a day that has come",
                details={"field": "as_of"},
            )
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
    except UnicodeDecodeError as exc:  # a YAML pack is UTF-8 text
        raise InvalidInput(f"cannot read policy {path.name}: not UTF-8 text ({exc})") from exc
    return parse(text, origin=path.name)


def parse(text: str, *, origin: str = "policy") -> Pack:
    """Check a pack's YAML text and build it; :class:`InvalidInput` naming the field if not."""
    try:
        data = yaml.load(text, Loader=_PackLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{origin}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{origin}: a policy pack is a mapping of keys to values")
    data = _plain(data)
    _refuse_unstorable(data, "")
    refuse_protected(data, "")
    return _build(data, origin)


class _PackLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping: YAML would keep the last,
    so a second ``weight`` would change a rule, a second ``mitigating`` drop a list, unseen."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen = set()
        for key, _ in node.value:
            if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                if (key.tag, key.value) in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {key.value!r} is given twice", key.start_mark
                    )
                seen.add((key.tag, key.value))
        return super().construct_mapping(node, deep=deep)


def _refuse_unstorable(value: Any, path: str) -> None:
    """Refuse text no database holds nor the content hash encodes: YAML's escapes make a NUL
    ("\\0") or a lone surrogate ("\\uD800"). The error names the field (a bad key, its
    mapping)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not storable(key):
                raise field_error(path or "policy", "a key is not valid text")
            _refuse_unstorable(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_unstorable(item, f"{path}[{index}]")
    elif isinstance(value, str) and not storable(value):
        raise field_error(path, "not valid text (a NUL or a lone surrogate)")


def _plain(value: Any) -> Any:
    """YAML's dates as ISO text, so the content hashes and prints as JSON."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _text(data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if isinstance(value, float):  # YAML reads 1.10 as the number 1.1: the text would change
        raise field_error(f"{path}{key}", f"must be text in quotes (read as a number: {value})")
    if not isinstance(value, str | int) or isinstance(value, bool) or not str(value):
        raise field_error(f"{path}{key}", "required text" if value is None else "must be text")
    return str(value)


def _date(data: Mapping[str, Any], key: str, path: str) -> dt.date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise field_error(f"{path}{key}", f"{value!r} is not a date (YYYY-MM-DD)") from None


def _build(data: Mapping[str, Any], origin: str) -> Pack:
    refuse_unknown(data, _TOP_KEYS, "")
    name = _text(data, "name", "")
    if not _NAME.match(name.replace("-", "_")):
        raise field_error("name", "lower-case letters, digits, - and _ only")
    effective_from = _date(data, "effective_from", "")
    if effective_from is None:
        raise field_error("effective_from", "required date (YYYY-MM-DD)")
    rescinded_on = _date(data, "rescinded_on", "")
    if rescinded_on is not None and rescinded_on <= effective_from:
        raise field_error("rescinded_on", "must be after effective_from")
    groups: dict[str, list[Rule]] = {}
    seen: set[str] = set()
    for group in ("categories", "aggravating", "mitigating"):
        items = data.get(group) or []
        if not isinstance(items, list):
            raise field_error(group, "must be a list")
        rules = []
        for index, item in enumerate(items):
            rule = _rule(item, group, f"{group}[{index}].")
            if rule.key in seen:
                raise field_error(f"{group}[{index}].id", f"{rule.id!r} is used twice")
            seen.add(rule.key)
            rules.append(rule)
        groups[group] = rules
    if not groups["categories"]:
        raise field_error("categories", "a policy needs at least one category")
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    version = _text(data, "version", "")
    if len(version) > MAX_VERSION:
        raise field_error("version", f"at most {MAX_VERSION} characters ({len(version)} given)")
    return Pack(
        name=name,
        version=version,
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
        raise field_error(path.rstrip("."), "must be a mapping with id, label, weight and when")
    refuse_unknown(item, _RULE_KEYS, path)
    rule_id = _text(item, "id", path)
    if not _NAME.match(rule_id):
        raise field_error(f"{path}id", "lower-case letters, digits and _ only")
    weight = item.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 < weight <= MAX_WEIGHT:
        raise field_error(f"{path}weight", f"a whole number from 1 to {MAX_WEIGHT}")
    if "when" not in item:
        raise field_error(f"{path}when", "required condition")
    when = parse_condition(item["when"], f"{path}when")
    if group == "categories" and not requires_conduct(when):
        raise field_error(
            f"{path}when",
            "this condition can hold on a final order (removability) alone; being removable "
            "never makes a case a priority, so a category must require another documented fact",
        )
    per_fact = item.get("per_fact", False)
    if not isinstance(per_fact, bool):
        raise field_error(f"{path}per_fact", "true or false")
    max_count = item.get("max_count", 1 if not per_fact else 3)
    if not isinstance(max_count, int) or isinstance(max_count, bool) or not 1 <= max_count <= 20:
        raise field_error(f"{path}max_count", "a whole number from 1 to 20")
    if per_fact and when.op != "fact":
        raise field_error(f"{path}per_fact", "counts per fact only on a single fact condition")
    besides = item.get("besides_category", False)
    if not isinstance(besides, bool):
        raise field_error(f"{path}besides_category", "true or false")
    if besides and (group == "categories" or when.op != "fact"):
        raise field_error(
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
