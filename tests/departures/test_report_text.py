"""The text of a departure report as its content: the same words written in another Unicode
form (composed or decomposed accents, full-width digits) or with other runs of spaces are the
same content, so a resubmission is a duplicate, not a conflict; an identifier with digits that
are not ASCII is normalised, or refused when it has no ASCII form."""

from __future__ import annotations

import unicodedata

import pytest

from docket.bootstrap import Docket
from docket.departures.model import parse_report
from docket.departures.service import Outcome
from docket.errors import InvalidInput
from tests.departures.intake_cases import report, vd_case
from tests.departures.test_intake import take


def test_a_name_composed_or_decomposed_is_the_same_content(docket: Docket) -> None:
    composed = report(given_name=unicodedata.normalize("NFC", "José"))
    decomposed = report(given_name=unicodedata.normalize("NFD", "José"))
    assert decomposed.report.given_name == composed.report.given_name
    take(docket, composed)
    again = take(docket, decomposed)
    assert again.results[0].outcome is Outcome.DUPLICATE


def test_runs_of_spaces_inside_a_value_are_one_space() -> None:
    assert report(given_name="Ana  Maria").report.content_hash() == (
        report(given_name="Ana Maria").report.content_hash()
    )
    assert report(address_line="1 Main\tStreet").report.address_line == "1 Main Street"


def test_full_width_digits_in_an_a_number_or_a_document_are_the_ascii_ones(
    docket: Docket,
) -> None:
    vd_case(docket, "012345678")
    wide = report(a_number="Ａ０１２３４５６７８", document_number="Ｐ１２３")
    assert (wide.report.a_number, wide.report.document_number) == ("A012345678", "P123")
    assert take(docket, wide).results[0].status.value == "linked"
    ascii_form = report(a_number="A012345678", document_number="P123")
    assert take(docket, ascii_form).results[0].outcome is Outcome.DUPLICATE


def test_an_a_number_in_digits_of_another_script_is_refused() -> None:
    with pytest.raises(InvalidInput, match="a_number: not an A-number"):
        report(a_number="A٠١٢٣٤٥٦٧٨")  # Arabic-Indic digits


@pytest.mark.parametrize("invisible", ["\u200b", "\u00ad\u200b", "\u2060"])
def test_a_record_id_or_names_that_show_nothing_are_no_record_id_and_no_name(
    invisible: str,
) -> None:
    fields = {"source_record_id": "E-1", "family_name": "Reyes", "departed_on": "2026-01-02"}
    with pytest.raises(InvalidInput, match="source_record_id: required"):
        parse_report("exit_record", {**fields, "source_record_id": invisible})
    with pytest.raises(InvalidInput, match="at least one of given_name and family_name"):
        parse_report("exit_record", {**fields, "given_name": invisible, "family_name": invisible})
    # text that shows something keeps its invisible characters, as given
    named = parse_report("exit_record", {**fields, "given_name": invisible})
    assert named.report.given_name == invisible
