"""Pools the synthetic docket draws from: naming traditions (``cultures.py``), countries,
languages and places, and the draw tables made of them.

Every name in ``cultures.py`` is a common given or family name, never a particular person's
full name; the generator combines them at random. Lists run from most to least common: the
generator weights them by rank (a Zipf law), so García, Nguyen or Wang come up often and many
unrelated people share a name, as they do in real case files. Letters stay within Latin-1
(Polish, Czech, Romanian and Vietnamese marks that Latin-1 lacks are written the way US records
usually carry them).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from docket.synthetic.cultures import CULTURES, Culture

COUNTRY_LANGUAGES: dict[str, str] = {
    # ISO 639-1 codes of the languages people from each country most often ask for in court.
    "MX": "es", "GT": "es", "HN": "es", "SV": "es", "NI": "es", "CO": "es", "EC": "es:95 qu:5",
    "VE": "es", "CU": "es", "DO": "es", "PE": "es:92 qu:8",
    "CN": "zh", "TW": "zh", "HK": "zh", "VN": "vi", "KR": "ko", "PH": "tl:85 en:15",
    "IN": "hi:50 pa:20 gu:15 te:8 ta:7", "NP": "ne", "PK": "ur:75 pa:25", "BD": "bn",
    "EG": "ar", "SY": "ar", "IQ": "ar", "YE": "ar", "JO": "ar", "LB": "ar:85 fr:15", "SA": "ar",
    "MA": "ar:70 fr:30", "SD": "ar",
    "RU": "ru", "UA": "uk:55 ru:45", "BY": "ru", "KZ": "ru:70 kk:30", "MD": "ro:60 ru:40",
    "NG": "en:55 yo:15 ig:15 ha:15", "GH": "en:60 tw:40", "SN": "wo:60 fr:40", "GN": "fr:60 ff:40",
    "SL": "en", "LR": "en", "CM": "fr:70 en:30", "ML": "fr:50 bm:50",
    "HT": "ht:70 fr:30", "FR": "fr", "BE": "fr", "BR": "pt", "PT": "pt",
    "PL": "pl", "RO": "ro", "HU": "hu", "CZ": "cs", "SK": "sk", "HR": "hr",
    "GB": "en", "JM": "en", "CA": "en:85 fr:15", "IE": "en", "TT": "en", "AU": "en", "GY": "en",
}  # fmt: skip


SPELLING_VARIANTS = """
    Mohammed Muhammad Mohamed Mohammad Muhammed Mohamad
    Ahmed Ahmad
    Yusuf Yousef Youssef Yousuf
    Hussein Hussain Husain Hossain
    Hassan Hasan
    Mahmoud Mahmud Mahmood
    Khaled Khalid
    Omar Umar
    Abdullah Abdallah Abdulla
    Mustafa Mostafa Moustafa
    Ibrahim Ebrahim Ibraheem
    Fatima Fatma Fatimah
    Aisha Ayesha Aysha Aicha
    Mariam Maryam Meryem
    Zainab Zaynab Zeinab
    Yasmin Yasmeen Jasmin
    Nour Noor Nur
    Osama Usama
    Tarek Tariq Tarik
    Saleh Salih
    Said Saeed Sayed
    Chowdhury Choudhury Chaudhry Chaudhary
    Rahman Rehman
    Aleksandr Alexander Aleksander Oleksandr
    Alexei Aleksei Aleksey
    Sergei Sergey Serhiy
    Dmitry Dmitri Dmitriy Dmytro
    Andrei Andrey Andriy
    Yevgeny Evgeny Evgeniy
    Yulia Julia Yuliya
    Natalia Natalya Nataliya
    Yelena Elena Olena
    Tatiana Tatyana Tetiana
    Irina Iryna
    Ekaterina Yekaterina Kateryna
    Mikhail Mykhailo
    Nikolai Nikolay Mykola
    Vladimir Volodymyr
    Yuriy Yuri Yury
    Vasyl Vasily Vasiliy
    Maksim Maxim Maksym
    Olga Olha
    Vasiliev Vasilyev Vasilev
    Alekseev Alexeev Alekseyev
    Fedorov Fyodorov
    Semenov Semyonov
    Zhang Chang
    Zhou Chou
    Chen Chan
    Li Lee
    Huang Hwang Wong
    Xu Hsu
    Liu Lau
    Lee Yi Rhee
    Park Pak Bak
    Choi Choe
    Jung Jeong Chung
    Kang Gang
    Yoon Yun
    Lim Im
    Vásquez Vázquez
    Jiménez Giménez Ximénez
    Ybarra Ibarra
    Yesenia Yessenia Jesenia
    Brayan Bryan Brian
    Jonathan Jonatan Johnathan
    Cristian Christian Kristian
    Erick Eric Erik
    Jefferson Jeferson
    Yeison Jeison
    Estefany Stefany Estefani
    Lesly Leslie Lesli
    Heidy Heidi
    Jessica Yessica Jesica
    Souza Sousa
    Luiz Luis
    Mackenson Makenson
    Widlene Widline
    Kwame Kwami
    Mamadou Mamadu
    Ousmane Usman
    Diallo Jallow Djalo
    Gurpreet Gurprit
    Wisniewski Wisnewski
    Kowalski Kovalsky
    Nowak Novak
    Sean Shaun Shawn
