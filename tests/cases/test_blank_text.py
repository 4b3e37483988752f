"""Text that shows nothing (spaces, and invisible characters such as the zero-width space
U+200B) is no reason, nor any other required text: refused as a blank one is. Invisible
characters inside text that shows something are kept as given."""

from __future__ import annotations

import datetime as dt

import pytest

from docket.cases import lifecycle
from docket.cases.events import EventKind
from docket.cases.model import CaseState
from docket.errors import InvalidInput
from docket.priority.switch import written_reason
from tests.cases.scenarios import NOW, in_state

K = EventKind
S = CaseState

INVISIBLE = [
    "\u200b",  # zero-width space
    "\u200b" * 12,
    "\u200c\u200d\u2060\ufeff",  # zero-width non-joiner and joiner, word joiner, BOM
    " \u200b\t\u00a0",  # with spaces
    "\u00ad\u200e\u200f\u202a\u202c",  # soft hyphen, direction marks and embeddings
    "\u3164\u115f\u2800",  # Hangul fillers, blank Braille pattern
    "\u034f\ufe0f",  # combining grapheme joiner, variation selector: nothing to sit on
    "\U000e0020\U000e0041",  # tag characters
]


@pytest.mark.parametrize("text", INVISIBLE)
def test_a_reason_that_shows_nothing_is_refused_like_a_blank_one(text):
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    with pytest.raises(InvalidInput) as refused:
        scheduled.then(K.REMOVAL_CANCELLED, reason=text)
    assert refused.value.details == {"field": "reason"}
    assert "invisible characters" in refused.value.message
    with pytest.raises(InvalidInput) as spaces:
        scheduled.then(K.REMOVAL_CANCELLED, reason="   ")
    assert spaces.value.details == refused.value.details


@pytest.mark.parametrize("text", ["\u200b" * 12, "\u200b" * 9 + "why"])
def test_a_written_reason_counts_only_the_characters_that_show(text):
    with pytest.raises(InvalidInput) as refused:
        written_reason(text, required=True, what="an override")
    assert refused.value.details == {"field": "reason"}


@pytest.mark.parametrize("text", INVISIBLE)
def test_an_optional_reason_that_shows_nothing_is_kept_as_none_given(text):
    assert written_reason(text, required=False, what="an acceptance") == ""


@pytest.mark.parametrize(
    "text", ["flight\u200bcancelled", "e\u0301", "\u200b.", "\u05d0", "\U0001f6eb", "\ue000"]
)
def test_text_that_shows_something_is_kept_as_given(text):
    scheduled = in_state(S.REMOVAL_SCHEDULED)
    cancelled = scheduled.then(K.REMOVAL_CANCELLED, reason=text)
    assert cancelled.events[-1].data["reason"] == text
    assert written_reason(f"{text} in full words", required=True, what="x").startswith(text)


@pytest.mark.parametrize("text", INVISIBLE)
def test_an_actor_or_a_document_that_shows_nothing_is_refused_like_a_blank_one(text):
    charged = in_state(S.CHARGED)
    for field in ("actor", "document_ref"):
        provenance = {"actor": "officer.test", "document_ref": "DOC-1", field: text}
        with pytest.raises(InvalidInput) as refused:
            lifecycle.record(
                charged.case,
                kind=K.HEARING_SCHEDULED,
                fields={"hearing_on": (charged.on + dt.timedelta(days=30)).isoformat()},
                occurred_on=charged.on,
                recorded_at=NOW,
                **provenance,
            )
        assert refused.value.details == {"field": field}
