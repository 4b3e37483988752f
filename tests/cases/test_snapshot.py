"""Plain-data forms: lossless round trips, and the memoised texts equal canonical JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from docket.cases import snapshot
from docket.cases.model import CaseState
from tests.builders import a_person
from tests.cases import scenarios


def test_a_case_in_every_state_survives_the_round_trip():
    for state in CaseState:
        case = scenarios.in_state(state).case
        assert snapshot.case_from_dict(json.loads(snapshot.case_text(case))) == case


def test_a_person_survives_the_round_trip():
    person = a_person(a_number="A201234567")
    assert snapshot.person_from_dict(json.loads(snapshot.person_text(person))) == person


def test_creation_events_share_their_texts_and_the_texts_are_canonical():
    from docket.cases import lifecycle, persons

    person_event, person = persons.register_person(
        a_person(), actor="a", document_ref="d", recorded_at=scenarios.NOW
    )
    case = scenarios.in_state(CaseState.FINAL_ORDER).case
    case_event, case = lifecycle.import_case(
        case,
        history={"opened_on": "2025-01-06"},
        actor="a",
        document_ref="d",
        recorded_at=scenarios.NOW,
    )
    for event in (person_event, case_event):
        text = snapshot.event_data_text(event)
        assert (
            text == snapshot.canonical_json(json.loads(text)) == snapshot.canonical_json(event.data)
        )
    assert snapshot.person_text(person) == snapshot.canonical_json(snapshot.person_to_dict(person))
    assert snapshot.case_text(case) == snapshot.canonical_json(snapshot.case_to_dict(case))


_STANDARD = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False)
_PLAIN = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(value=_PLAIN)
def test_canonical_json_is_the_standard_encoders_sorted_compact_text(value):
    assert snapshot.canonical_json(value) == _STANDARD.encode(value)


def test_what_the_fast_encoder_refuses_still_gets_the_standard_text():
    awkward = {"big": 2**70, "nested": {1: "integer key", 2: [-(2**65)]}}
    assert snapshot.canonical_json(awkward) == _STANDARD.encode(awkward)


def test_datetimes_are_refused_as_by_the_standard_encoder():
    with pytest.raises(TypeError):
        snapshot.canonical_json({"at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)})


@given(value=_PLAIN)
def test_parse_json_reads_back_what_canonical_json_wrote(value):
    # st.text() includes lone surrogates, which only the standard encoder writes
    assert snapshot.parse_json(snapshot.canonical_json(value)) == value


def test_parse_json_reads_what_only_the_standard_encoder_writes():
    awkward = {"big": 2**70, "lone": "\ud800", "nested": [-(2**65)]}
    assert snapshot.parse_json(snapshot.canonical_json(awkward)) == awkward


@pytest.mark.parametrize("number", [2**63, 2**64, 2**64 + 1, -(2**63) - 1, -(2**64) - 1])
def test_an_integer_beyond_64_bits_is_read_back_as_that_integer(number):
    for text in (snapshot.canonical_json([number]), snapshot.canonical_json([number]).encode()):
        [read] = snapshot.parse_json(text)
        assert (type(read), read) == (int, number)
