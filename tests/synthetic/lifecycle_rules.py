"""The lifecycle rules a generated case row must keep, as a checker the synthetic data's tests
run on every row (and on rows broken on purpose, to show that it catches them)."""

from __future__ import annotations

import datetime as dt
import re

from docket.cases.codes import COUNTRIES, LANGUAGES, US_STATES
from docket.synthetic import CASE_COLUMNS

STATES = (
    "identified", "charged", "in_proceedings", "relief_granted", "terminated",
    "voluntary_departure", "removal_ordered", "final_order", "removal_scheduled", "removed",
    "closed",
)  # fmt: skip
DECIDED = {"relief_granted", "terminated", "voluntary_departure", "removal_ordered"}
AFTER_ORDER = {"final_order", "removal_scheduled", "removed"}
OPEN = set(STATES) - {"removed", "closed"}
CLOSE_DECISION = {
    "relief": "relief_granted",
    "termination": "terminated",
    "departure_confirmed": "voluntary_departure",
    "removal_executed": "removal_ordered",
}
BARS = {
    "pending_appeal", "stay_of_removal", "citizenship_claim", "protected_status",
    "motion_to_reopen_stay", "unaccompanied_minor", "medical_hold",
}  # fmt: skip
OFFICES = {
    "ATL", "BAL", "BOS", "BUF", "CHI", "DAL", "DEN", "DET", "ELP", "HOU", "LOS", "MIA", "NEW",
    "NOL", "NYC", "PHI", "PHO", "SEA", "SFR", "SLC", "SNA", "SND", "SPM", "WAS",
}  # fmt: skip
CUSTODY = {"none", "detained", "bond", "recognizance", "atd"}
DATE_COLUMNS = [c for c in CASE_COLUMNS if c.endswith(("_on", "_for")) or c == "date_of_birth"]


def day(row: dict[str, str], column: str) -> dt.date | None:
    text = row[column]
    return dt.date.fromisoformat(text) if text else None


def age_on(born: dt.date, when: dt.date) -> int:
    return when.year - born.year - ((when.month, when.day) < (born.month, born.day))


