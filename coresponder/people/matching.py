"""Person search: ranked candidates, each with the reasons it was offered.

`search()` is the one entry point. Candidates come from indexed keys (name prefixes and
sound-alike codes, the date of birth and its day-month swap, the identifier). Once the
program has trained its match model (`coresponder people train`), each candidate is scored
with it in plain Python: a match probability and each field's weight in words ("same date
of birth +6.1"). Before that, the ranking below (names, sound-alikes, date of birth) does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

import jellyfish
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from .linkage import Parameters, Record, Score, identifier_column, make_record
from .models import LinkageModel, Person, PersonIdentifier, PersonName, normalise_identifier

POOL_PER_CRITERION = 400
MIN_SCORE = 10.0
# A name and date of birth both matching (85), or an identifier, is strong; the whole
# name alone (50) likely; a near spelling possible. Pages say these words, not the score.
STRONG_SCORE = 80.0
LIKELY_SCORE = 50.0


def strength(score: float) -> str:
    """How well a candidate matches, in words for a page."""
    if score >= STRONG_SCORE:
        return _("Strong match")
    if score >= LIKELY_SCORE:
        return _("Likely match")
    return _("Possible match")


def name_key(text: str) -> str:
    """Lower case, accents folded, letters only: 'Zoë O'Neil' -> 'zoeoneil'."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"[^a-z]", "", folded.lower())


def name_sound(text: str) -> str:
    key = name_key(text)
    return jellyfish.metaphone(key)[:32] if key else ""


def keys_for(name: PersonName) -> None:
    name.given_key, name.family_key = name_key(name.given), name_key(name.family)
    name.given_sound, name.family_sound = name_sound(name.given), name_sound(name.family)


@dataclass(frozen=True)
class PersonQuery:
    """What is known while searching: a name as typed, a date of birth, an identifier."""

    name: str = ""
    date_of_birth: date | None = None
    identifier: str = ""

    def tokens(self) -> list[str]:
        return [key for key in (name_key(part) for part in re.split(r"[\s,]+", self.name)) if key]

    @property
    def is_empty(self) -> bool:
        return not (self.tokens() or self.date_of_birth or self.identifier.strip())


@dataclass
class Candidate:
    person: Person
    score: float  # 0-100; with the model, the match probability in percent
    reasons: list[str] = field(default_factory=list)
    probability: float | None = None  # with the model only
    weight: float | None = None  # with the model: the log2 odds the ranking follows


def search(program, query: PersonQuery, *, limit: int = 10, base=None) -> list[Candidate]:
    """Candidates for `query` among the program's persons, best first."""
    if query.is_empty:
        return []
    persons = (base if base is not None else Person.objects).filter(program=program)
    pool = _candidate_ids(persons, query)
    if not pool:
        return []
    found = persons.filter(pk__in=pool).prefetch_related("names", "identifiers")
    model = LinkageModel.objects.filter(program=program).order_by("-version").first()
    if model is not None:
        scored = _scored_by_model(program, found, query, model)
    else:
        scored = [_score(person, query) for person in found]
        scored = [candidate for candidate in scored if candidate.score >= MIN_SCORE]
    # With the model, by weight: near-certain probabilities round alike, weights do not.
    scored.sort(
        key=lambda candidate: (
            -(candidate.score if candidate.weight is None else candidate.weight),
            str(candidate.person.pk),
        )
    )
    return scored[:limit]


def _candidate_ids(persons, query: PersonQuery) -> set:
    ids: set = set()
    tokens = query.tokens()
    if tokens:
        by_name = Q()
        for token in tokens:
            by_name |= Q(given_key__startswith=token[:3]) | Q(family_key__startswith=token[:3])
            sound = name_sound(token)
            by_name |= Q(given_sound=sound) | Q(family_sound=sound)
        ids.update(
            PersonName.objects.filter(by_name, person__in=persons)
            .values_list("person_id", flat=True)
            .distinct()[:POOL_PER_CRITERION]
        )
    if query.date_of_birth:
        dates = [query.date_of_birth, *_swapped(query.date_of_birth)]
        ids.update(
            persons.filter(date_of_birth__in=dates).values_list("pk", flat=True)[
                :POOL_PER_CRITERION
            ]
        )
    if query.identifier.strip():
        ids.update(
            PersonIdentifier.objects.filter(
                normalised=normalise_identifier(query.identifier), person__in=persons
            ).values_list("person_id", flat=True)[:POOL_PER_CRITERION]
        )
    return ids


def _swapped(day: date) -> Iterable[date]:
    if day.day <= 12 and day.day != day.month:
        try:
            yield day.replace(month=day.day, day=day.month)
        except ValueError:
            return


def _score(person: Person, query: PersonQuery) -> Candidate:
    candidate = Candidate(person=person, score=0.0)
    tokens = query.tokens()
    if tokens:
        candidate.score += _score_names(person, tokens, candidate.reasons)
    if query.date_of_birth:
        candidate.score += _score_birth(person, query.date_of_birth, candidate.reasons)
    if query.identifier.strip():
        wanted = normalise_identifier(query.identifier)
        for identifier in person.identifiers.all():
            if identifier.normalised == wanted:
                candidate.score += 60
                # Which system issued it is itself information of its class: not said here.
                candidate.reasons.append("an identifier matches")
                break
    return candidate


