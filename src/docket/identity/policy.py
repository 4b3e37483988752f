"""Who may do what: the one access-policy table, role × action × relation to the record.

Everything not in :data:`POLICY` is refused. A user's relation to a record is worked out once,
by :func:`relation_of`, from the record's field office and person: staff see their own office
(or, for some roles, every office), a subject their own record, counsel their clients' records.
Surfaces (the HTTP API, the CLI) ask :func:`decide` and hold no rules of their own.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from docket.cases import fields
from docket.cases.events import EventKind
from docket.cases.table import TABLE
from docket.identity.model import Role, User


class Action(StrEnum):
    """What a request does."""

    READ_PERSON = "read_person"
    READ_CASE = "read_case"
    """A case, its timeline, its bars, deadlines and custody."""
    LIST_CASES = "list_cases"
    RECORD_EVENT = "record_event"
    """A lifecycle event: hearing, decision, appeal, removal steps, closing."""
    RECORD_BAR = "record_bar"
    """Placing or lifting a legal bar: stay, citizenship claim, protected status, ..."""
    RECORD_CUSTODY = "record_custody"
    RECORD_FACT = "record_fact"
    """Recording, correcting or withdrawing a documented fact a prioritisation policy may use
    (a conviction, an entry, a pending application, ...)."""
    RANK_CASES = "rank_cases"
    """A prioritisation ranking of open cases by a published policy, with its explanations
    (a recommendation: it changes no case)."""
    EXPLAIN_PRIORITY = "explain_priority"
    """One case's recommendation and the facts that counted."""
    DECIDE_PRIORITY = "decide_priority"
    """A supervisor's determination on a recommendation: accept, or override with a reason."""
    READ_PRIORITY_OVERSIGHT = "read_priority_oversight"
    """The oversight log of ranking runs and determinations."""
    READ_DISPARITY = "read_disparity"
    """The disparity report: categories and scores across groups, aggregates only."""
    SWITCH_PRIORITISATION = "switch_prioritisation"
    """Turning prioritisation off or on."""
    RECORD_DEPARTURE_REPORT = "record_departure_report"
    """A departure report taken in (it may record a confirmed departure on a case in any
    office: departures are counted agency-wide)."""
    READ_DEPARTURE_REVIEW = "read_departure_review"
    """The departure reports in review, with their candidate persons, field by field (any
    office's persons: a report is not yet anyone's)."""
    DECIDE_DEPARTURE_REVIEW = "decide_departure_review"
    """A reviewer's decision on a report in review: link, reject or no case (a link may record
    a confirmed departure on a case in any office)."""
    READ_AGGREGATES = "read_aggregates"
    """Figures over many records, such as the exit metrics; no one person's record."""
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"


class Relation(StrEnum):
    """How the user stands to the record an action is about."""

    OWN_OFFICE = "own_office"
    OTHER_OFFICE = "other_office"
    OWN_RECORD = "own_record"
    CLIENT_RECORD = "client_record"
    UNRELATED = "unrelated"
    """A subject or counsel and someone else's record."""
    NO_RECORD = "no_record"
    """The action is about no one record (aggregates, the audit log, users)."""


def action_for(kind: EventKind) -> Action:
    """The action recording an event of ``kind`` is, from its row of the lifecycle table: a
    bar's own action for the moves that place or lift a bar, custody for custody moves, else a
    lifecycle event."""
    move = TABLE[kind]
    if move.bar is not None:
        return Action.RECORD_BAR
    if move.custody:
        return Action.RECORD_CUSTODY
    if move.fact:
        return Action.RECORD_FACT
    return Action.RECORD_EVENT


_OWN = frozenset({Relation.OWN_OFFICE})
_ANY_OFFICE = frozenset({Relation.OWN_OFFICE, Relation.OTHER_OFFICE})
_GLOBAL = frozenset({Relation.NO_RECORD})
_GLOBAL_AND_OWN = _GLOBAL | _OWN
_GLOBAL_AND_ANY_OFFICE = _GLOBAL | _ANY_OFFICE

