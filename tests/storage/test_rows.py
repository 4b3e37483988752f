"""The row forms made ahead of a write agree with what verification recomputes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from docket.audit.chain import link_body
from docket.storage.rows import EVENT_COLUMNS, copy_field, copy_line, event_body

_VALUE = st.one_of(st.text(), st.integers(), st.dates().map(lambda day: day.isoformat()))


@given(values=st.tuples(*(_VALUE for _ in EVENT_COLUMNS)))
def test_the_precomputed_event_body_is_the_chains_link_body(values):
    assert event_body(values) == link_body(dict(zip(EVENT_COLUMNS, values, strict=True)))


_FIELD = st.one_of(st.none(), st.integers(), st.text(alphabet=st.sampled_from("ab\\\tN\n\r.é")))


@given(values=st.lists(_FIELD, max_size=8).map(tuple))
def test_a_copy_line_escapes_each_field_as_copy_field_does(values):
    assert copy_line(values) == "\t".join(copy_field(value) for value in values) + "\n"


def test_copy_fields_escape_backslash_tab_and_line_breaks_and_mark_null():
    assert copy_field(None) == "\\N"
    assert copy_field("\\N") == "\\\\N"
    assert copy_field("a\tb\nc\rd\\e") == "a\\tb\\nc\\rd\\\\e"
    assert copy_field(7) == "7"
