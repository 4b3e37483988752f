"""The access-policy table: every cell, properties over generated users and records, and the
sentences the roles are known by."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from docket.cases.events import EventKind
from docket.identity.model import STAFF_ROLES, Role, User, UserId
from docket.identity.policy import (
    EVERY_OFFICE,
    NO_RECORD,
    POLICY,
    Action,
    RecordScope,
    Relation,
    action_for,
    decide,
    decide_any,
    relation_of,
)

OFFICES = ("HOU", "NYC", "ATL")
PERSONS = ("p-1", "p-2", "p-3")


def _user(role: Role, *, office="HOU", person="p-1", disabled=False) -> User:
    return User(
        user_id=UserId(f"u-{role.value}"),
        username=role.value,
        role=role,
        field_office=office if role in STAFF_ROLES else None,
        person_id=person if role is Role.SUBJECT else None,
        password_hash="x",
        totp_secret=None,
        disabled=disabled,
        version=1,
    )


# For each role, a record standing in each relation the role can have to one.
REALISED = {
    Relation.OWN_OFFICE: RecordScope("HOU", "p-9"),
    Relation.OTHER_OFFICE: RecordScope("NYC", "p-9"),
    Relation.OWN_RECORD: RecordScope("NYC", "p-1"),
    Relation.CLIENT_RECORD: RecordScope("NYC", "p-2"),
    Relation.UNRELATED: RecordScope("NYC", "p-9"),
    Relation.NO_RECORD: NO_RECORD,
}
CLIENTS = ("p-2",)


def _cells():
    for role, action, relation in itertools.product(Role, Action, Relation):
        user = _user(role)
        record = REALISED[relation]
        if relation_of(user, record, clients=CLIENTS) is relation:
            yield role, action, relation


@pytest.mark.parametrize(("role", "action", "relation"), list(_cells()))
def test_every_cell_of_the_table_decides_as_written(role, action, relation):
    decision = decide(_user(role), action, REALISED[relation], clients=CLIENTS)
    assert decision.relation is relation
    assert decision.allowed == (relation in POLICY[role].get(action, frozenset()))


def test_every_role_has_a_row_and_every_action_is_someones():
    assert set(POLICY) == set(Role)
    granted = {action for row in POLICY.values() for action in row}
    assert granted == set(Action)


@given(
    role=st.sampled_from(Role),
    office=st.sampled_from(OFFICES),
    person=st.sampled_from(PERSONS),
    disabled=st.booleans(),
    record=st.one_of(
        st.just(NO_RECORD),
        st.builds(RecordScope, st.sampled_from(OFFICES), st.sampled_from(PERSONS)),
    ),
    action=st.sampled_from(Action),
    clients=st.frozensets(st.sampled_from(PERSONS)),
)
@settings(max_examples=2000, deadline=None)
def test_no_role_reaches_outside_its_scope(role, office, person, disabled, record, action, clients):
    user = _user(role, office=office, person=person, disabled=disabled)
    decision = decide(user, action, record, clients=clients)
    cell = POLICY[role].get(action, frozenset())
    assert decision.allowed == (not disabled and decision.relation in cell)
    if not decision.allowed:
        return
    if not record.is_record:
        assert Relation.NO_RECORD in cell
    elif role is Role.SUBJECT:
        assert record.person_id == person
    elif role is Role.COUNSEL:
        assert record.person_id in clients
    else:
        assert record.field_office == office or Relation.OTHER_OFFICE in cell


@pytest.mark.parametrize(
    ("role", "action", "record", "allowed"),
    [
        (Role.OFFICER, Action.READ_CASE, RecordScope("HOU", "p-9"), True),
        (Role.OFFICER, Action.READ_CASE, RecordScope("NYC", "p-9"), False),
        (Role.OFFICER, Action.READ_AUDIT, NO_RECORD, False),
        (Role.LEGAL_REVIEWER, Action.RECORD_BAR, RecordScope("NYC", "p-9"), True),
        (Role.LEGAL_REVIEWER, Action.RECORD_EVENT, RecordScope("HOU", "p-9"), False),
        (Role.LOGISTICS, Action.RECORD_EVENT, RecordScope("HOU", "p-9"), False),
        (Role.ANALYST, Action.READ_PERSON, RecordScope("HOU", "p-9"), False),
        (Role.ANALYST, Action.READ_AGGREGATES, NO_RECORD, True),
        (Role.AUDITOR, Action.READ_AUDIT, NO_RECORD, True),
        (Role.ADMIN, Action.READ_CASE, RecordScope("HOU", "p-9"), False),
        (Role.ADMIN, Action.MANAGE_USERS, NO_RECORD, True),
        (Role.SUBJECT, Action.READ_CASE, RecordScope("NYC", "p-1"), True),
        (Role.SUBJECT, Action.READ_CASE, RecordScope("NYC", "p-3"), False),
        (Role.SUBJECT, Action.RECORD_EVENT, RecordScope("NYC", "p-1"), False),
        (Role.COUNSEL, Action.READ_PERSON, RecordScope("NYC", "p-2"), True),
        (Role.COUNSEL, Action.READ_PERSON, RecordScope("NYC", "p-3"), False),
        (Role.SUPERVISOR, Action.DECIDE_PRIORITY, RecordScope("HOU", "p-9"), True),
        (Role.SUPERVISOR, Action.DECIDE_PRIORITY, RecordScope("NYC", "p-9"), False),
        (Role.OFFICER, Action.RANK_CASES, RecordScope("HOU"), False),
        (Role.LEGAL_REVIEWER, Action.EXPLAIN_PRIORITY, RecordScope("NYC", "p-9"), True),
        (Role.ANALYST, Action.READ_DISPARITY, NO_RECORD, True),
        (Role.ANALYST, Action.RANK_CASES, RecordScope("HOU"), False),
        (Role.AUDITOR, Action.READ_PRIORITY_OVERSIGHT, NO_RECORD, True),
        (Role.ADMIN, Action.SWITCH_PRIORITISATION, NO_RECORD, True),
        (Role.ADMIN, Action.RANK_CASES, RecordScope("HOU"), False),
    ],
)
def test_the_roles_do_what_design_md_says(role, action, record, allowed):
    decision = decide(_user(role), action, record, clients=CLIENTS)
    assert decision.allowed is allowed, decision.reason


def test_a_disabled_user_may_do_nothing():
    user = _user(Role.OFFICER, disabled=True)
    assert not decide(user, Action.READ_CASE, RecordScope("HOU", "p-9")).allowed


def test_a_decision_names_its_cell():
    decision = decide(_user(Role.OFFICER), Action.READ_CASE, RecordScope("NYC", "p-9"))
    assert decision.reason == "officer may not read_case (other_office)"


def test_a_record_in_several_offices_is_readable_from_any_of_them():
    scopes = [RecordScope("NYC", "p-9"), RecordScope("HOU", "p-9")]
    houston = decide_any(_user(Role.OFFICER, office="HOU"), Action.READ_PERSON, scopes)
    atlanta = decide_any(_user(Role.OFFICER, office="ATL"), Action.READ_PERSON, scopes)
    assert (houston.allowed, houston.relation) == (True, Relation.OWN_OFFICE)
    assert (atlanta.allowed, atlanta.relation) == (False, Relation.OTHER_OFFICE)
    with pytest.raises(ValueError, match="at least one"):
        decide_any(_user(Role.OFFICER), Action.READ_PERSON, [])


@pytest.mark.parametrize(
    ("kind", "action"),
    [
        (EventKind.CUSTODY_BOOKED, Action.RECORD_CUSTODY),
        (EventKind.CUSTODY_RELEASED, Action.RECORD_CUSTODY),
        (EventKind.STAY_GRANTED, Action.RECORD_BAR),
        (EventKind.CUSTODY_PLAN_RECORDED, Action.RECORD_BAR),  # it lifts the minor's bar
        (EventKind.HEARING_HELD, Action.RECORD_EVENT),
    ],
)
def test_each_move_asks_for_the_action_its_table_row_implies(kind, action):
    assert action_for(kind) is action


def test_a_record_of_every_office_is_no_users_own_whatever_their_office_is_called():
    # A run over every office is scoped to "*": a user whose office were "*" would otherwise
    # read it as their own office's.
    supervisor = _user(Role.SUPERVISOR, office=EVERY_OFFICE)
    every = RecordScope(field_office=EVERY_OFFICE)
    assert relation_of(supervisor, every) is Relation.OTHER_OFFICE
    assert not decide(supervisor, Action.READ_PRIORITY_OVERSIGHT, every).allowed