POLICY: Mapping[Role, Mapping[Action, frozenset[Relation]]] = {
    Role.OFFICER: {
        Action.READ_PERSON: _OWN,
        Action.READ_CASE: _OWN,
        Action.LIST_CASES: _OWN,
        Action.RECORD_EVENT: _OWN,
        Action.RECORD_BAR: _OWN,
        Action.RECORD_CUSTODY: _OWN,
        Action.RECORD_FACT: _OWN,
        Action.RECORD_DEPARTURE_REPORT: _GLOBAL,
    },
    Role.SUPERVISOR: {
        Action.READ_PERSON: _OWN,
        Action.READ_CASE: _OWN,
        Action.LIST_CASES: _OWN,
        Action.RECORD_EVENT: _OWN,
        Action.RECORD_BAR: _OWN,
        Action.RECORD_CUSTODY: _OWN,
        Action.RECORD_DEPARTURE_REPORT: _GLOBAL,
        Action.READ_DEPARTURE_REVIEW: _GLOBAL,
        Action.DECIDE_DEPARTURE_REVIEW: _GLOBAL,
        Action.READ_AGGREGATES: _GLOBAL,
        Action.RECORD_FACT: _OWN,
        Action.RANK_CASES: _OWN,
        Action.EXPLAIN_PRIORITY: _OWN,
        Action.DECIDE_PRIORITY: _OWN,
        # the list of runs (no record), and the output of their own office's runs
        Action.READ_PRIORITY_OVERSIGHT: _GLOBAL_AND_OWN,
    },
    Role.LEGAL_REVIEWER: {
        Action.READ_PERSON: _ANY_OFFICE,
        Action.READ_CASE: _ANY_OFFICE,
        Action.LIST_CASES: _ANY_OFFICE,
        Action.RECORD_BAR: _ANY_OFFICE,
        Action.RECORD_FACT: _ANY_OFFICE,
        Action.EXPLAIN_PRIORITY: _ANY_OFFICE,
        Action.READ_DEPARTURE_REVIEW: _GLOBAL,
        Action.DECIDE_DEPARTURE_REVIEW: _GLOBAL,
    },
    Role.LOGISTICS: {
        Action.READ_PERSON: _OWN,
        Action.READ_CASE: _OWN,
        Action.LIST_CASES: _OWN,
        Action.RECORD_CUSTODY: _OWN,
    },
    Role.ANALYST: {Action.READ_AGGREGATES: _GLOBAL, Action.READ_DISPARITY: _GLOBAL},
    Role.AUDITOR: {
        Action.READ_AUDIT: _GLOBAL,
        Action.READ_PRIORITY_OVERSIGHT: _GLOBAL_AND_ANY_OFFICE,
    },
    Role.ADMIN: {Action.MANAGE_USERS: _GLOBAL, Action.SWITCH_PRIORITISATION: _GLOBAL},
    Role.SUBJECT: {
        Action.READ_PERSON: frozenset({Relation.OWN_RECORD}),
        Action.READ_CASE: frozenset({Relation.OWN_RECORD}),
    },
    Role.COUNSEL: {
        Action.READ_PERSON: frozenset({Relation.CLIENT_RECORD}),
        Action.READ_CASE: frozenset({Relation.CLIENT_RECORD}),
    },
}
"""The table. A role's missing actions, and relations missing from an action, are refused."""


@dataclass(frozen=True)
class RecordScope:
    """Where a record belongs: its field office and its person (``None``: no one record)."""

    field_office: str | None = None
    person_id: str | None = None

    @property
    def is_record(self) -> bool:
        return self.field_office is not None or self.person_id is not None


NO_RECORD = RecordScope()

EVERY_OFFICE = fields.EVERY_OFFICE
"""The field office of a record that belongs to every office at once (a ranking run over all
of them): no user's own office, so only a role the table lets act in other offices reaches
it."""


@dataclass(frozen=True)
class Decision:
    """Whether an action is allowed, and the table cell that says so."""

    allowed: bool
    role: Role
    action: Action
    relation: Relation

    @property
    def reason(self) -> str:
        verdict = "may" if self.allowed else "may not"
        return f"{self.role.value} {verdict} {self.action.value} ({self.relation.value})"


def relation_of(user: User, record: RecordScope, *, clients: Collection[str] = ()) -> Relation:
    """How ``user`` stands to ``record``; ``clients`` are counsel's clients' person ids."""
    if not record.is_record:
        return Relation.NO_RECORD
    if user.role is Role.SUBJECT:
        mine = user.person_id is not None and record.person_id == user.person_id
        return Relation.OWN_RECORD if mine else Relation.UNRELATED
    if user.role is Role.COUNSEL:
        client = record.person_id is not None and record.person_id in clients
        return Relation.CLIENT_RECORD if client else Relation.UNRELATED
    own = (
        user.field_office is not None
        and record.field_office == user.field_office
        and record.field_office != EVERY_OFFICE  # every office's record is no one's own
    )
    return Relation.OWN_OFFICE if own else Relation.OTHER_OFFICE


def decide(
    user: User, action: Action, record: RecordScope = NO_RECORD, *, clients: Collection[str] = ()
) -> Decision:
    """The table's answer for ``user`` doing ``action`` on ``record``. A disabled user may do
    nothing."""
    relation = relation_of(user, record, clients=clients)
    allowed = not user.disabled and relation in POLICY.get(user.role, {}).get(action, frozenset())
    return Decision(allowed=allowed, role=user.role, action=action, relation=relation)


def decide_any(
    user: User, action: Action, records: Sequence[RecordScope], *, clients: Collection[str] = ()
) -> Decision:
    """For a record that belongs to several places (a person with cases in several offices):
    allowed if any of ``records`` allows it. The first allowing decision, else the first."""
    decisions = [decide(user, action, record, clients=clients) for record in records]
    if not decisions:
        raise ValueError("decide_any needs at least one record scope")
    return next((d for d in decisions if d.allowed), decisions[0])
