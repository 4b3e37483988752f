"""Departure intake through the one service, on each backend: idempotency, refusals that
write nothing, collapsing into departures, the case effects and the live metrics."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from docket.bootstrap import Docket
from docket.cases.events import EventKind
from docket.cases.model import BarKind, CaseState
from docket.cases.service import get_case, record_event
from docket.departures.metrics import metrics, recount
from docket.departures.model import Parsed, Status
from docket.departures.relink import links
from docket.departures.service import IntakeSummary, Outcome, accept_reports
from docket.errors import IdempotencyConflict, InvalidInput, RuleViolation
from tests.departures.intake_cases import IN_PROCEEDINGS, TODAY, case_of, report, vd_case
from tests.fakes import FixedClock


def take(docket: Docket, *reports: Parsed, refuse: bool = True) -> IntakeSummary:
    return accept_reports(
        store=docket.departures,
        clock=docket.clock,
        actor="intake.test",
        reports=list(reports),
        refuse_conflicts=refuse,
    )


def live(docket: Docket) -> dict[str, Any]:
    return metrics(store=docket.departures, clock=docket.clock).to_dict()


def test_a_duplicate_records_nothing_and_a_conflicting_one_is_refused(docket: Docket) -> None:
    first = take(docket, report())
    assert first.accepted == 1
    again = take(docket, report())
    assert (again.accepted, again.duplicates) == (0, 1)
    assert again.results[0].departure_id == first.results[0].departure_id
    with pytest.raises(IdempotencyConflict, match="different content"):
        take(docket, report(record_id="X-2"), report(port="MIA"))
    # the refused batch wrote nothing, not even its good report
    assert [row["source_record_id"] for row in links(store=docket.departures)] == ["X-1"]
    assert live(docket)["reports_received"]["total"] == 1
    skipped = take(docket, report(record_id="X-2"), report(port="MIA"), refuse=False)
    assert (skipped.accepted, skipped.conflicts) == (1, 1)


def test_two_different_unreadable_birth_dates_under_one_key_are_a_conflict(
    docket: Docket,
) -> None:
    assert take(docket, report(date_of_birth="31/02/1980")).accepted == 1
    again = take(docket, report(date_of_birth="31/02/1980"))
    assert (again.accepted, again.duplicates) == (0, 1)
    with pytest.raises(IdempotencyConflict, match="different content"):
        take(docket, report(date_of_birth="not known"))
    with pytest.raises(IdempotencyConflict, match="different content"):
        take(docket, report(date_of_birth=""))  # nothing given is different content too
    with pytest.raises(InvalidInput, match="more than once"):
        take(
            docket,
            report(record_id="B", date_of_birth="31/02/1980"),
            report(record_id="B", date_of_birth="not known"),
        )
    # read back from the store, the report is what was given, its hash as it was taken
    with docket.departures.read() as tx:
        [stored] = tx.reports_by_key([("exit_record", "X-1")]).values()
    assert stored.report.date_of_birth is None
    assert stored.report.content()["date_of_birth_as_given"] == "31/02/1980"
    assert stored.report.content_hash() == stored.content_hash
    assert recount(store=docket.departures).agrees


def test_a_readable_or_missing_birth_date_hashes_as_it_always_did() -> None:
    # content hashes as stored before an unreadable date of birth was kept as given: a change
    # here would turn every resubmission of a report taken before into a conflict
    assert report().report.content_hash() == (
        "36b0b4bb7d6c7ac3ede4fcb89c3590ff14bbfbfce0bbfe786e2401aaae09a1e9"
    )
    assert report(date_of_birth="").report.content_hash() == (
        "ffab9b0a189477ce02f4d988e83297ad2999a93a5bc725c6425bb726913d47e6"
    )


def test_bad_input_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="source_record_id: required"):
        report(record_id="")
    with pytest.raises(InvalidInput, match="at least one of given_name and family_name"):
        report(given_name="", family_name=" ")
    with pytest.raises(InvalidInput, match="departed_on: not a date"):
        report(departed_on="20/11/2026")
    with pytest.raises(InvalidInput, match="unknown source 'airline'"):
        report(source="airline")
    with pytest.raises(InvalidInput, match="a_number: not an A-number"):
        report(a_number="12-34")
    with pytest.raises(InvalidInput, match="NUL"):
        report(city="a\x00b")
    # JSON may carry one half of a UTF-16 pair, "\ud800": no UTF-8 text holds it
    with pytest.raises(InvalidInput, match="given_name: contains a lone surrogate"):
        report(given_name="Ana\ud800")
    with pytest.raises(InvalidInput, match="source_record_id: contains a lone surrogate"):
        report(record_id="X-\udfff")
    parsed = report(date_of_birth="17.05.1990")
    assert parsed.report.date_of_birth is None
    assert parsed.warnings == ("date_of_birth '17.05.1990' is not a date: kept as missing",)


def test_a_report_of_the_longest_fields_allowed_is_taken_and_counted(docket: Docket) -> None:
    # two names of 200 characters and a birth date group the reports of one unlinked
    # individual under a key of 417; a port of 200 "ß" is 400 once capitalised: PostgreSQL
    # refused them (and the whole batch) when the columns were narrower
    long_names = report(record_id="L-1", given_name="G" * 200, family_name="F" * 200)
    long_port = report(record_id="L-2", port="ß" * 200, destination_country="ß" * 200)
    summary = take(docket, long_names, long_port)
    assert [intake.outcome for intake in summary.results] == [Outcome.ACCEPTED] * 2
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["reports_received"]["total"] == 2
    assert recount(store=docket.departures).agrees


def test_a_future_departure_or_a_repeated_key_in_a_batch_writes_nothing(docket: Docket) -> None:
    with pytest.raises(InvalidInput, match="in the future"):
        take(docket, report(record_id="ok"), report(record_id="late", departed_on="2026-12-01"))
    with pytest.raises(InvalidInput, match="more than once"):
        take(docket, report(record_id="A"), report(record_id="A", port="MIA"))
    assert links(store=docket.departures) == []


def test_an_identical_report_repeated_in_a_batch_is_a_duplicate(docket: Docket) -> None:
    taken = take(docket, report(record_id="A"), report(record_id="B"), report(record_id="A"))
    assert (taken.accepted, taken.duplicates) == (2, 1)
    first, _, again = taken.results
    assert (again.outcome, again.departure_id) == (Outcome.DUPLICATE, first.departure_id)
    assert [row["source_record_id"] for row in links(store=docket.departures)] == ["A", "B"]
    assert live(docket)["reports_received"]["total"] == 2
    assert recount(store=docket.departures).agrees


def test_reports_of_one_departure_collapse_and_a_self_report_alone_is_unconfirmed(
    docket: Docket,
) -> None:
    take(docket, report("self_report", "S-1", departed_on="2026-10-01", document_number="p 123"))
    figures = live(docket)
    assert figures["unique_departures"] == {"confirmed": 0, "unconfirmed": 1, "total": 1}
    # a manifest of the same traveller 10 days later confirms the same departure
    take(
        docket, report("carrier_manifest", "M-9", departed_on="2026-10-11", document_number="P123")
    )
    figures = live(docket)
    assert figures["unique_departures"] == {"confirmed": 1, "unconfirmed": 0, "total": 1}
    assert figures["duplicates_absorbed"] == 1
    assert figures["by_source"] == {"carrier_manifest": 1, "self_report": 1}
    # more than 14 days after the last report of it, it is another departure
    take(docket, report("exit_record", "E-5", departed_on="2026-10-26", document_number="P123"))
    assert live(docket)["unique_departures"]["total"] == 2
    assert recount(store=docket.departures).agrees


def test_unlinked_travellers_whose_names_differ_only_in_vowel_signs_are_two(
    docket: Docket,
) -> None:
    """Sita and Suta Sharma, born the same day, no document, nobody on record: their names
    differ in the vowel signs of Devanagari (combining marks), which the grouping of
    unlinked reports must keep, or both read "स त" and their departures count once."""
    for record_id, given in (("D-1", "सीता"), ("D-2", "सुता")):
        take(docket, report(record_id=record_id, given_name=given, family_name="शर्मा"))
    assert live(docket)["unique_departures"]["total"] == 2
    rows = links(store=docket.departures)
    assert len({row["departure_id"] for row in rows}) == 2
    # the same name sent again in another report is the same traveller
    take(docket, report(record_id="D-3", given_name="सीता", family_name="शर्मा"))
    assert live(docket)["unique_departures"]["total"] == 2
    assert recount(store=docket.departures).agrees


def test_a_report_between_two_departures_joins_them(docket: Docket) -> None:
    take(docket, report(record_id="A", departed_on="2026-10-01"))
    take(docket, report(record_id="B", departed_on="2026-10-25"))
    assert live(docket)["unique_departures"]["total"] == 2
    take(docket, report(record_id="C", departed_on="2026-10-13"))
    figures = live(docket)
    assert figures["unique_departures"]["total"] == 1
    assert figures["by_day"] == {"2026-10-01": {"confirmed": 1}}
    assert len({row["departure_id"] for row in links(store=docket.departures)}) == 1
    assert recount(store=docket.departures).agrees


def test_a_confirmed_departure_closes_a_voluntary_departure_case(docket: Docket) -> None:
    ref = vd_case(docket)
    result = take(docket, report(a_number="A012345678", departed_on="2026-11-20"))
    assert result.results[0].status is Status.LINKED
    assert result.results[0].case_events == (f"{ref}:departure_confirmed",)
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.CLOSED
    assert case.departed_on == dt.date(2026, 11, 20)
    figures = live(docket)
    assert figures["by_programme"] == {"voluntary_departure_judge": 1}
    assert figures["voluntary_departure_compliance"]["confirmed_by_deadline"] == 1
    assert links(store=docket.departures)[0]["case_ref"] == ref
    # another report of the same departure records nothing more on the case
    again = take(docket, report("consular_verification", "C-1", a_number="012345678"))
    assert again.results[0].case_events == ()
    assert recount(store=docket.departures).agrees


def test_a_self_report_links_but_does_not_close_the_case(docket: Docket) -> None:
    ref = vd_case(docket)
    result = take(docket, report("self_report", "S-1", a_number="012345678"))
    assert result.results[0].case_events == ()
    assert get_case(uow=docket.uow, case_ref=ref).state is CaseState.VOLUNTARY_DEPARTURE


def test_a_departure_under_a_removal_order_stops_enforcement_for_legal_review(
    docket: Docket,
) -> None:
    ref = case_of(
        docket,
        "023456789",
        "DKT-RM-1",
        *IN_PROCEEDINGS,
        (EventKind.REMOVAL_ORDERED, {"in_absentia": True}),
        (EventKind.ORDER_BECAME_FINAL, {}),
        (EventKind.REMOVAL_SCHEDULED, {"scheduled_for": "2026-12-15"}),
    )
    result = take(docket, report(a_number="023456789"))
    assert result.results[0].case_events == (f"{ref}:departure_recorded",)
    case = get_case(uow=docket.uow, case_ref=ref)
    assert case.state is CaseState.FINAL_ORDER  # the scheduled removal is called off
    assert case.removal_scheduled_for is None
    assert case.has_bar(BarKind.DEPARTURE_REPORTED)
    with pytest.raises(RuleViolation, match="departure_reported"):
        record_event(
            uow=docket.uow,
            clock=docket.clock,
            case_ref=ref,
            kind=EventKind.REMOVAL_SCHEDULED,
            fields={"scheduled_for": "2026-12-20"},
            actor="officer.test",
            document_ref="I-205",
        )
    assert live(docket)["by_programme"] == {"final_order": 1}
    record_event(
        uow=docket.uow,
        clock=docket.clock,
        case_ref=ref,
        kind=EventKind.DEPARTURE_REVIEWED,
        fields={"outcome": "departure_stands"},
        actor="legal.test",
        document_ref="MEMO-1",
    )
    assert get_case(uow=docket.uow, case_ref=ref).state is CaseState.CLOSED


def test_the_case_event_and_the_report_commit_together(docket: Docket) -> None:
    """A report whose case effect is refused by the case core leaves nothing behind."""
    ref = vd_case(docket)
    with docket.engine.begin() as connection:  # a departure date after today is refused
        before = connection.scalar(sa.text("SELECT count(*) FROM events"))
    broken = dataclasses.replace(
        report(a_number="012345678").report,
        departed_on=TODAY + dt.timedelta(days=3),
    )
    with pytest.raises(InvalidInput):
        take(docket, Parsed(broken))
    with docket.engine.begin() as connection:
        assert connection.scalar(sa.text("SELECT count(*) FROM events")) == before
        assert connection.scalar(sa.text("SELECT count(*) FROM departure_reports")) == 0
    assert get_case(uow=docket.uow, case_ref=ref).state is CaseState.VOLUNTARY_DEPARTURE


def test_metrics_span_and_overdue_voluntary_departures(docket: Docket, clock: FixedClock) -> None:
    case_of(
        docket,
        "034567890",
        "DKT-VD-OLD",
        *IN_PROCEEDINGS,
        (
            EventKind.VOLUNTARY_DEPARTURE_GRANTED,
            {"deadline_on": "2026-12-01", "granted_by": "agency"},
        ),
    )
    clock.advance(days=15)
    take(docket, report(record_id="A", departed_on="2026-11-02"))
    take(docket, report(record_id="B", departed_on="2026-11-30", given_name="Luis"))
    span = metrics(
        store=docket.departures,
        clock=docket.clock,
        first_day=dt.date(2026, 11, 15),
        last_day=dt.date(2026, 11, 30),
    ).to_dict()
    assert span["unique_departures"]["total"] == 1
    assert span["by_week"] == {"2026-W49": {"confirmed": 1}}
    assert span["by_month"] == {"2026-11": {"confirmed": 1}}
    assert span["voluntary_departure_compliance"]["overdue_now"] == 1
    with pytest.raises(InvalidInput, match="is after to"):
        metrics(
            store=docket.departures,
            clock=docket.clock,
            first_day=dt.date(2026, 12, 1),
            last_day=dt.date(2026, 11, 1),
        )


@pytest.mark.parametrize("written", ["012345678", "A-012-345-678", "a012345678", "12345678"])
def test_an_a_number_written_any_usual_way_finds_the_person_as_the_case_import_stored_them(
    docket: Docket, written: str
) -> None:
    vd_case(docket, "12345678")
    result = take(docket, report(a_number=written))
    assert result.results[0].status is Status.LINKED


def test_travellers_named_by_punctuation_only_are_not_one_by_their_birth_date(
    docket: Docket,
) -> None:
    unknown = report("exit_record", "P-1", given_name="", family_name="?", document_number="")
    other = report("exit_record", "P-2", given_name="", family_name="-", document_number="")
    summary = take(docket, unknown, other)
    first, second = summary.results
    assert (first.outcome, second.outcome) == (Outcome.ACCEPTED, Outcome.ACCEPTED)
    assert first.departure_id != second.departure_id
    figures = metrics(store=docket.departures, clock=docket.clock).to_dict()
    assert figures["unique_departures"]["total"] == 2
    assert recount(store=docket.departures).agrees
