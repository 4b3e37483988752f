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
from docket.synthetic.names import draw, weighted_table

K = EventKind
Facts = list[tuple[EventKind, dict[str, str]]]
Dated = list[tuple[int, EventKind, dict[str, int | str]]]
"""Facts being drawn: (day, kind, fields with dates as day ordinals)."""

YEAR = 365.2425
EARLIEST = date(1960, 1, 1).toordinal()
"""No fact is dated before this day."""

# Shares of cases with each kind of fact.
ENTRY_SHARE = 0.92
APPREHENSION_SHARE = 0.86
CONVICTION_SHARE = 0.33
NATIONAL_SECURITY_SHARE = 0.001
CAREGIVER_SHARE = 0.12
RELIEF_SHARE = 0.25
HEALTH_SHARE = 0.05
VICTIM_OR_WITNESS_SHARE = 0.03
SERVICE_SHARE = 0.01
ADULT_YEARS = 18
CRIMINAL_AGE_YEARS = 16

CONVICTIONS_PER_PERSON = weighted_table(((1, 72), (2, 20), (3, 6), (4, 2)), size=1000)
"""How many convictions a person with a conviction has."""

CATEGORIES = weighted_table(
    (
        ("misdemeanor", 36),
        ("traffic_offence", 24),
        ("immigration_offence", 16),
        ("other_felony", 9),
        ("drug_trafficking", 5),
        ("violent_felony", 4),
        ("aggravated_felony", 2),
        ("firearms_offence", 2),
        ("sexual_offence", 1.5),
        ("human_trafficking", 0.5),
    ),
    size=1000,
)
"""Kinds of offence among convictions: about three in four are not felonies."""

OFFENCES: Mapping[str, tuple[tuple[str, str], ...]] = {
    "misdemeanor": (
        ("petit larceny", "N.Y. Penal Law 155.25"),
        ("disorderly conduct", "Cal. Penal Code 415"),
        ("simple assault", "Tex. Penal Code 22.01(a)(3)"),
        ("criminal trespass in the third degree", "N.Y. Penal Law 140.10"),
        ("shoplifting", "Ga. Code Ann. 16-8-14"),
        ("possession of drug paraphernalia", "Fla. Stat. 893.147"),
    ),
    "traffic_offence": (
        ("driving under the influence", "Cal. Veh. Code 23152(a)"),
        ("driving without a licence", "Tex. Transp. Code 521.021"),
        ("reckless driving", "Va. Code Ann. 46.2-852"),
        ("driving with a suspended licence", "Fla. Stat. 322.34"),
    ),
    "immigration_offence": (
        ("improper entry", "8 U.S.C. 1325(a)"),
        ("reentry of a removed alien", "8 U.S.C. 1326(a)"),
        ("false claim to U.S. citizenship", "18 U.S.C. 911"),
    ),
    "other_felony": (
        ("burglary in the second degree", "N.Y. Penal Law 140.25"),
        ("grand theft", "Cal. Penal Code 487"),
        ("forgery", "Tex. Penal Code 32.21"),
        ("aggravated identity theft", "18 U.S.C. 1028A"),
    ),
    "drug_trafficking": (
        ("possession with intent to distribute", "21 U.S.C. 841(a)(1)"),
        ("trafficking in cocaine", "Fla. Stat. 893.135"),
    ),
    "violent_felony": (
        ("aggravated assault", "Tex. Penal Code 22.02"),
        ("robbery in the first degree", "N.Y. Penal Law 160.15"),
    ),
    "aggravated_felony": (
        ("murder in the second degree", "N.Y. Penal Law 125.25"),
        ("alien smuggling for commercial advantage", "8 U.S.C. 1324(a)(1)(B)(i)"),
        ("laundering of monetary instruments", "18 U.S.C. 1956"),
    ),
    "firearms_offence": (
        ("unlawful possession of a firearm", "18 U.S.C. 922(g)(5)"),
        ("using a firearm during a crime of violence", "18 U.S.C. 924(c)"),
    ),
    "sexual_offence": (("sexual assault", "Tex. Penal Code 22.011"),),
    "human_trafficking": (
        ("sex trafficking by force, fraud or coercion", "18 U.S.C. 1591"),
        ("forced labour", "18 U.S.C. 1589"),
    ),
}
"""Offences as a judgment names them, with their statute, by kind."""

