"""The probabilistic match model: its fields, their levels, and scoring a pair in Python.

Each field compares one thing two person records hold (a given name, a date of birth, an
identifier of one kind) and puts the pair at one level, most alike first: "same given
name", "given name spelled alike", ... "different given name". Splink learns, for each
level, how often true matches land there (m) and how often different persons do (u), on
the program's own persons (`training.py`); a level's weight is log2(m / u).

Every level is written twice, as SQL for Splink's training and batch runs and as a Python
test for scoring at intake and in search, where a query must not wait on DuckDB. DuckDB's
built-in `jaro_winkler_similarity` and `damerau_levenshtein` give jellyfish's values (the
same on 221,000 pairs of FEBRL names, streets and towns), and a test scores pairs both
ways and compares the weights, so the two cannot drift apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import jellyfish
from django.utils.translation import gettext_lazy as _

from .models import IdentifierSystem, Sex

Record = dict[str, str | None]


def name_similarity(left: str, right: str) -> float:
    return jellyfish.jaro_winkler_similarity(left, right)


def edits_apart(left: str, right: str) -> int:
    return jellyfish.damerau_levenshtein_distance(left, right)


@dataclass(frozen=True)
class Level:
    key: str
    chart_label: str  # on the administrators' chart
    words: str  # in a reason: "same date of birth"
    sql: str
    test: Callable[[Record, Record], bool]
    is_null: bool = False
    tf_column: str = ""  # term-frequency adjusted: the exact match of a common name weighs less


@dataclass(frozen=True)
class Field:
    name: str
    title: str
    columns: tuple[str, ...]  # the record columns it reads; its data must be there to train it
    levels: tuple[Level, ...]


def _null_level(column: str) -> Level:
    def test(left: Record, right: Record) -> bool:
        return not (left.get(column) and right.get(column))

    return Level(
        key="missing",
        chart_label=_("not known on both"),
        words="",
        sql=f"{column}_l IS NULL OR {column}_r IS NULL",
        test=test,
        is_null=True,
    )


def _else_level(words) -> Level:
    return Level(
        key="different",
        chart_label=_("different"),
        words=words,
        sql="ELSE",
        test=lambda left, right: True,
    )


def _exact(column: str, words, *, tf: bool = False) -> Level:
    return Level(
        key="same",
        chart_label=_("same"),
        words=words,
        sql=f"{column}_l = {column}_r",
        test=lambda left, right: left[column] == right[column],
        tf_column=column if tf else "",
    )


def _alike(column: str, at_least: float, key: str, chart_label, words) -> Level:
    return Level(
        key=key,
        chart_label=chart_label,
        words=words,
        sql=f"jaro_winkler_similarity({column}_l, {column}_r) >= {at_least}",
        test=lambda left, right: name_similarity(left[column], right[column]) >= at_least,
    )


def _one_edit(column: str, chart_label, words) -> Level:
    return Level(
        key="one_edit",
        chart_label=chart_label,
        words=words,
        sql=f"damerau_levenshtein({column}_l, {column}_r) <= 1",
        test=lambda left, right: edits_apart(left[column], right[column]) <= 1,
    )


def _name_field(part: str, other: str, title, words: dict) -> Field:
    column, sound, other_column = f"{part}_name", f"{part}_sound", f"{other}_name"
    return Field(
        name=column,
        title=title,
        columns=(column,),
        levels=(
            _null_level(column),
            _exact(column, words["same"], tf=True),
            _alike(column, 0.92, "spelled_alike", _("spelled alike"), words["spelled_alike"]),
            Level(
                key="sounds_alike",
                chart_label=_("sounds alike"),
                words=words["sounds_alike"],
                sql=f"{sound}_l = {sound}_r",
                test=lambda left, right: bool(left[sound]) and left[sound] == right[sound],
            ),
            Level(
                key="swapped",
                chart_label=_("the other name part"),
                words=words["swapped"],
                sql=f"{column}_l = {other_column}_r",
                test=lambda left, right: left[column] == right.get(other_column),
            ),
            _alike(column, 0.8, "somewhat_alike", _("somewhat alike"), words["somewhat_alike"]),
            _else_level(words["different"]),
        ),
    )


def _date_of_birth_field() -> Field:
    def parts_alike(left: Record, right: Record) -> bool:
        a, b = left["birth_date"], right["birth_date"]
        return (a[:4] == b[:4]) + (a[4:6] == b[4:6]) + (a[6:] == b[6:]) >= 2

    return Field(
        name="birth_date",
        title=_("date of birth"),
        columns=("birth_date",),
        levels=(
            _null_level("birth_date"),
            _exact("birth_date", _("same date of birth")),
            Level(
                key="swapped",
                chart_label=_("day and month swapped"),
                words=_("date of birth with day and month swapped"),
                sql="birth_date_l = birth_date_swapped_r",
                test=lambda left, right: left["birth_date"] == right.get("birth_date_swapped"),
            ),
            _one_edit(
                "birth_date",
                _("one digit apart"),
                _("date of birth one digit or transposition apart"),
            ),
            Level(
                key="two_parts",
                chart_label=_("two of day, month, year"),
                words=_("two of day, month and year the same"),
                sql=(
                    "(CAST(substr(birth_date_l, 1, 4) = substr(birth_date_r, 1, 4) AS INTEGER)"
                    " + CAST(substr(birth_date_l, 5, 2) = substr(birth_date_r, 5, 2) AS INTEGER)"
                    " + CAST(substr(birth_date_l, 7, 2) = substr(birth_date_r, 7, 2) AS INTEGER))"
                    " >= 2"
                ),
                test=parts_alike,
            ),
            _else_level(_("different date of birth")),
        ),
    )


def _coded_field(column: str, title, same, different, *, typo=None) -> Field:
    levels = [_null_level(column), _exact(column, same)]
    if typo is not None:
        levels.append(_one_edit(column, _("one character apart"), typo))
    levels.append(_else_level(different))
    return Field(name=column, title=title, columns=(column,), levels=tuple(levels))


def _text_field(column: str, title, same, alike, different) -> Field:
    return Field(
        name=column,
        title=title,
        columns=(column,),
        levels=(
            _null_level(column),
            _exact(column, same),
            _alike(column, 0.88, "spelled_alike", _("spelled alike"), alike),
            _else_level(different),
        ),
    )


def identifier_column(system: str) -> str:
    return f"identifier_{system}"


def _fields() -> tuple[Field, ...]:
    given = _name_field(
        "given",
        "family",
        _("given name"),
        {
            "same": _("same given name"),
            "spelled_alike": _("given name spelled alike"),
            "sounds_alike": _("given name sounds alike"),
            "swapped": _("given name is the other's family name"),
            "somewhat_alike": _("given name somewhat alike"),
            "different": _("different given name"),
        },
    )
    family = _name_field(
        "family",
        "given",
        _("family name"),
        {
            "same": _("same family name"),
            "spelled_alike": _("family name spelled alike"),
            "sounds_alike": _("family name sounds alike"),
            "swapped": _("family name is the other's given name"),
            "somewhat_alike": _("family name somewhat alike"),
            "different": _("different family name"),
        },
    )
    # Which system issued an identifier is itself information of its class (a clinical
    # record number says the person is a patient), so reasons say only "identifier".
    identifiers = tuple(
        _coded_field(
            identifier_column(system),
            _("identifier (%(kind)s)") % {"kind": label},
            _("same identifier"),
            _("different identifier"),
            typo=_("identifier one character apart"),
        )
        for system, label in IdentifierSystem.choices
    )
    return (
        given,
        family,
        _date_of_birth_field(),
        _coded_field("sex", _("sex"), _("same sex"), _("different sex")),
        *identifiers,
        _coded_field("phone", _("phone"), _("same phone"), _("different phone")),
        _text_field(
            "street",
            _("street address"),
            _("same street address"),
            _("street address spelled alike"),
            _("different street address"),
        ),
        _text_field(
            "city", _("city"), _("same city"), _("city spelled alike"), _("different city")
        ),
        _coded_field(
            "postal_code",
            _("postal code"),
            _("same postal code"),
            _("different postal code"),
            typo=_("postal code one character apart"),
        ),
    )


FIELDS = _fields()
FIELDS_BY_NAME = {one.name: one for one in FIELDS}
# Every column a record holds, in the order the training frame lays them out.
COLUMNS = (
    "given_name",
    "family_name",
    "given_sound",
    "family_sound",
    "birth_date",
    "birth_date_swapped",
    "sex",
    *(identifier_column(system) for system in IdentifierSystem.values),
    "phone",
    "street",
    "city",
    "postal_code",
)


# -- Records ---------------------------------------------------------------------------


def _key(text: str) -> str | None:
    from .matching import name_key

    return name_key(text) or None


def _sound(key: str | None) -> str | None:
    from .matching import name_sound

    return (name_sound(key) or None) if key else None


def _words_key(text: str) -> str | None:
    """Lower case, letters and digits, single spaces: '12 Main St.' -> '12 main st'."""
    words = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    return words or None


def birth_date_text(day: date | None) -> str | None:
    return day.strftime("%Y%m%d") if day else None


def _swapped_text(day: date | None) -> str | None:
    if day is None or day.day > 12 or day.day == day.month:
        return None
    try:
        return birth_date_text(day.replace(month=day.day, day=day.month))
    except ValueError:
        return None


def make_record(
    *,
    given: str = "",
    family: str = "",
    date_of_birth: date | None = None,
    sex: str = "",
    identifiers: Iterable[tuple[str, str]] = (),
    phone: str = "",
    street: str = "",
    city: str = "",
    postal_code: str = "",
) -> Record:
    """One person's columns for the model: keys, sound-alike codes and normalised values."""
    given_key, family_key = _key(given), _key(family)
    record: Record = {
        "given_name": given_key,
        "family_name": family_key,
        "given_sound": _sound(given_key),
        "family_sound": _sound(family_key),
        "birth_date": birth_date_text(date_of_birth),
        "birth_date_swapped": _swapped_text(date_of_birth),
        "sex": sex if sex and sex != Sex.UNKNOWN else None,
        "phone": re.sub(r"\D", "", phone)[-10:] or None,
        "street": _words_key(street),
        "city": _words_key(city),
        "postal_code": re.sub(r"[^A-Z0-9]", "", postal_code.upper()) or None,
    }
    for system in IdentifierSystem.values:
        record[identifier_column(system)] = None
    for system, normalised in identifiers:
        column = identifier_column(system)
        if normalised and record.get(column) is None:
            record[column] = normalised
    return record


