"""Regrouping after reports move (a review decision, a relink): their parties collapsed into
departures again from their reports, the counts moved by the change, and a departure newly
confirmed recorded on the person's open cases."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from docket.cases.model import Case
from docket.departures.collapse import Counted, Departure, absorb, replay
from docket.departures.counts import Counts, contributions, report_contributions, total
from docket.departures.model import Report
from docket.departures.ports import DepartureWrite, StoredReport
from docket.departures.service import counted_for, record_on_cases


def report_key(stored: StoredReport) -> str:
    return "/".join(stored.report.key)


def counted_moving(
    tx: DepartureWrite, person_id: str, cases: Sequence[Case], report: Report
) -> Counted:
    """How a report moved to ``person_id`` (by a reviewer's link, by a relink) counts: as the
    departure of theirs it falls within reach of counts, else as a report of them arriving now
    (:func:`~docket.departures.service.counted_for`).

    A departure counts under the case it was first counted under, as at intake, where a
    report joining a departure never changes it. A moved report keeps its place in the order
    reports were accepted, so it may come first when its party is collapsed again: counted
    as of now (a voluntary-departure case its departure has closed is no longer open), it
    would take the departure from the case it closed and from the compliance figures."""
    party = f"person:{person_id}"
    existing = tx.departures_taking(party, report.departed_on)
    if not existing:
        return counted_for(tx, person_id, cases, report.departed_on)
    joined = absorb(existing, report, Counted(party), departure_id="")
    return Counted(party, joined.programme, joined.vd_deadline_on, joined.case_ref)


def regroup(
    tx: DepartureWrite,
    moves: Sequence[tuple[StoredReport, StoredReport]],
    *,
    actor: str,
    now: dt.datetime,
) -> tuple[dict[str, str], tuple[str, ...]]:
    """Reports resolved anew, each as (before, after): store them, collapse every party they
    leave or join into departures again from its reports (as the recount would), move the
    counts by the change, and record a departure that has just become confirmed for a person
    on the person's open cases. The departure each moved report is now in, and the case
    events recorded."""
    tx.update_reports([after for _, after in moves])
    change: list[Counts] = []
    moved = {report_key(after): after for _, after in moves}
    for before, after in moves:
        change.append(report_contributions(after.report, after.status))
        change.append(_negated(report_contributions(before.report, before.status)))
    parties = list(dict.fromkeys(p for b, a in moves for p in (b.counted.party, a.counted.party)))
    members: dict[str, list[StoredReport]] = {party: [] for party in parties}
    for party, reports in tx.reports_of_parties(parties).items():
        members[party].extend(s for s in reports if report_key(s) not in moved)
    for after in moved.values():
        members[after.counted.party].append(after)
    old_departures = tx.departures_of_parties(parties)
    owners: dict[str, str] = {}
    replaced: list[Departure] = []
    created: list[Departure] = []
    confirmed: list[tuple[str, Departure, Report]] = []
    for party in parties:
        reports = sorted(members[party], key=lambda s: s.seq)
        old = old_departures.get(party, [])
        new, owned = replay([(s.report, s.counted, s.intake_departure_id) for s in reports])
        owners.update(zip([report_key(s) for s in reports], owned, strict=True))
        replaced.extend(old)
        created.extend(new)
        change.append(_change(old, new))
        person_id = reports[0].person_id if reports else None
        if person_id is None:
            continue
        was_confirmed = {d.departure_id for d in old if d.confirmed}
        for departure in new:
            mine = [s for s, o in zip(reports, owned, strict=True) if o == departure.departure_id]
            arrived = [s for s in mine if report_key(s) in moved]
            stayed = [s for s in mine if report_key(s) not in moved]
            if (
                departure.confirmed
                and arrived
                and not any(s.departure_id in was_confirmed for s in stayed)
            ):
                confirmed.append((person_id, departure, arrived[0].report))
    tx.replace_departures(replaced, created, owners)
    tx.add_counts(total(change))
    recorded: list[str] = []
    opened = tx.open_cases_of_persons(list(dict.fromkeys(p for p, _, _ in confirmed)))
    for person_id, departure, report in confirmed:
        # Recording a departure changes the person's cases: a second one reads them again.
        cases = opened.pop(person_id) if person_id in opened else tx.open_cases_of(person_id)
        recorded.extend(record_on_cases(tx, cases, departure, report, actor=actor, now=now))
    return owners, tuple(recorded)


def _change(old: Sequence[Departure], new: Sequence[Departure]) -> Counts:
    """The counts' change when the departures ``old`` become ``new``."""
    out: Counts = Counter()
    for departure in new:
        out.update(contributions(departure))
    for departure in old:
        out.subtract(contributions(departure))
    return Counter({key: n for key, n in out.items() if n})


def _negated(counts: Counts) -> Counts:
    return Counter({key: -n for key, n in counts.items()})