SENTENCES: Mapping[str, tuple[float, int, int]] = {
    "misdemeanor": (0.6, 1, 12),
    "traffic_offence": (0.8, 1, 6),
    "immigration_offence": (0.3, 1, 24),
    "other_felony": (0.0, 6, 60),
    "drug_trafficking": (0.0, 24, 120),
    "violent_felony": (0.0, 24, 180),
    "aggravated_felony": (0.0, 36, 300),
    "firearms_offence": (0.0, 12, 120),
    "sexual_offence": (0.0, 24, 240),
    "human_trafficking": (0.0, 60, 300),
}
"""By kind of offence: the share with no sentence, and the range of months otherwise."""

MANNERS = weighted_table(
    (("without_inspection", 55), ("admitted", 28), ("paroled", 12), ("unknown", 5)), size=100
)
CONTEXT_AT_ENTRY = {
    "without_inspection": weighted_table(
        (("border", 70), ("port_of_entry", 5), ("interior", 25)), size=100
    ),
    "paroled": weighted_table((("port_of_entry", 40), ("border", 10), ("interior", 50)), size=100),
}
"""Where someone apprehended within a month of entering was met, by manner of entry."""
CONTEXT_LATER = weighted_table((("interior", 88), ("port_of_entry", 7), ("border", 5)), size=100)
APPLICATIONS = weighted_table(
    (
        ("asylum", 55),
        ("withholding_of_removal", 8),
        ("convention_against_torture", 5),
        ("cancellation_of_removal", 10),
        ("adjustment_of_status", 8),
        ("u_visa", 4),
        ("temporary_protected_status", 4),
        ("special_immigrant_juvenile", 2),
        ("other", 2),
        ("vawa", 1.5),
        ("t_visa", 0.5),
    ),
    size=1000,
)
CONDITIONS = (
    "end-stage renal disease requiring dialysis",
    "type 1 diabetes",
    "post-traumatic stress disorder",
    "cancer under active treatment",
    "HIV infection under treatment",
    "high-risk pregnancy",
    "epilepsy",
    "major depressive disorder",
    "congestive heart failure",
)
MATTERS = {
    "victim": (
        "human trafficking investigation (Form I-914 Supplement B)",
        "domestic violence prosecution (Form I-918 Supplement B)",
        "labour exploitation investigation",
        "felonious assault prosecution (Form I-918 Supplement B)",
    ),
    "witness": (
        "wage theft prosecution",
        "workplace safety investigation",
        "homicide prosecution",
        "civil-rights investigation",
    ),
}
SERVICES = (
    "U.S. Army",
    "U.S. Army National Guard",
    "U.S. Marine Corps",
    "U.S. Navy",
    "volunteer fire department",
    "AmeriCorps",
)
AUTHORITIES = (
    "Department of Homeland Security headquarters",
    "Department of State",
    "Federal Bureau of Investigation",
)
FINDINGS = (
    "material support to a designated organisation (INA 212(a)(3)(B))",
    "activity endangering the security of the United States (INA 237(a)(4)(A))",
)
CAREGIVER_DETAILS = (
    "birth certificate of the child and school enrolment records",
    "birth certificate of the child and custody order",
    "",
)
DOCUMENTS: Mapping[EventKind, str] = {
    K.CONVICTION_RECORDED: "record-of-conviction",
    K.NATIONAL_SECURITY_FINDING_RECORDED: "security-finding",
    K.ENTRY_RECORDED: "I-213",
    K.APPREHENSION_RECORDED: "I-213",
    K.CAREGIVER_OF_US_CITIZEN_CHILD_RECORDED: "caregiver-evidence",
    K.SERIOUS_HEALTH_CONDITION_RECORDED: "clinical-record",
    K.VICTIM_OR_WITNESS_RECORDED: "certification",
    K.RELIEF_APPLICATION_RECORDED: "application-receipt",
    K.PUBLIC_SERVICE_RECORDED: "service-record",
}
"""The kind of source document behind each kind of fact (its reference is made from it)."""


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