def record_of(person) -> Record:
    """A person's record from their legal (else first) name, identifiers and home address,
    with names, identifiers and addresses prefetched."""
    names = list(person.names.all())
    name = next((one for one in names if one.kind == "legal"), names[0] if names else None)
    addresses = list(person.addresses.all())
    address = addresses[0] if addresses else None
    return make_record(
        given=name.given if name else "",
        family=name.family if name else "",
        date_of_birth=person.date_of_birth,
        sex=person.sex,
        identifiers=[(one.system, one.normalised) for one in person.identifiers.all()],
        phone=person.phone,
        street=address.line1 if address else "",
        city=address.city if address else "",
        postal_code=address.postal_code if address else "",
    )


# -- Scoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldWeight:
    field: str
    level: str
    words: str
    weight: float

    def __str__(self) -> str:
        sign = "+" if self.weight >= 0 else "\u2212"
        return f"{self.words} {sign}{abs(self.weight):.1f}"


@dataclass
class Score:
    weight: float
    probability: float
    fields: list[FieldWeight] = field(default_factory=list)

    def reasons(self) -> list[str]:
        """The fields that told, strongest first: 'same date of birth +6.1'."""
        told = sorted(self.fields, key=lambda one: -abs(one.weight))
        return [str(one) for one in told if abs(one.weight) >= 0.05]


