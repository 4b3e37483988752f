"""Documented facts for synthetic cases: what a prioritisation policy reads, made up but plausible.

``facts_for`` gives, for one case, the fact-recording events an officer would send (each kind
with its fields as text, as ``lifecycle.record`` takes them). The mix follows what removal
dockets look like: most people have a recorded entry and apprehension; about a third a
conviction, mostly misdemeanours, traffic and immigration offences, a minority felonies; some
are caregivers of U.S.-citizen children, have relief applications pending, serious health
conditions, are victims of or witnesses in a crime, or have served; a documented
national-security finding is rare (about one case in a thousand). No fact stands for
nationality, race, religion, language, sex or political opinion, and none is drawn from them.

Draws come from ``random.Random`` seeded with (seed, case reference), so a case always gets the
same facts, whatever else is generated and in whatever order. Pure Python, no I/O; dates are
day ordinals until they are written out.

``record_facts`` records them on a case through the lifecycle's own ``record`` (its checks and
its effects), giving the events and the case as recording them one by one would leave it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Mapping, Sequence
from datetime import date

from docket.cases import lifecycle
from docket.cases.events import Event, EventKind
from docket.cases.facts import BY_EVENT
from docket.cases.fields import FieldType
from docket.cases.model import Case
from docket.synthetic.fact_tables import (
    ADULT_YEARS,
    APPLICATIONS,
    APPREHENSION_SHARE,
    AUTHORITIES,
    CAREGIVER_DETAILS,
    CAREGIVER_SHARE,
    CATEGORIES,
    CONDITIONS,
    CONTEXT_AT_ENTRY,
    CONTEXT_LATER,
    CONVICTION_SHARE,
    CONVICTIONS_PER_PERSON,
    CRIMINAL_AGE_YEARS,
    DOCUMENTS,
    ENTRY_SHARE,
    FINDINGS,
    HEALTH_SHARE,
    MANNERS,
    MATTERS,
    NATIONAL_SECURITY_SHARE,
    OFFENCES,
    RELIEF_SHARE,
    SENTENCES,
    SERVICE_SHARE,
    SERVICES,
    VICTIM_OR_WITNESS_SHARE,
)
from docket.synthetic.names import draw

K = EventKind
Facts = list[tuple[EventKind, dict[str, str]]]
Dated = list[tuple[int, EventKind, dict[str, int | str]]]
"""Facts being drawn: (day, kind, fields with dates as day ordinals)."""

YEAR = 365.2425
EARLIEST = date(1960, 1, 1).toordinal()
"""No fact is dated before this day."""


class _Draws:
    """One case's random stream and calendar (day ordinals)."""

    def __init__(self, seed: int, case_ref: str, opened: int, today: int, born: int | None):
        # A string seed is hashed (SHA-512) by random.Random: the same on every run and machine.
        self.rnd = random.Random(f"{seed}/{case_ref}").random
        self.opened, self.today = opened, today
        self.born = born if born is not None else opened - int(35 * YEAR)
        self.first = max(self.born, EARLIEST)
        """No fact is dated before this day."""

    def chance(self, share: float) -> bool:
        return self.rnd() < share

    def day(self, lo: int, hi: int) -> int:
        """A day from ``lo`` to ``hi`` (inclusive), never after today; ``lo`` (or today) when
        the span is empty."""
        hi = min(hi, self.today)
        return min(lo, self.today) if lo >= hi else lo + int(self.rnd() * (hi - lo + 1))

    def years_after_birth(self, years: int) -> int:
        return max(EARLIEST, self.born + int(years * YEAR))

    def pick(self, items: Sequence[str]) -> str:
        return draw(items, self.rnd)


