"""Synthetic persons, and the slips and changes with which case records carry them.

Record linkage is only worth testing on data that is hard in the right ways: many unrelated people
share common names, twins share a family name, a birth date and a home, siblings a family name and
a home, and one person met twice is recorded with a typo, another spelling, a dropped accent or
surname, names swapped, a day and month swapped or a new address.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from docket.synthetic.names import (
    CulturePools,
    NamePools,
    draw,
    load_name_pools,
    weighted_table,
)

ALIAS_SHARE = 0.15
DOCUMENT_SHARE = 0.7
PASSPORT_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"  # no I, O or Q: they read as 1 and 0
A_NUMBER_MODULUS = 999_999_937  # a prime below 10**9, so the map below is one-to-one
A_NUMBER_FACTOR = 387_420_489
AGE_BANDS = (
    ((1, 12), 5), ((12, 18), 6), ((18, 30), 30), ((30, 40), 28), ((40, 50), 17), ((50, 65), 10),
    ((65, 85), 4),
)  # fmt: skip
"""Age in years at the as-of date, [low, high), with weights: mostly working age, ~11% minors."""


@dataclass(slots=True)
class Person:
    """A person as one case record carries them; ``key`` is who they really are."""

    key: str
    a_number: str
    given: str
    family: str
    first_surname: str
    """The first of two family names, or "" when the person has one."""
    aliases: str
    dob: int
    """Date of birth as a day ordinal."""
    sex: str
    citizenship: str
    language: str
    address: tuple[str, str, str, str]
    """(street line, city, postcode, state)."""
    office: str
    """The field office whose area covers the address."""
    document: str
    culture: CulturePools
    has_family: bool = False
    """Whether a twin or sibling is in the dataset too."""
    keeps_a_number: bool = False
    """Whether every record of the person must show the A-number (it links their cases)."""


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


class People:
    """Makes persons from the generator's random stream, numbering them P0000001, P0000002..."""

    def __init__(self, rng: random.Random, as_of: date) -> None:
        self.rnd = rng.random
        self.pools: NamePools = load_name_pools()
        self.today = as_of.toordinal()
        # Ages run from 1 to 85 at the as-of date.
        self.youngest_dob = _years_before(as_of, 1).toordinal()
        self.oldest_dob = _years_before(as_of, 86).toordinal() + 1
        self.minor_after = _years_before(as_of, 18).toordinal()
        self.count = 0
        # A-numbers: an affine map modulo a prime, offset by the seed, so they are unique per
        # person yet scattered like issued numbers.
        self.a_offset = rng.randrange(A_NUMBER_MODULUS)
        self.age_bands = weighted_table(AGE_BANDS, size=1000)

    def is_minor(self, person: Person) -> bool:
        """Whether ``person`` is under 18 at the as-of date."""
        return person.dob > self.minor_after

    def new(self, kin: Person | None = None, *, same_dob: bool = False) -> Person:
        """A new person; with ``kin``, a twin (``same_dob``) or sibling sharing name and home."""
        rnd = self.rnd
        pools = self.pools
        self.count += 1
        number = self.count
        r = rnd()
        sex = "F" if r < 0.497 else "M" if r < 0.997 else "X"
        if kin is None:
            # Draws are inlined here (table[int(rnd() * len(table))], as in ``draw``): this runs
            # once a row, and the calls would cost a tenth of the whole run.
            cultures = pools.cultures
            culture = cultures[int(rnd() * len(cultures))]
            family, first_surname = self._family(culture, sex)
            countries = culture.countries
            home = countries[int(rnd() * len(countries))]
            languages = pools.languages[home]
            language = languages[int(rnd() * len(languages))]
            # Mostly a citizen of the country the name comes from; some were born elsewhere.
            citizenship = home if rnd() >= 0.03 else draw(draw(cultures, rnd).countries, rnd)
            dob = self._dob()
            address, office = self.address()
            given = self._given(culture, sex)
        else:
            culture, family, first_surname = kin.culture, kin.family, kin.first_surname
            language, citizenship = kin.language, kin.citizenship
            address, office = kin.address, kin.office
            dob = kin.dob if same_dob else self._sibling_dob(kin.dob)
            given = kin.given
            for _ in range(10):
                given = self._given(culture, sex)
                if given != kin.given:
                    break
        aliases = self._aliases(given, family, first_surname) if rnd() < ALIAS_SHARE else ""
        a_number = (number * A_NUMBER_FACTOR + self.a_offset) % A_NUMBER_MODULUS
        return Person(
            key=f"P{number:07d}",
            a_number=f"A{a_number:09d}",
            given=given,
            family=family,
            first_surname=first_surname,
            aliases=aliases,
            dob=dob,
            sex=sex,
            citizenship=citizenship,
            language=language,
            address=address,
            office=office,
            document=self.document(citizenship) if rnd() < DOCUMENT_SHARE else "",
            culture=culture,
            has_family=kin is not None,
        )

    def recorded_again(self, person: Person) -> Person:
        """The same person as a later encounter records them: small slips and changes."""
        rnd = self.rnd
        given, family = person.given, person.family
        r = rnd()
        if r < 0.4:
            given, family = self._alias(given, family, person.first_surname)
        elif r < 0.65:
            given = typo(given, rnd)
        elif r < 0.9:
            family = typo(family, rnd)
        # else recorded exactly as before
        dob = person.dob
        born = date.fromordinal(dob)
        # Day and month swapped (day-first versus month-first writing), ~10% of re-encounters.
        if born.day <= 12 and born.day != born.month and rnd() < 0.27:
            dob = born.replace(month=born.day, day=born.month).toordinal()
        address, office = person.address, person.office
        if rnd() < 0.3:
            address, office = self.address()
        document = person.document
        r = rnd()
        if (document and r >= 0.6) or (not document and r < 0.5):
            document = self.document(person.citizenship) if rnd() < 0.7 else ""
        aliases = ""
        if person.aliases and rnd() < 0.5:
            # The record keeps the aliases it knows, less the one now used as the name.
            recorded = f"{given} {family}"
            aliases = ";".join(a for a in person.aliases.split(";") if a != recorded)
        return replace(person, given=given, family=family, dob=dob, address=address,
                       office=office, document=document, aliases=aliases)  # fmt: skip

    def address(self) -> tuple[tuple[str, str, str, str], str]:
        """A US street address and the field office that covers it."""
        rnd = self.rnd
        cities, streets = self.pools.cities, self.pools.streets
        city, us_state, zip3, office = cities[int(rnd() * len(cities))]
        # House numbers spread over 10..9999, small ones as common as large.
        line = f"{int(10 ** (1 + rnd() * 3))} {streets[int(rnd() * len(streets))]}"
        if rnd() < 0.35:
            line = f"{line} Apt {1 + int(rnd() * 40)}"
        return (line, city, f"{zip3}{int(rnd() * 100):02d}", us_state), office

    def document(self, country: str) -> str:
        """A passport-like number in one of three shapes, fixed per country."""
        rnd = self.rnd
        shape = self.pools.document_shapes[country]
        digits = int(rnd() * 1_000_000_000)
        if shape == 0:
            return f"{draw(PASSPORT_LETTERS, rnd)}{digits % 100_000_000:08d}"
        if shape == 1:
            prefix = draw(PASSPORT_LETTERS, rnd) + draw(PASSPORT_LETTERS, rnd)
            return f"{prefix}{digits % 10_000_000:07d}"
        return f"{digits:09d}"

    def _given(self, culture: CulturePools, sex: str) -> str:
        rnd = self.rnd
        names = culture.female if sex == "F" or (sex == "X" and rnd() < 0.5) else culture.male
        return names[int(rnd() * len(names))]

    def _family(self, culture: CulturePools, sex: str) -> tuple[str, str]:
        rnd = self.rnd
        names = culture.family_female if sex == "F" else culture.family
        family = names[int(rnd() * len(names))]
        if rnd() < culture.second_surname_share:
            second = culture.family[int(rnd() * len(culture.family))]
            if second != family:
                return f"{family} {second}", family
        return family, ""

    def _dob(self) -> int:
        rnd = self.rnd
        lo, hi = self.age_bands[int(rnd() * len(self.age_bands))]
        dob = self.today - int((lo + rnd() * (hi - lo)) * 365.2425)
        if dob > self.youngest_dob:
            return self.youngest_dob
        return dob if dob >= self.oldest_dob else self.oldest_dob

    def _sibling_dob(self, dob: int) -> int:
        gap = 330 + int(self.rnd() * 12 * 365)
        later, earlier = dob + gap, dob - gap
        if earlier < self.oldest_dob or (self.rnd() < 0.5 and later <= self.youngest_dob):
            return min(later, self.youngest_dob)
        return earlier

    def _aliases(self, given: str, family: str, first_surname: str) -> str:
        wanted = 1 if self.rnd() < 0.7 else 2
        found: list[str] = []
        for _ in range(4 * wanted):  # a few tries, since two variations may coincide
            alias = " ".join(self._alias(given, family, first_surname))
            if alias != f"{given} {family}" and alias not in found:
                found.append(alias)
                if len(found) == wanted:
                    break
        return ";".join(found)

    def _alias(self, given: str, family: str, first_surname: str) -> tuple[str, str]:
        """Another form of the name: mostly a spelling or transliteration, else the name in the
        other order (no typos: an alias is a name the person goes by, not a clerk's slip)."""
        rnd = self.rnd
        r = rnd()
        if r < 0.5:
            if (respelt := respell(given, self.pools, rnd)) is not None:
                return respelt, family
            if (respelt := respell(family, self.pools, rnd)) is not None:
                return given, respelt
        elif r < 0.65 and first_surname:
            return given, first_surname
        elif r < 0.75 and not (given + family).isascii():
            return strip_accents(given), strip_accents(family)
        elif r < 0.82 and "-" in given:
            return given.replace("-", " "), family
        elif r < 0.9 and " " in given:
            # One word of a two-word given name: "Juan Carlos" goes by "Carlos".
            return draw(given.split(" "), rnd), family
        return family, given