def _score_names(person: Person, tokens: list[str], reasons: list[str]) -> float:
    """Up to 50 points: each typed word against the best part of any of the person's names."""
    names = list(person.names.all())
    total = 0.0
    for token in tokens:
        best, why = 0.0, ""
        for name in names:
            for part, key, sound in (
                ("given name", name.given_key, name.given_sound),
                ("family name", name.family_key, name.family_sound),
            ):
                if not key:
                    continue
                label = part if name.kind == "legal" else f"{name.get_kind_display().lower()}"
                similarity, how = _similarity(token, key, sound)
                if similarity > best:
                    best, why = similarity, f"{label} {how} “{_shown(name, part)}”"
        total += best
        if best >= 0.75:
            reasons.append(why)
    return 50.0 * total / len(tokens)


def _shown(name: PersonName, part: str) -> str:
    return name.given if part == "given name" else name.family


def _similarity(token: str, key: str, sound: str) -> tuple[float, str]:
    if token == key:
        return 1.0, "is"
    if len(token) >= 2 and key.startswith(token):
        return 0.9, "starts like"
    winkler = jellyfish.jaro_winkler_similarity(token, key)
    if sound and name_sound(token) == sound:
        return max(0.85, winkler), "sounds like"
    return winkler, "is spelled like"


def _score_birth(person: Person, wanted: date, reasons: list[str]) -> float:
    born = person.date_of_birth
    if born is None:
        return 0.0
    if born == wanted:
        reasons.append("date of birth matches")
        return 35.0
    if born in set(_swapped(wanted)):
        reasons.append("date of birth matches with day and month swapped")
        return 20.0
    same = sum((born.year == wanted.year, born.month == wanted.month, born.day == wanted.day))
    if same == 2:
        reasons.append("date of birth differs in one part")
        return 15.0
    if person.birth_date_estimated and abs(born.year - wanted.year) <= 2:
        reasons.append("estimated date of birth is close")
        return 10.0
    return -10.0


# -- With the trained model ------------------------------------------------------------


def _query_records(query: PersonQuery) -> list[Record]:
    """The query as records: a typed name's first and last words may be given and family
    name either way round; a single word may be either."""
    tokens = query.tokens()
    if not tokens:
        orders = [("", "")]
    elif len(tokens) == 1:
        orders = [(tokens[0], ""), ("", tokens[0])]
    else:
        orders = [(tokens[0], tokens[-1]), (tokens[-1], tokens[0])]
    return [
        make_record(given=given, family=family, date_of_birth=query.date_of_birth)
        for given, family in orders
    ]


def _person_records(person: Person) -> list[Record]:
    """One record per name the person is known by; only what a search is compared on
    (names, date of birth, identifiers) is read."""
    identifiers = [(one.system, one.normalised) for one in person.identifiers.all()]
    names = list(person.names.all()) or [None]
    return [
        make_record(
            given=name.given if name else "",
            family=name.family if name else "",
            date_of_birth=person.date_of_birth,
            identifiers=identifiers,
        )
        for name in names
    ]


def _with_identifier(record: Record, typed: str, person: Person) -> Record:
    """The typed identifier in the column of the person's identifier it is nearest to:
    the system it was issued by is not typed, and an identifier of another system is not
    a disagreement."""
    if not typed:
        return record
    nearest = min(
        person.identifiers.all(),
        key=lambda one: jellyfish.damerau_levenshtein_distance(typed, one.normalised),
        default=None,
    )
    if nearest is None:
        return record
    return {**record, identifier_column(nearest.system): typed}


def _name_frequencies(program, records: list[Record], held: dict) -> dict:
    """The share of the program's persons whose legal name part is each typed one, as
    Splink's term-frequency tables hold it: common names weigh less when they agree."""
    shares = {}
    for column, key_field in (("given_name", "given_key"), ("family_name", "family_key")):
        wanted = {record[column] for record in records if record[column]}
        total = held.get(column) or 0
        if not wanted or not total:
            continue
        counts = (
            PersonName.objects.filter(
                person__program=program, kind="legal", **{f"{key_field}__in": wanted}
            )
            .values(key_field)
            .annotate(count=Count("person", distinct=True))
        )
        shares[column] = {row[key_field]: row["count"] / total for row in counts}
    return shares


def _scored_by_model(program, found, query: PersonQuery, model: LinkageModel) -> list[Candidate]:
    parameters = Parameters.from_stored(model.parameters)
    queries = _query_records(query)
    frequencies = _name_frequencies(program, queries, model.parameters.get("names_held", {}))
    typed = normalise_identifier(query.identifier) if query.identifier.strip() else ""
    prior = parameters.score({}, {}).weight
    candidates = []
    for person in found:
        best: Score | None = None
        for typed_record in queries:
            asked = _with_identifier(typed_record, typed, person)
            for known in _person_records(person):
                score = parameters.score(asked, known, frequencies)
                if best is None or score.weight > best.weight:
                    best = score
        # Offered only when its fields, together, speak for the same person.
        if best is not None and best.weight > prior:
            candidates.append(
                Candidate(
                    person=person,
                    score=100 * best.probability,
                    reasons=best.reasons(),
                    probability=best.probability,
                    weight=best.weight,
                )
            )
    return candidates
