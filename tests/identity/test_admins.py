"""Admins manage users, and there is always one to do it: the last admin not disabled can be
neither disabled nor given another role, not even by two admins at the same moment."""

from __future__ import annotations

import threading

import pytest

from docket.errors import Conflict
from docket.identity.model import Role
from docket.identity.service import disable_user, set_role
from tests.identity.builders import a_user


def _disable(docket, username, actor="root.admin"):
    return disable_user(users=docket.users, clock=docket.clock, actor=actor, username=username)


def _set_role(docket, username, role, actor="root.admin"):
    return set_role(
        users=docket.users, clock=docket.clock, actor=actor, username=username, role=role
    )


def _admins(docket):
    with docket.users.reading() as tx:
        return len(tx.enabled_admins())


@pytest.mark.parametrize(
    "change",
    [
        lambda docket: _disable(docket, "first.admin", actor="first.admin"),
        lambda docket: _set_role(docket, "first.admin", Role.OFFICER, actor="first.admin"),
        lambda docket: _set_role(docket, "first.admin", Role.COUNSEL),
    ],
    ids=["disabled by themself", "demoted by themself", "made counsel"],
)
def test_the_last_admin_is_kept(docket, change):
    a_user(docket, "first.admin", Role.ADMIN)
    before = len(docket.access_log.entries())
    with pytest.raises(Conflict) as refused:
        change(docket)
    assert refused.value.details == {"username": "first.admin", "rule": "last_admin"}
    assert _admins(docket) == 1
    assert len(docket.access_log.entries()) == before


def test_with_another_admin_one_may_go_and_a_disabled_one_does_not_count(docket):
    a_user(docket, "first.admin", Role.ADMIN)
    a_user(docket, "second.admin", Role.ADMIN)
    assert _set_role(docket, "first.admin", Role.ADMIN).role is Role.ADMIN  # an admin still
    assert _disable(docket, "first.admin").disabled
    with pytest.raises(Conflict):
        _disable(docket, "second.admin")
    assert _disable(docket, "first.admin").disabled  # a disabled admin may be disabled again
    a_user(docket, "ana.officer", Role.OFFICER)
    assert _disable(docket, "ana.officer").disabled  # no admin's change at all


def test_two_admins_disabling_each_other_at_once_leave_one(docket):
    a_user(docket, "first.admin", Role.ADMIN)
    a_user(docket, "second.admin", Role.ADMIN)
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def disable(username: str) -> None:
        start.wait()
        try:
            outcomes.append(_disable(docket, username).disabled)
        except Conflict as refused:
            outcomes.append(refused.code)

    threads = [threading.Thread(target=disable, args=(n,)) for n in ("first.admin", "second.admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(map(str, outcomes)) == ["True", "conflict"]
    assert _admins(docket) == 1