"""
"""Each line holds spellings and transliterations of one name that records mix up."""


LAWYER_CULTURES = ("anglo", "hispanic", "anglo", "hispanic", "chinese", "south_asian", "slavic")
"""Where counsel's names are drawn from: the immigration bar, not the respondents."""


STREETS = """Maple Ave, Oak St, Main St, Elm St, Pine St, Cedar Ave, Washington Blvd,
    Lincoln Ave, Jefferson St, Park Ave, Lake Dr, Hill Rd, Sunset Blvd, 1st St, 2nd Ave, 3rd St,
    4th St, 5th Ave, 6th St, 7th Ave, 8th St, 9th St, 10th Ave, Church St, Broadway, Market St,
    Mission St, Grand Ave, Central Ave, Highland Ave, Spring St, Walnut St, Chestnut St, Willow Ln,
    Birch Rd, Magnolia Dr, Palm Ave, Cypress Ct, River Rd, Forest Ave, Meadow Ln, Valley View Dr,
    Ridge Rd, Sierra Vista Dr, El Camino Real, Mesa Dr, Canal St, Roosevelt Ave, Ocean Ave,
    Beach Blvd, Garden St, Orchard St, Franklin St, Madison Ave, Adams St, Jackson St, Monroe St,
    Cherry St, Dogwood Ln, Peachtree Rd, Flagler St, Kedzie Ave, Bellaire Blvd, Bergenline Ave,
    Martin Luther King Jr Blvd, Cesar Chavez Ave, Industrial Pkwy, Airport Rd, Mill St"""


