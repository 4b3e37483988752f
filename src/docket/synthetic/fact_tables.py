"""The shares and tables synthetic facts are drawn from (``facts.py`` draws them): how many
cases have each kind of fact, offences and their sentences, manners of entry, applications,
conditions, and the document behind each kind of fact. Made up but plausible; none stands for
nationality, race, religion, language, sex or political opinion."""

from __future__ import annotations

from collections.abc import Mapping

from docket.cases.events import EventKind
from docket.synthetic.names import weighted_table

K = EventKind

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