def facts_for(
    case_ref: str,
    *,
    seed: int,
    opened_on: date,
    as_of: date,
    born_on: date | None = None,
) -> Facts:
    """The fact-recording events of one case: each kind with its fields as text (dates as
    ``YYYY-MM-DD``, none after ``as_of``), in the order of their dates. The same arguments
    always give the same facts. ``born_on`` (the person's date of birth, when known) keeps
    facts of adulthood (a conviction, caring for a child, service) after it."""
    if opened_on > as_of:
        raise ValueError(f"case {case_ref} opened on {opened_on}, after {as_of}")
    d = _Draws(
        seed,
        case_ref,
        opened_on.toordinal(),
        as_of.toordinal(),
        born_on.toordinal() if born_on else None,
    )
    dated: Dated = []
    entry = _entry(d, dated)
    entered = entry[0] if entry else None
    _apprehension(d, dated, entry)
    if d.chance(CONVICTION_SHARE):
        for _ in range(draw(CONVICTIONS_PER_PERSON, d.rnd)):
            _conviction(d, dated, entered)
    if d.chance(NATIONAL_SECURITY_SHARE):
        found = d.day(max(d.first, d.opened - int(3 * YEAR)), d.today)
        fields: dict[str, int | str] = {
            "finding": d.pick(FINDINGS),
            "authority": d.pick(AUTHORITIES),
            "found_on": found,
        }
        dated.append((found, K.NATIONAL_SECURITY_FINDING_RECORDED, fields))
    adult_from = d.years_after_birth(ADULT_YEARS)
    if d.chance(CAREGIVER_SHARE) and adult_from <= d.opened:
        since = d.day(max(adult_from, entered or d.first), d.opened)
        fields = {"since_on": since}
        detail = d.pick(CAREGIVER_DETAILS)
        if detail:
            fields["detail"] = detail
        dated.append((since, K.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED, fields))
    if d.chance(RELIEF_SHARE):
        filed = d.day(max(entered or d.first, d.opened - int(2 * YEAR)), d.today)
        fields = {"application": d.pick(APPLICATIONS), "filed_on": filed}
        dated.append((filed, K.RELIEF_APPLICATION_RECORDED, fields))
    if d.chance(HEALTH_SHARE):
        diagnosed = d.day(max(d.first, d.opened - int(5 * YEAR)), d.today)
        fields = {"condition": d.pick(CONDITIONS), "diagnosed_on": diagnosed}
        dated.append((diagnosed, K.SERIOUS_HEALTH_CONDITION_RECORDED, fields))
    if d.chance(VICTIM_OR_WITNESS_SHARE):
        role = "victim" if d.chance(0.6) else "witness"
        since = d.day(max(d.first, d.opened - int(3 * YEAR)), d.today)
        fields = {"role": role, "matter": d.pick(MATTERS[role]), "since_on": since}
        dated.append((since, K.VICTIM_OR_WITNESS_RECORDED, fields))
    if d.chance(SERVICE_SHARE) and adult_from <= d.opened:
        start = d.day(max(adult_from, d.opened - int(20 * YEAR)), d.opened)
        fields = {"service": d.pick(SERVICES), "from_on": start}
        if d.chance(0.6):
            fields["to_on"] = d.day(start + 365, start + int(8 * YEAR))
        dated.append((start, K.PUBLIC_SERVICE_RECORDED, fields))
    dated.sort(key=lambda item: item[0])  # stable: same-day facts keep their drawing order
    return [(kind, _as_text(fields)) for _, kind, fields in dated]


def _entry(d: _Draws, dated: Dated) -> tuple[int, str] | None:
    """The (last) entry, most often; recent for about a third of people. Its day and manner."""
    if not d.chance(ENTRY_SHARE):
        return None
    earliest = d.first
    if d.chance(0.35):
        entered = d.day(max(earliest, d.opened - 365), d.opened)
    else:
        entered = d.day(max(earliest, d.opened - int(30 * YEAR)), d.opened - 365)
    manner = d.pick(MANNERS)
    dated.append((entered, K.ENTRY_RECORDED, {"entered_on": entered, "manner": manner}))
    return entered, manner