CITIES = """
    Los Angeles|CA|900|LOS|60   Santa Ana|CA|927|LOS|10      Riverside|CA|925|LOS|8
    Anaheim|CA|928|LOS|6        Long Beach|CA|908|LOS|6      Bakersfield|CA|933|LOS|4
    Fresno|CA|937|SFR|6         San Jose|CA|951|SFR|8        Oakland|CA|946|SFR|6
    San Francisco|CA|941|SFR|5  Sacramento|CA|958|SFR|5      Salinas|CA|939|SFR|3
    Honolulu|HI|968|SFR|1       San Diego|CA|921|SND|12      Chula Vista|CA|919|SND|4
    El Centro|CA|922|SND|2      Houston|TX|770|HOU|40        Pasadena|TX|775|HOU|4
    Dallas|TX|752|DAL|25        Fort Worth|TX|761|DAL|8      Irving|TX|750|DAL|4
    Oklahoma City|OK|731|DAL|4  Tulsa|OK|741|DAL|2           San Antonio|TX|782|SNA|14
    Austin|TX|787|SNA|8         McAllen|TX|785|SNA|6         Brownsville|TX|785|SNA|4
    Laredo|TX|780|SNA|4         El Paso|TX|799|ELP|10        Albuquerque|NM|871|ELP|4
    Las Cruces|NM|880|ELP|2     New York|NY|100|NYC|20       Bronx|NY|104|NYC|12
    Brooklyn|NY|112|NYC|16      Flushing|NY|113|NYC|8        Corona|NY|113|NYC|6
    Jamaica|NY|114|NYC|5        Hempstead|NY|115|NYC|5       Yonkers|NY|107|NYC|3
    Buffalo|NY|142|BUF|3        Rochester|NY|146|BUF|2       Syracuse|NY|132|BUF|1
    Albany|NY|122|BUF|1         Newark|NJ|071|NEW|8          Elizabeth|NJ|072|NEW|6
    Paterson|NJ|075|NEW|5       Jersey City|NJ|073|NEW|5     Union City|NJ|070|NEW|4
    Trenton|NJ|086|NEW|3        Miami|FL|331|MIA|20          Hialeah|FL|330|MIA|8
    Orlando|FL|328|MIA|8        Tampa|FL|336|MIA|6           Fort Lauderdale|FL|333|MIA|6
    Jacksonville|FL|322|MIA|3   Homestead|FL|330|MIA|3       Chicago|IL|606|CHI|25
    Cicero|IL|608|CHI|4         Aurora|IL|605|CHI|3          Indianapolis|IN|462|CHI|4
    Milwaukee|WI|532|CHI|3      Kansas City|MO|641|CHI|2     St. Louis|MO|631|CHI|2
    Louisville|KY|402|CHI|2     Wichita|KS|672|CHI|1         Atlanta|GA|303|ATL|12
    Gainesville|GA|305|ATL|3    Dalton|GA|307|ATL|1          Charlotte|NC|282|ATL|6
    Raleigh|NC|276|ATL|4        Durham|NC|277|ATL|2          Greenville|SC|296|ATL|2
    Columbia|SC|292|ATL|1       Boston|MA|021|BOS|8          Chelsea|MA|021|BOS|3
    Lawrence|MA|018|BOS|3       Providence|RI|029|BOS|3      Hartford|CT|061|BOS|3
    Bridgeport|CT|066|BOS|3     Stamford|CT|069|BOS|2        Manchester|NH|031|BOS|1
    Portland|ME|041|BOS|1       Washington|DC|200|WAS|4      Arlington|VA|222|WAS|4
    Alexandria|VA|223|WAS|3     Richmond|VA|232|WAS|2        Manassas|VA|201|WAS|2
    Baltimore|MD|212|BAL|5      Silver Spring|MD|209|BAL|5   Hyattsville|MD|207|BAL|4
    Gaithersburg|MD|208|BAL|2   Philadelphia|PA|191|PHI|8    Allentown|PA|181|PHI|3
    Pittsburgh|PA|152|PHI|2     Reading|PA|196|PHI|2         Wilmington|DE|198|PHI|2
    Denver|CO|802|DEN|6         Aurora|CO|800|DEN|3          Colorado Springs|CO|809|DEN|2
    Greeley|CO|806|DEN|1        Cheyenne|WY|820|DEN|1        Detroit|MI|482|DET|4
    Grand Rapids|MI|495|DET|2   Columbus|OH|432|DET|3        Cleveland|OH|441|DET|2
    Cincinnati|OH|452|DET|2     New Orleans|LA|701|NOL|4     Baton Rouge|LA|708|NOL|2
    Nashville|TN|372|NOL|5      Memphis|TN|381|NOL|3         Birmingham|AL|352|NOL|2
    Jackson|MS|392|NOL|1        Little Rock|AR|722|NOL|1     Springdale|AR|727|NOL|2
    Phoenix|AZ|850|PHO|12       Mesa|AZ|852|PHO|4            Tucson|AZ|857|PHO|5
    Yuma|AZ|853|PHO|2           Seattle|WA|981|SEA|5         Tacoma|WA|984|SEA|2
    Yakima|WA|989|SEA|2         Portland|OR|972|SEA|4        Salem|OR|973|SEA|2
    Anchorage|AK|995|SEA|1      Salt Lake City|UT|841|SLC|4  West Valley City|UT|841|SLC|2
    Las Vegas|NV|891|SLC|8      Reno|NV|895|SLC|2            Boise|ID|837|SLC|1
    Minneapolis|MN|554|SPM|4    St. Paul|MN|551|SPM|2        Omaha|NE|681|SPM|3
    Des Moines|IA|503|SPM|2     Sioux Falls|SD|571|SPM|1     Fargo|ND|581|SPM|1
"""
"""``city|state|ZIP prefix|field office whose area covers it|relative weight``, blank-separated."""


def parse_list(text: str) -> tuple[str, ...]:
    """The items of a comma-separated pool, in order, without blanks or repeats."""
    items = (item.strip() for item in text.split(","))
    return tuple(dict.fromkeys(item for item in items if item))


def parse_weights(text: str) -> tuple[tuple[str, float], ...]:
    """``"A:3 B:1"`` as ``(("A", 3.0), ("B", 1.0))``; a bare ``"A"`` weighs 1."""
    pairs = []
    for token in text.split():
        name, _, weight = token.partition(":")
        pairs.append((name, float(weight or 1)))
    return tuple(pairs)


def parse_cities(text: str) -> tuple[tuple[str, str, str, str, float], ...]:
    """The rows of ``CITIES`` as (city, state, ZIP prefix, field office, weight)."""
    rows = []
    # Entries are separated by two or more blanks; a single blank belongs to a city's name.
    for token in re.split(r"\s{2,}", text.strip()):
        city, state, zip3, office, weight = token.split("|")
        rows.append((city, state, zip3, office, float(weight)))
    return tuple(rows)


