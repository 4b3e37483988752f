"""The inputs a policy pack may never use: protected attributes, and predicted or inferred
traits. A pack that names one anywhere is refused with an error naming the field; scoring
reads documented legal facts only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from docket.errors import InvalidInput

PROTECTED: Mapping[str, str] = {
    "nationality": "nationality or citizenship",
    "citizenship": "nationality or citizenship",
    "country_of_citizenship": "nationality or citizenship",
    "country_of_birth": "national origin",
    "birth_country": "national origin",
    "birthplace": "national origin",
    "place_of_birth": "national origin",
    "origin": "national origin",
    "national_origin": "national origin",
    "race": "race",
    "racial": "race",
    "ethnicity": "ethnicity",
    "ethnic": "ethnicity",
    "religion": "religion",
    "religious": "religion",
    "faith": "religion",
    "language": "language",
    "languages": "language",
    "sex": "sex",
    "gender": "gender identity",
    "gender_identity": "gender identity",
    "sexual_orientation": "sexual orientation",
    "orientation": "sexual orientation",
    "political": "political opinion or association",
    "politics": "political opinion or association",
    "opinion": "political opinion or association",
    "association": "political opinion or association",
    "affiliation": "political opinion or association",
    "membership": "political opinion or association",
    "predicted": "a predicted or inferred trait",
    "prediction": "a predicted or inferred trait",
    "inferred": "a predicted or inferred trait",
    "propensity": "a predicted or inferred trait",
    "likelihood": "a predicted or inferred trait",
    "risk_score": "a predicted or inferred trait",
}
"""Words that name a protected attribute (or a predicted or inferred trait), and which one.
A name is refused when it is one of these or one of its ``_``-separated words is."""


def protected_attribute(name: str) -> str | None:
    """Which protected attribute ``name`` refers to, if any."""
    word = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if word in PROTECTED:
        return PROTECTED[word]
    for part in word.split("_"):
        if part in PROTECTED:
            return PROTECTED[part]
    return None


def refuse_protected(value: Any, path: str) -> None:
    """Refuse a pack's data that names a protected attribute: every key anywhere, and every
    name a condition refers to (``fact``, ``measure``); the error names the field."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else key
            names = [key]
            if key in ("fact", "measure") and isinstance(item, str):
                names.append(item)
            for name in names:
                attribute = protected_attribute(name)
                if attribute is not None:
                    raise InvalidInput(
                        f"{here}: {name!r} refers to {attribute}, a protected attribute; "
                        "a policy may use documented legal facts only",
                        details={"field": here, "protected": attribute},
                    )
            refuse_protected(item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            refuse_protected(item, f"{path}[{index}]")