def probability_of(weight: float) -> float:
    if weight > 60:
        return 1.0
    odds = 2.0**weight
    return odds / (1.0 + odds)


@dataclass(frozen=True)
class Parameters:
    """The trained numbers, as stored in a `LinkageModel` row."""

    prior: float  # the probability two records picked at random are one person
    levels: dict  # {field: {level key: {"m": m, "u": u}}}
    tf_minimum: float = 0.0

    @classmethod
    def from_stored(cls, stored: dict) -> Parameters:
        return cls(prior=stored["prior"], levels=stored["levels"])

    def fields(self) -> list[Field]:
        return [FIELDS_BY_NAME[name] for name in self.levels]

    def level_weight(self, field_name: str, level_key: str) -> float | None:
        found = self.levels.get(field_name, {}).get(level_key)
        if not found or not found.get("m") or not found.get("u"):
            return None
        return math.log2(found["m"] / found["u"])

    def score(self, left: Record, right: Record, frequencies: dict | None = None) -> Score:
        """Score a pair as Splink's predict would; `frequencies` gives, per name column,
        the share of the program's persons with that name ({"given_name": {"ann": 0.01}})."""
        total = math.log2(self.prior / (1 - self.prior))
        weights = []
        for one in self.fields():
            level = next(level for level in one.levels if level.test(left, right))
            if level.is_null:
                continue
            weight = self.level_weight(one.name, level.key)
            if weight is None:
                continue  # a level the training never saw: it tells nothing
            if level.tf_column and frequencies is not None:
                share = frequencies.get(level.tf_column, {}).get(left[level.tf_column])
                if share:
                    u = self.levels[one.name][level.key]["u"]
                    weight += math.log2(u) - math.log2(max(share, self.tf_minimum))
            total += weight
            weights.append(FieldWeight(one.name, level.key, str(level.words), weight))
        return Score(weight=total, probability=probability_of(total), fields=weights)
