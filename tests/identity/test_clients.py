"""Counsel and their clients: only an admin's record of a notice of appearance links them, only
to a person on record, and every link and unlink is on the access log."""

from __future__ import annotations

import pytest

from docket.cases.service import show_case
from docket.errors import Conflict, InvalidInput, NotFound
from docket.identity.model import Role
from docket.identity.service import clients_of, link_client, unlink_client
from docket.storage.users import SqlUserTransaction
from tests.builders import a_case
from tests.identity.builders import a_user


@pytest.fixture
def person_id(docket):
    a_case(docket, "DKT-NYC-1")
    return show_case(uow=docket.uow, case_ref="DKT-NYC-1").case.person_id


@pytest.fixture
def counsel(docket):
    return a_user(docket, "lee.counsel", Role.COUNSEL, field_office=None).user


def _link(docket, username="lee.counsel", person_id="", document_ref="G-28 2026-0042"):
    return link_client(
        users=docket.users,
        cases=docket.uow,
        clock=docket.clock,
        actor="root.admin",
        username=username,
        person_id=person_id,
        document_ref=document_ref,
    )


def _unlink(docket, person_id, username="lee.counsel"):
    unlink_client(
        users=docket.users,
        clock=docket.clock,
        actor="root.admin",
        username=username,
        person_id=person_id,
    )


def test_counsel_linked_to_a_client_has_that_client(docket, counsel, person_id):
    assert clients_of(users=docket.users, user=counsel) == frozenset()
    client = _link(docket, person_id=person_id)
    assert client.document_ref == "G-28 2026-0042"
    assert client.recorded_by == "root.admin"
    assert clients_of(users=docket.users, user=counsel) == {person_id}
    _unlink(docket, person_id)
    assert clients_of(users=docket.users, user=counsel) == frozenset()


def test_links_and_unlinks_are_on_the_access_log(docket, counsel, person_id):
    _link(docket, person_id=person_id)
    _unlink(docket, person_id)
    entries = docket.access_log.entries(actor="root.admin")
    actions = [(e["action"], e["record_id"]) for e in entries]
    assert ("client_linked", counsel.user_id) in actions
    assert ("client_unlinked", counsel.user_id) in actions


def test_only_counsel_can_have_clients(docket, person_id):
    a_user(docket, "ana.officer", Role.OFFICER)
    with pytest.raises(InvalidInput, match="officer, not counsel"):
        _link(docket, username="ana.officer", person_id=person_id)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"person_id": "nobody"}, NotFound),
        ({"document_ref": "  "}, InvalidInput),
        ({"username": "no.such.user"}, NotFound),
        # wider than its column: PostgreSQL would refuse it at the insert, SQLite keep it
        ({"document_ref": "G" * 501}, InvalidInput),
        # what a command-line argument that is not UTF-8 becomes: no database takes it
        ({"document_ref": "G-28 \udcff"}, InvalidInput),
        ({"person_id": "p-\udcff"}, InvalidInput),
        ({"username": "lee\udcff"}, NotFound),
    ],
)
def test_a_link_that_breaks_a_rule_is_refused_and_nothing_is_linked(
    docket, counsel, person_id, changes, error
):
    before = len(docket.access_log.entries())
    with pytest.raises(error):
        _link(docket, **{"person_id": person_id, **changes})
    assert clients_of(users=docket.users, user=counsel) == frozenset()
    assert len(docket.access_log.entries()) == before


@pytest.mark.parametrize(
    ("person", "error"), [("p-\udcff", InvalidInput), ("p\x00", InvalidInput), ("p" * 65, NotFound)]
)
def test_unlinking_a_person_id_no_one_can_have_is_refused_in_one_clear_error(
    docket, counsel, person, error
):
    with pytest.raises(error):
        _unlink(docket, person)


def test_a_client_is_linked_once_and_unlinked_once(docket, counsel, person_id):
    _link(docket, person_id=person_id)
    with pytest.raises(Conflict):
        _link(docket, person_id=person_id)
    _unlink(docket, person_id)
    with pytest.raises(NotFound):
        _unlink(docket, person_id)


def test_a_link_made_at_the_same_moment_elsewhere_is_a_conflict(
    docket, counsel, person_id, monkeypatch
):
    # A concurrent transaction's link is invisible to the check before the insert (as if it
    # had not committed yet): the table's key still refuses the second, as a Conflict.
    _link(docket, person_id=person_id)
    monkeypatch.setattr(SqlUserTransaction, "clients", lambda self, user_id: frozenset())
    with pytest.raises(Conflict):
        _link(docket, person_id=person_id)


def test_other_roles_have_no_clients_even_if_once_counsel(docket, counsel, person_id):
    _link(docket, person_id=person_id)
    officer = a_user(docket, "ana.officer", Role.OFFICER).user
    assert clients_of(users=docket.users, user=officer) == frozenset()
