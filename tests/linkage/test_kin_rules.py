"""Batch prediction's blocking rules for possible twins (``KIN_RULES``, in SQL) and the
decision's rule (``decision.siblings``, in Python) agree: every pair the decision takes for
siblings is blocked, so the decision sees it however unlikely the model makes it."""

from __future__ import annotations

import itertools

import duckdb

from docket.departures.decision import siblings
from docket.departures.linkage import record
from docket.linkage.splink_model import KIN_RULES

GIVEN = ("ana", "rosa", "silva", None)
FAMILY = ("silva", "ana", "rosa", None)
BORN = ("1990-01-02", "1990-01-03", None)

RECORDS = [
    record({"given_name": g, "family_name": f, "date_of_birth": b})
    for g, f, b in itertools.product(GIVEN, FAMILY, BORN)
]


def _blocked() -> set[tuple[int, int]]:
    """The pairs (left index, right index) of :data:`RECORDS` some rule of KIN_RULES blocks."""
    connection = duckdb.connect()
    try:
        for side in ("l", "r"):
            connection.execute(
                f"create table {side}_records "
                "(n integer, given_name varchar, family_name varchar, date_of_birth varchar)"
            )
            connection.executemany(
                f"insert into {side}_records values (?, ?, ?, ?)",
                [
                    (n, r["given_name"], r["family_name"], r["date_of_birth"])
                    for n, r in enumerate(RECORDS)
                ],
            )
        found: set[tuple[int, int]] = set()
        for rule in KIN_RULES:
            found |= set(
                connection.execute(
                    "select l.n, r.n from l_records as l, r_records as r "
                    f"where {rule['blocking_rule']}"
                ).fetchall()
            )
        return found
    finally:
        connection.close()


def test_every_pair_the_decision_takes_for_siblings_is_blocked_either_way_round():
    blocked = _blocked()
    kin = {
        (i, j)
        for (i, one), (j, other) in itertools.product(enumerate(RECORDS), repeat=2)
        if siblings(one, other)
    }
    assert len(kin) > 20, "the records give siblings of every kind, names swapped included"
    assert kin <= blocked
    assert {(j, i) for i, j in kin} <= blocked  # a report on either side of the pair
    # and only pairs born the same day with a family name in common, either read swapped
    for i, j in blocked:
        one, other = RECORDS[i], RECORDS[j]
        assert one["date_of_birth"] is not None
        assert one["date_of_birth"] == other["date_of_birth"]
        assert any(
            one[mine] is not None and one[mine] == other[theirs]
            for mine, theirs in (
                ("family_name", "family_name"),
                ("family_name", "given_name"),
                ("given_name", "family_name"),
            )
        )
