"""Synthetic persons for training the match model in tests: made-up syllable names, some
persons entered twice with the slips intake makes. Seeded, so every run is the same."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, timedelta

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tho",
    "va",
    "sel",
    "dor",
    "bri",
    "qua",
    "nel",
    "tu",
    "fa",
    "gor",
    "lin",
    "ost",
    "pel",
    "ria",
    "sun",
    "wex",
]


@dataclass
class Entry:
    number: int  # the same for both entries of one person
    given: str
    family: str
    date_of_birth: date | None
    sex: str
    identifier: str
    postal_code: str
    city: str


def _word(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def _slip(rng: random.Random, word: str) -> str:
    """One letter changed, dropped or two swapped."""
    if len(word) < 3:
        return word
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("change", "drop", "swap"))
    if kind == "change":
        return word[:at] + rng.choice(string.ascii_lowercase) + word[at + 1 :]
    if kind == "drop":
        return word[:at] + word[at + 1 :]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def entries(count: int = 300, *, twice: int = 60, seed: int = 7) -> list[Entry]:
    rng = random.Random(seed)  # noqa: S311 - seeded synthetic persons, not secrets
    # A few common given and family names, as in any index, so frequencies differ.
    common_given = [_word(rng, 2) for _ in range(4)]
    common_family = [_word(rng, 3) for _ in range(4)]
    cities = [_word(rng, 2) for _ in range(12)]
    made = []
    for number in range(count - twice):
        given = rng.choice(common_given) if rng.random() < 0.5 else _word(rng, 2)
        family = rng.choice(common_family) if rng.random() < 0.4 else _word(rng, 3)
        made.append(
            Entry(
                number=number,
                given=given,
                family=family,
                # Born within a few years, so that different persons share dates of birth and
                # sound-alike names often enough for the model to learn from, as in a real index.
                date_of_birth=date(1990, 1, 1) + timedelta(days=rng.randrange(365 * 3)),
                sex=rng.choice(("female", "male")),
                identifier=f"S{rng.randrange(10**6, 10**7)}",
                postal_code=f"{rng.randrange(10000, 10100)}",
                city=rng.choice(cities),
            )
        )
    for original in rng.sample(made[:], twice):
        born = original.date_of_birth
        slip = rng.choice(
            ("given", "family", "dob_swap", "dob_year", "dob_other", "none", "no_dob")
        )
        made.append(
            Entry(
                number=original.number,
                given=_slip(rng, original.given) if slip == "given" else original.given,
                family=_slip(rng, original.family) if slip == "family" else original.family,
                date_of_birth=None
                if slip == "no_dob"
                else born + timedelta(days=rng.randrange(40, 400))
                if slip == "dob_other"
                else _swapped(born)
                if slip == "dob_swap"
                else born.replace(year=born.year + 1)
                if slip == "dob_year" and not (born.month == 2 and born.day == 29)
                else born,
                # Some were entered unsure of sex, some after a move.
                sex=rng.choice(("female", "male")) if rng.random() < 0.2 else original.sex,
                identifier=rng.choice(
                    (original.identifier, original.identifier, _slip(rng, original.identifier), "")
                ),
                postal_code=f"{rng.randrange(10000, 10100)}"
                if rng.random() < 0.25
                else original.postal_code,
                city=rng.choice(cities) if rng.random() < 0.25 else original.city,
            )
        )
    return made


def _swapped(day: date) -> date:
    return day.replace(month=day.day, day=day.month) if day.day <= 12 else day


def records_of(made: list[Entry]):
    from coresponder.people.linkage import make_record

    return [
        make_record(
            given=entry.given,
            family=entry.family,
            date_of_birth=entry.date_of_birth,
            sex=entry.sex,
            identifiers=[("state_id", entry.identifier)] if entry.identifier else [],
            city=entry.city,
            postal_code=entry.postal_code,
        )
        for entry in made
    ]