def feminine_surname(family: str) -> str:
    """The feminine form of a Slavic or Polish surname (Ivanov -> Ivanova, Kowalski -> Kowalska).

    Surnames without a gendered ending (Shevchenko, Nowak, Nagy) are returned as they are.
    """
    for ending, feminine in (("sky", "skaya"), ("ski", "ska"), ("cki", "cka")):
        if family.endswith(ending):
            return family[: -len(ending)] + feminine
    if family.endswith(("ov", "ev")):
        return family + "a"
    return family


# -- drawing from the pools ------------------------------------------------------------------

T = TypeVar("T")


def weighted_table(weights: Iterable[tuple[T, float]], size: int = 4096) -> tuple[T, ...]:
    """A tuple holding each item in proportion to its weight, and every item at least once.

    A weighted draw is then one index (see ``draw``), several times faster than
    ``random.choices`` on the hot path; the rounding is immaterial for synthetic data.
    """
    pairs = list(weights)
    total = sum(weight for _, weight in pairs)
    table: list[T] = []
    for item, weight in pairs:
        table.extend([item] * max(1, round(weight / total * size)))
    return tuple(table)


def draw(table: Sequence[T], rnd: Callable[[], float]) -> T:
    """One item of ``table``, uniformly, using the generator's ``random`` method."""
    return table[int(rnd() * len(table))]


def _by_rank(items: Sequence[str], skew: float) -> tuple[str, ...]:
    return weighted_table(
        ((item, 1 / (rank + 1) ** skew) for rank, item in enumerate(items)),
        size=max(4096, 16 * len(items)),
    )


@dataclass(frozen=True)
class CulturePools:
    """A culture's names and countries as draw tables."""

    key: str
    countries: tuple[str, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    family_female: tuple[str, ...]
    second_surname_share: float


@dataclass(frozen=True)
class NamePools:
    """Everything above as draw tables, built once per process."""

    cultures: tuple[CulturePools, ...]
    cultures_by_key: dict[str, CulturePools]
    languages: dict[str, tuple[str, ...]]
    cities: tuple[tuple[str, str, str, str], ...]
    """(city, state, ZIP prefix, field office)."""
    offices: tuple[str, ...]
    streets: tuple[str, ...]
    document_shapes: dict[str, int]
    """Per country, one of three passport-number shapes (see the generator)."""
    variants: dict[str, tuple[str, ...]]


def _culture_pools(culture: Culture) -> CulturePools:
    family = _by_rank(parse_list(culture.family), culture.family_skew)
    return CulturePools(
        key=culture.key,
        countries=weighted_table(parse_weights(culture.countries), size=1024),
        male=_by_rank(parse_list(culture.male_given), culture.given_skew),
        female=_by_rank(parse_list(culture.female_given), culture.given_skew),
        family=family,
        family_female=tuple(map(feminine_surname, family)) if culture.feminine_surnames else family,
        second_surname_share=culture.second_surname_share,
    )


@cache
def load_name_pools() -> NamePools:
    """The pools of this module as draw tables (built on first use, then shared)."""
    cultures = [_culture_pools(culture) for culture in CULTURES]
    cities = parse_cities(CITIES)
    variants: dict[str, set[str]] = {}
    for line in SPELLING_VARIANTS.strip().splitlines():
        group = line.split()
        for name in group:
            variants.setdefault(name, set()).update(other for other in group if other != name)
    office_weights: dict[str, float] = {}
    for _, _, _, office, weight in cities:
        office_weights[office] = office_weights.get(office, 0) + weight
    return NamePools(
        cultures=weighted_table(
            ((pools, culture.weight) for pools, culture in zip(cultures, CULTURES, strict=True)),
            size=2048,
        ),
        cultures_by_key={pools.key: pools for pools in cultures},
        languages={
            country: weighted_table(parse_weights(spec), size=256)
            for country, spec in COUNTRY_LANGUAGES.items()
        },
        cities=weighted_table(((row[:4], row[4]) for row in cities), size=4096),
        offices=weighted_table(office_weights.items(), size=1024),
        streets=parse_list(STREETS),
        # Letters' code points, not hash(): str hashes change from one process to the next.
        document_shapes={country: sum(map(ord, country)) % 3 for country in COUNTRY_LANGUAGES},
        variants={name: tuple(sorted(others)) for name, others in variants.items()},
    )
