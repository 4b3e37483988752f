"""The access log's entries: who did what to which record, when, why, from where, and whether
it was allowed. Kept on their own hash chain (:data:`ACCESS_CHAIN`), same scheme as the events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from docket.cases.events import JSONValue

ACCESS_CHAIN = "access"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    REFUSED = "refused"


@dataclass(frozen=True)
class AccessEntry:
    """One access or change, recorded in the same transaction as any change it describes."""

    at: dt.datetime
    actor: str
    """The user (or, for the command line, the operator) who acted or tried to."""
    action: str
    record_type: str
    record_id: str
    outcome: Outcome
    purpose: str = ""
    source: str = ""
    """Where the request came from: ``cli``, or an address."""
    details: Mapping[str, JSONValue] = field(default_factory=dict)


ACCESS_COLUMNS = (
    "at",
    "actor",
    "action",
    "record_type",
    "record_id",
    "purpose",
    "outcome",
    "source",
    "details",
)
"""The columns an access entry's hash covers, besides ``seq``."""
