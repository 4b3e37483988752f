"""The decision rule weighs only the strongest candidates, so relinking may hand it just
those: the decision is the same as on all of them, ties and duplicates of weight included."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from docket.departures.decision import SHOWN, Candidate, decide, strongest
from docket.departures.linkage import record

REPORT = record({"given_name": "Ana", "family_name": "Silva", "date_of_birth": "1990-01-02"})
PERSON = record({"given_name": "Ana", "family_name": "Silva", "date_of_birth": "1990-01-02"})
TWIN = record({"given_name": "Rosa", "family_name": "Silva", "date_of_birth": "1990-01-02"})

# Few distinct weights, so ties are common; a report in a batch can have thousands.
weights = st.sampled_from([-20.0, -6.6, 0.0, 3.0, 8.0, 9.97, 10.0, 15.0, 20.0])
scored = st.lists(
    st.tuples(st.text("abcdef", min_size=1, max_size=3), weights),
    max_size=40,
    unique_by=lambda c: c[0],
)


@given(scored, st.sets(st.text("abcdef", min_size=1, max_size=3)))
def test_the_strongest_candidates_decide_as_all_of_them_do(pairs, twins):
    fields = {pid: TWIN if pid in twins else PERSON for pid, _ in pairs}

    def candidates(of: list[tuple[str, float]] | tuple[tuple[str, float], ...]) -> list:
        return [Candidate(pid, fields[pid], weight) for pid, weight in of]

    kept = strongest(pairs)
    assert len(kept) == min(len(pairs), SHOWN)
    assert decide(REPORT, candidates(list(kept))) == decide(REPORT, candidates(pairs))