def _apprehension(d: _Draws, dated: Dated, entry: tuple[int, str] | None) -> None:
    """Where the person was met, mostly in the fortnight before the case was opened."""
    if not d.chance(APPREHENSION_SHARE):
        return
    entered, manner = entry or (d.first, "unknown")
    apprehended = d.day(max(entered, d.opened - 14), d.opened)
    at_entry = CONTEXT_AT_ENTRY.get(manner)
    recent = entry is not None and apprehended - entered <= 30
    context = d.pick(at_entry if recent and at_entry else CONTEXT_LATER)
    fields: dict[str, int | str] = {"apprehended_on": apprehended, "context": context}
    dated.append((apprehended, K.APPREHENSION_RECORDED, fields))


def _conviction(d: _Draws, dated: Dated, entered: int | None) -> None:
    """A conviction once the person could be tried as an adult, mostly before the case (none
    for a child)."""
    category = d.pick(CATEGORIES)
    offence, statute = OFFENCES[category][int(d.rnd() * len(OFFENCES[category]))]
    none, lo, hi = SENTENCES[category]
    months = 0 if d.chance(none) else lo + int(d.rnd() * (hi - lo + 1))
    earliest = max(d.years_after_birth(CRIMINAL_AGE_YEARS), entered or d.first)
    if earliest > d.today:
        return
    if category == "immigration_offence" and entered is not None:
        convicted = d.day(earliest, earliest + 180)  # improper entry, reentry: soon after it
    elif d.chance(0.85) and earliest <= d.opened:
        convicted = d.day(max(earliest, d.opened - int(20 * YEAR)), d.opened)
    else:
        convicted = d.day(max(earliest, d.opened), d.today)
    fields: dict[str, int | str] = {
        "offence": offence,
        "statute": statute,
        "category": category,
        "sentence_months": months,
        "convicted_on": convicted,
    }
    dated.append((convicted, K.CONVICTION_RECORDED, fields))


def _as_text(fields: Mapping[str, int | str]) -> dict[str, str]:
    """Field values as a form or the CLI sends them: dates (day ordinals here) as ISO text."""
    out: dict[str, str] = {}
    for name, value in fields.items():
        if isinstance(value, int) and name.endswith("_on"):
            out[name] = date.fromordinal(value).isoformat()
        else:
            out[name] = str(value)
    return out


def recorded_on(kind: EventKind, fields: Mapping[str, str], opened_on: date) -> date:
    """The day a fact is recorded on its case: when the case was opened, or the fact's latest
    date if later (a fact is recorded once documented, and a case records nothing before it is
    opened)."""
    spec = BY_EVENT[kind]
    days = [
        date.fromisoformat(fields[f.name])
        for f in spec.fields
        if f.type is FieldType.DATE and fields.get(f.name)
    ]
    return max([opened_on, *days])


def document_ref_for(case_ref: str, kind: EventKind, number: int) -> str:
    """The reference of the source document of a case's ``number``-th synthetic fact."""
    return f"{DOCUMENTS[kind]}:{case_ref}/{number}"


def record_facts(
    case: Case,
    facts: Facts,
    *,
    actor: str,
    recorded_at: dt.datetime,
    document_ref: Callable[[str, EventKind, int], str] = document_ref_for,
) -> tuple[list[Event], Case]:
    """Record ``facts`` on an open ``case`` through ``lifecycle.record``, each on the day it
    would be (``recorded_on``): the events, and the case as they leave it. Nothing is stored;
    a bulk build writes both, so the projection is exactly what the log rebuilds."""
    events: list[Event] = []
    for number, (kind, fields) in enumerate(facts, start=1):
        event, case = lifecycle.record(
            case,
            kind=kind,
            fields=fields,
            occurred_on=recorded_on(kind, fields, case.opened_on),
            actor=actor,
            document_ref=document_ref(case.case_ref, kind, number),
            recorded_at=recorded_at,
        )
        events.append(event)
    return events, case