# -- how records vary a name ---------------------------------------------------------------


def strip_accents(name: str) -> str:
    """``name`` without its accents, as a keyboard without them would record it."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))


def respell(name: str, pools: NamePools, rnd: Callable[[], float]) -> str | None:
    """``name`` with one word spelt another known way (Mohammed -> Muhammad), or None."""
    words = name.split(" ")
    known = [i for i, word in enumerate(words) if word in pools.variants]
    if not known:
        return None
    i = draw(known, rnd)
    words[i] = draw(pools.variants[words[i]], rnd)
    return " ".join(words)


def typo(name: str, rnd: Callable[[], float]) -> str:
    """``name`` with one slip of the keyboard: a letter inserted, dropped, changed or swapped.

    The first letter is kept, as clerks rarely miss it and it keeps the capital in place.
    """
    spots = [i for i in range(1, len(name)) if name[i].isalpha()]
    if not spots:
        return name + "e"
    i = draw(spots, rnd)
    letter = "abcdefghijklmnopqrstuvwxyz"[int(rnd() * 26)]
    kind = int(rnd() * 4)
    if kind == 0:
        return name[:i] + letter + name[i:]
    if kind == 1 and len(spots) > 2:
        return name[:i] + name[i + 1 :]
    after = name[i + 1 : i + 2]
    if kind == 2 and after.isalpha() and after != name[i]:
        return name[:i] + after + name[i] + name[i + 2 :]
    if letter == name[i]:
        letter = "e" if letter != "e" else "a"
    return name[:i] + letter + name[i + 1 :]