def problems(row: dict[str, str], as_of: dt.date) -> list[str]:
    """Every rule of the synthetic docket that ``row`` breaks (empty when it keeps them all)."""
    found: list[str] = []

    def rule(ok: object, message: str) -> None:
        if not ok:
            found.append(message)

    d = {c: day(row, c) for c in DATE_COLUMNS}
    state, decision, reason = row["state_of_case"], row["decision"], row["close_reason"]
    bars = row["bars"].split(";") if row["bars"] else []
    opened, charged, hearing = d["opened_on"], d["charged_on"], d["hearing_on"]
    decided, appeal, deadline = d["decided_on"], d["appeal_filed_on"], d["vd_deadline_on"]
    final, scheduled, removed = d["final_on"], d["removal_scheduled_for"], d["removed_on"]
    closed, custody_on, born = d["closed_on"], d["custody_on"], d["date_of_birth"]
    departed = d["departed_on"]

    # Identity and address fields.
    rule(re.fullmatch(r"DKT-\d{8}", row["case_ref"]), "case_ref shape")
    rule(re.fullmatch(r"(A\d{9})?", row["a_number"]), "a_number shape")
    for column in ("given_name", "family_name", "address_line", "city"):
        rule(row[column], f"{column} missing")
    for column in ("given_name", "family_name", "aliases", "counsel"):
        rule(re.fullmatch(r"[^\W\d_]*([ '\-;,.][^\W\d_]*)*", row[column]), f"{column} letters")
        try:
            row[column].encode("latin-1")
        except UnicodeEncodeError:
            found.append(f"{column} outside Latin-1")
    for alias in row["aliases"].split(";") if row["aliases"] else []:
        rule(" " in alias, "alias is not a given and family name")
        rule(alias != f"{row['given_name']} {row['family_name']}", "alias repeats the name")
    rule(born and 1 <= age_on(born, as_of) <= 85, "age outside 1..85")
    rule(row["sex"] in ("F", "M", "X"), "sex")
    rule(row["citizenship"] in COUNTRIES, "citizenship code")
    rule(row["language"] in LANGUAGES, "language code")
    rule(re.fullmatch(r"\d{5}", row["postcode"]), "postcode")
    rule(row["state"] in US_STATES, "US state")
    rule(re.fullmatch(r"([A-Z0-9]{9})?", row["document_number"]), "document number shape")
    rule(row["field_office"] in OFFICES, "field office")

    # State and decision.
    rule(state in STATES, "unknown state")
    if state in ("identified", "charged", "in_proceedings"):
        rule(decision == "", "decision before any decision")
    if state in DECIDED:
        rule(decision == state, "decision differs from the decided state")
    if state in AFTER_ORDER:
        rule(decision in ("removal_ordered", "voluntary_departure"), "no order behind the state")
    if state == "closed":
        rule(reason in (*CLOSE_DECISION, "citizenship_verified", "duplicate", "other"), "reason")
        rule(closed is not None, "closed without closed_on")
        if reason in CLOSE_DECISION:
            rule(decision == CLOSE_DECISION[reason], "decision differs from close reason")
        if reason in ("relief", "termination") and decided is not None and appeal is None:
            window_over = decided + dt.timedelta(days=30)
            rule(closed is not None and closed > window_over, "closed in the appeal window")
    else:
        rule(not reason and closed is None, "closing data on an open case")
    rule(decision in ("", *DECIDED), "unknown decision")
    rule((decided is not None) == bool(decision), "decided_on without decision or vice versa")
    if decision == "removal_ordered":
        rule(row["in_absentia"] in ("true", "false"), "in_absentia missing on a removal order")
    else:
        rule(row["in_absentia"] == "", "in_absentia without a removal order")

    # Dates: present where the state needs them, in order, and not in the future.
    rule(opened is not None, "opened_on missing")
    rule((charged is None) == (state == "identified") or state == "closed", "charged_on")
    exempt = {"hearing_on", "removal_scheduled_for", "vd_deadline_on"}
    for column, value in d.items():
        if value is not None and column not in exempt:
            rule(value <= as_of, f"{column} in the future")
    chain = [v for v in (opened, charged, decided, final, removed, closed) if v is not None]
    rule(chain == sorted(chain), "chained dates out of order")
    if state == "in_proceedings":
        rule(hearing is not None, "no hearing in proceedings")
    if hearing is not None:
        rule(charged is not None and hearing >= charged, "hearing before the charge")
        limit = as_of + dt.timedelta(days=300) if state == "in_proceedings" else as_of
        rule(hearing <= limit, "hearing too far ahead")
        if decided is not None:
            rule(hearing <= decided, "hearing after the decision")
    if appeal is not None:
        rule(decision in ("removal_ordered", "relief_granted", "terminated"), "appeal of what")
        rule(decided and decided <= appeal <= decided + dt.timedelta(days=30), "appeal window")
        rule(row["in_absentia"] != "true", "appeal of an in-absentia order")
    if state == "removal_ordered":
        if appeal is not None:
            rule("pending_appeal" in bars, "appeal without pending_appeal bar")
        else:
            rule(decided and (as_of - decided).days < 30, "unappealed order should be final")
    if decision == "voluntary_departure":
        rule(decided and deadline, "voluntary departure without deadline")
        if decided and deadline:
            rule(60 <= (deadline - decided).days <= 120, "deadline not 60..120 days")
            if state == "voluntary_departure":
                rule(deadline >= as_of, "deadline passed but still in voluntary_departure")
            if state in AFTER_ORDER:
                rule(deadline < as_of, "deadline not passed but order final")
                rule(final == deadline + dt.timedelta(days=1), "final_on is not deadline + 1")
    else:
        rule(deadline is None, "deadline without voluntary departure")
    # Confirmed, the departure was in time: between the grant and the deadline.
    confirmed = state == "closed" and reason == "departure_confirmed"
    rule((departed is not None) == confirmed, "departed_on iff a confirmed departure")
    if departed is not None:
        rule(decided and deadline and decided <= departed <= deadline, "departure not in time")
    executed = state == "closed" and reason == "removal_executed"
    rule((final is not None) == (state in AFTER_ORDER or executed), "final_on")
    if final is not None and decision == "removal_ordered" and decided:
        if appeal is None and row["in_absentia"] == "true":
            rule(final == decided + dt.timedelta(days=30), "final_on is not decided + 30")
        elif appeal is None:  # final the day after the last day to appeal
            rule(final == decided + dt.timedelta(days=31), "final_on is not decided + 31")
        else:
            rule(final > appeal, "final before the appeal was dismissed")
    if state == "removal_scheduled":
        rule(scheduled and as_of <= scheduled <= as_of + dt.timedelta(days=60), "schedule")
    elif state == "removed" or executed:
        rule(scheduled and removed and scheduled == removed, "removed_on differs from schedule")
        rule(final and removed and removed >= final, "removed before the order was final")
    else:
        rule(scheduled is None and removed is None, "removal dates on a case not removed")
    if closed is not None:
        rule(all(v <= closed for k, v in d.items() if v and k != "date_of_birth"), "after close")

    # Custody, bars, counsel.
    custody = row["custody"]
    rule(custody in CUSTODY, "custody value")
    rule(state in OPEN or custody == "none", "custody on a case that has ended")
    rule((custody_on is not None) == (custody != "none"), "custody_on iff custody")
    if custody_on is not None and opened is not None:
        rule(opened <= custody_on <= as_of, "custody_on outside the case")
    rule(set(bars) <= BARS and len(set(bars)) == len(bars), "unknown or repeated bar")
    rule(state in OPEN or not bars, "bar on a case that has ended")
    if "pending_appeal" in bars:
        ok = appeal is not None and state in ("removal_ordered", "relief_granted", "terminated")
        rule(ok, "pending_appeal without a pending appeal")
    if "motion_to_reopen_stay" in bars:
        rule(state in ("removal_ordered", "final_order", "removal_scheduled"), "reopen where")
        rule(row["in_absentia"] == "true", "automatic stay on an order not made in absentia")
    if "stay_of_removal" in bars:
        rule(state in ("removal_ordered", "final_order", "removal_scheduled"), "stay where")
    if "unaccompanied_minor" in bars:
        rule(born and age_on(born, as_of) < 18, "unaccompanied minor who is an adult")
    if "medical_hold" in bars:
        rule(custody == "detained", "medical hold while not detained")
    if state == "removal_scheduled":
        rule(len(bars) <= 1, "more than a last-minute bar on a scheduled removal")
    if row["counsel"]:
        rule(state not in ("identified", "charged"), "counsel before proceedings")
        rule(row["counsel"].endswith(", Esq."), "counsel format")
    return found
