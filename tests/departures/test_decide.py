"""The decision rule weighs only the strongest candidates, so relinking may hand it just
those, and the others only to look for siblings: the decision is the same as on all of them,
ties and duplicates of weight included. A twin is found however unlikely the model makes it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from docket.departures.decision import AUTO_LINK, SHOWN, Candidate, decide, siblings, strongest
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
    # strongest first, by weight then person id: relinking takes the first as the best
    assert list(kept) == sorted(kept, key=lambda c: (-c[1], c[0]))
    if kept:
        assert kept[0] == min(pairs, key=lambda c: (-c[1], c[0]))
    rest = [pair for pair in pairs if pair not in kept]
    assert decide(REPORT, candidates(list(kept)), candidates(rest)) == decide(
        REPORT, candidates(pairs)
    )


def test_a_twin_the_model_makes_unlikely_still_sends_the_report_to_review():
    """The twin's weight puts it below 0.01 and behind five strangers: not among the
    candidates shown, yet the reason to doubt the best one."""
    stranger = record({"given_name": "Ines", "family_name": "Moura", "date_of_birth": "1990-01-02"})
    others = [Candidate(f"p{n}", stranger, -8.0 - n) for n in range(SHOWN)]
    twin = Candidate("twin", TWIN, -25.0)
    assert twin.probability < 0.01
    best = Candidate("ana", PERSON, 20.0)
    found = decide(REPORT, [best, *others, twin])
    assert (found.status, found.reason) == ("review", "the candidates look like siblings or twins")
    assert found.candidates[0] == best
    assert twin in found.candidates  # the reviewer sees the twin
    # relinking hands it the strongest, and the rest to look for siblings: the same decision
    assert decide(REPORT, [best, *others[:4]], [others[4], twin]) == found
    assert decide(REPORT, [best, *others]).status == "linked"  # no twin: it links


def test_a_second_candidate_likely_enough_to_link_by_itself_sends_the_report_to_review():
    """Two persons each at or above the auto-link probability: the model is nearly sure of
    both, and at most one can be the traveller (or the two records are one person's), however
    far apart their weights. A person decides."""
    other = record({"given_name": "Ana", "family_name": "Silva", "date_of_birth": "1990-01-03"})
    best = Candidate("ana", PERSON, 20.0)
    second = Candidate("ana-2", other, 12.0)  # 8 bits behind: not "close"
    assert second.probability >= AUTO_LINK
    found = decide(REPORT, [best, second])
    assert (found.status, found.reason) == ("review", "two candidates are each likely enough")
    assert found.candidates == (best, second)
    below = Candidate("ana-2", other, 9.9)  # just under the auto-link probability
    assert below.probability < AUTO_LINK
    assert decide(REPORT, [best, below]).status == "linked"


def test_a_twin_is_shown_to_the_reviewer_whatever_sends_the_report_to_review():
    """Two close candidates send the report to review before the twin is weighed: the twin,
    far behind them, is still among the candidates the reviewer sees."""
    stranger = record({"given_name": "Ines", "family_name": "Moura", "date_of_birth": "1990-01-02"})
    best, close = Candidate("ana", PERSON, 20.0), Candidate("ines", stranger, 18.0)
    others = [Candidate(f"p{n}", stranger, -8.0 - n) for n in range(SHOWN)]
    twin = Candidate("twin", TWIN, -25.0)
    found = decide(REPORT, [best, close, *others, twin])
    assert (found.status, found.reason) == ("review", "two candidates are close")
    assert twin in found.candidates
    assert decide(REPORT, [best, close, *others[:3]], [*others[3:], twin]) == found


def test_twins_whose_given_names_are_written_in_another_script_are_told_apart():
    """Two given names that are not one name misspelt, in Cyrillic, Georgian, Arabic: over
    their UTF-8 bytes the shared lead bytes make them alike enough to pass for one name, and
    the twins for one person; over their characters they are two names."""
    for first, other, family in (
        ("анна", "алла", "иванова"),
        ("ნინო", "ნანა", "ბერიძე"),
        ("أحمد", "أمجد", "حداد"),
        ("светлана", "снежана", "петрова"),
    ):
        one = record({"given_name": first, "family_name": family, "date_of_birth": "1995-07-01"})
        twin = {**one, "given_name": other}
        assert siblings(one, twin), (first, other)
    # one name written two ways is still one person's
    hanna = record({"given_name": "hanna", "family_name": "demir", "date_of_birth": "1995-07-01"})
    assert not siblings(hanna, {**hanna, "given_name": "hana"})
