"""The directory's query side: reading candidates for matching and for a search.

`candidates` reads the services at their locations for a program in a fixed number of
queries (the rows, then their schedules, languages, capacity, addresses and phones),
prefiltered in SQL by kind, the eligibility the person is known to have, and a bounding
box round the place, and hands `matching` plain facts. `suggest_for` builds an
encounter's needs, reading the person through the privacy policy; `search` serves the
staff and public directory pages. Nothing here says anything about a person to a page
except the notes on what could not be read.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from coresponder.core.exceptions import NotFound
from coresponder.encounters.access import rights_for
from coresponder.people.access import view_person
from coresponder.privacy.classification import DataClass

from .matching import (
    Candidate,
    Capacity,
    Hours,
    Needs,
    Opening,
    Place,
    Suggestion,
    kinds_for,
    rank,
)
from .models import (
    Address,
    Attribute,
    Language,
    Location,
    Phone,
    Schedule,
    ServiceAtLocation,
    ServiceCapacity,
    TaxonomyTerm,
)

# Bounding boxes tried in turn round the place, until enough candidates are found.
RADII_KM = (5.0, 10.0, 25.0, 50.0, 100.0)
ENOUGH = 30  # candidates that make a wider box unnecessary
SEARCH_ROWS = 500  # a search without a place reads at most this many service locations
KM_PER_DEGREE = 111.32

ROW_FIELDS = (
    "pk",
    "service_id",
    "service__name",
    "service__organization__name",
    "service__kind",
    "location_id",
    "location__name",
    "location__latitude",
    "location__longitude",
    "service__status",
    "service__minimum_age",
    "service__maximum_age",
    "service__veterans",
    "service__sex",
    "service__insurance_accepted",
    "service__description",
    "service__url",
    "service__email",
    "program_id",
)
SCHEDULE_FIELDS = (
    "service_id",
    "location_id",
    "service_at_location_id",
    "freq",
    "byday",
    "opens_at",
    "closes_at",
    "valid_from",
    "valid_to",
    "until",
    "interval",
    "count",
    "timezone",
)


@dataclass(frozen=True)
class Filters:
    """What a search or a match narrows the directory to, in SQL."""

    kinds: tuple[str, ...] = ()
    text: str = ""
    age: int | None = None
    veteran: bool | None = None
    sex: str = ""
    place: Place | None = None
    radius_km: float | None = None
    taxonomy: str = ""  # a taxonomy term's code or words, said of the service


def box(place: Place, radius_km: float) -> tuple[float, float, float, float]:
    dlat = radius_km / KM_PER_DEGREE
    dlon = radius_km / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(place.lat))))
    return place.lat - dlat, place.lat + dlat, place.lon - dlon, place.lon + dlon


def _in_box(south: float, north: float, west: float, east: float):
    """A location's coordinates in the box. On PostgreSQL as a point in a box, which its
    GiST index `location_point` answers (migration `referrals.0005`); elsewhere as two
    ranges, for the b-tree `location_place`."""
    if connection.vendor != "postgresql":
        return Q(latitude__range=(south, north), longitude__range=(west, east))
    return ExpressionWrapper(
        RawSQL(
            "point(longitude::float8, latitude::float8) <@ box(point(%s, %s), point(%s, %s))",
            (west, south, east, north),
        ),
        output_field=BooleanField(),
    )


def rows_query(program, filters: Filters):
    """The service locations the filters allow, as plain values (one query).

    With a box, the locations in it are a subquery the database reads first (by an index
    on the locations' program and coordinates where there is one), then their services
    through the location link; the program is then the locations', and `candidate_rows`
    checks each row's own. Without a box, the program's service locations.
    """
    rows = ServiceAtLocation.objects.filter(service__status="active")
    if filters.place is not None and filters.radius_km is not None:
        in_box = (
            Location.objects.filter(program=program)
            .filter(_in_box(*box(filters.place, filters.radius_km)))
            .values("pk")
        )
        # Not also filtered by the rows' program here: that index would lead the query
        # through every service location of the program.
        rows = rows.filter(location_id__in=in_box)
    else:
        rows = rows.filter(program=program)
    if filters.kinds:
        rows = rows.filter(service__kind__in=filters.kinds)
    if filters.age is not None:
        rows = rows.filter(
            Q(service__minimum_age__isnull=True) | Q(service__minimum_age__lte=filters.age),
            Q(service__maximum_age__isnull=True) | Q(service__maximum_age__gte=filters.age),
        )
    if filters.veteran is False:
        rows = rows.exclude(service__veterans=True)
    if filters.sex in ("female", "male"):
        rows = rows.filter(service__sex__in=["", "any", filters.sex])
    if filters.text:
        for word in filters.text.split()[:8]:
            rows = rows.filter(
                Q(service__name__icontains=word)
                | Q(service__description__icontains=word)
                | Q(service__organization__name__icontains=word)
                | Q(location__name__icontains=word)
            )
    if filters.taxonomy:
        rows = rows.filter(service__hsds_id__in=_services_with_term(program, filters.taxonomy))
    return rows.values_list(*ROW_FIELDS)


def _services_with_term(program, text: str):
    """The HSDS ids of the services a taxonomy term matching `text` (its code exactly, or
    words of its name) is said of, as a subquery."""
    terms = TaxonomyTerm.objects.filter(program=program).filter(
        Q(code__iexact=text.strip()) | Q(name__icontains=text.strip())
    )
    return Attribute.objects.filter(program=program, taxonomy_term__in=terms).values("link_id")


def _own(program, rows) -> list[tuple]:
    """The rows of `program` (the last field is the row's program)."""
    return [row for row in rows if row[-1] == program.pk]


def _hours(row) -> Hours:
    (_s, _l, _sal, freq, byday, opens_at, closes_at, valid_from, valid_to, until) = row[:10]
    interval, count, offset = row[10:]
    return Hours(
        freq=freq,
        byday=tuple(day.strip().upper() for day in byday.split(",") if day.strip()),
        opens_at=opens_at,
        closes_at=closes_at,
        valid_from=valid_from,
        valid_to=valid_to,
        until=until,
        interval=interval,
        count=count,
        utc_offset_hours=float(offset) if offset is not None else None,
    )


def _among(model, column: str, ids: Sequence):
    """`column IN ids`. On PostgreSQL as `= ANY(%s)` with one array: the query's text is
    then the same whatever the number of candidates, where an IN list of a hundred ids
    was a new text each time for psycopg to split and the server to parse (a profile put
    that at as long as the query itself)."""
    if connection.vendor != "postgresql":
        return Q(**{f"{column}__in": ids})
    name = f"{connection.ops.quote_name(model._meta.db_table)}.{connection.ops.quote_name(column)}"
    return ExpressionWrapper(
        RawSQL(name + " = ANY(%s)", (list(ids),)),  # noqa: S611 - names from the model
        output_field=BooleanField(),
    )


def _any_of(model, fields: Sequence[str], *conditions: Q):
    """Rows meeting any of `conditions`, as one UNION query: each part uses its own index,
    where an OR of IN lists makes SQLite read the whole table."""
    parts = [model.objects.filter(condition).values_list(*fields) for condition in conditions]
    return parts[0].union(*parts[1:])


def facts(rows: Sequence[tuple]) -> list[Candidate]:
    """Candidates for the rows, with their hours, languages, capacity, address and phone:
    five queries whatever the number of rows (none when there are no rows)."""
    if not rows:
        return []
    sal_ids = [row[0] for row in rows]
    service_ids = list({row[1] for row in rows})
    location_ids = list({row[5] for row in rows})
    location_set = set(location_ids)

    # Hours: a schedule of the service at that location wins over the service's own,
    # which wins over the location's.
    by_sal, by_service, by_location = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in _any_of(
        Schedule,
        SCHEDULE_FIELDS,
        _among(Schedule, "service_at_location_id", sal_ids),
        _among(Schedule, "service_id", service_ids),
        _among(Schedule, "location_id", location_ids),
    ):
        hours = _hours(row)
        if row[2] is not None:
            by_sal[row[2]].append(hours)
        elif row[0] is not None:
            if row[1] is None or row[1] in location_set:
                by_service[(row[0], row[1])].append(hours)
        else:
            by_location[row[1]].append(hours)

    languages_of: dict[tuple[str, object], list[str]] = defaultdict(list)
    for _pk, service_id, location_id, name, code in _any_of(
        Language,
        ("pk", "service_id", "location_id", "name", "code"),
        _among(Language, "service_id", service_ids),
        _among(Language, "location_id", location_ids),
    ):
        key = ("service", service_id) if service_id is not None else ("location", location_id)
        languages_of[key].append(name or code)
        if code:
            languages_of[key].append(code)

    capacity_of: dict[object, Capacity] = {}
    for service_id, available, maximum, unit in (
        ServiceCapacity.objects.filter(_among(ServiceCapacity, "service_id", service_ids))
        .order_by("service_id", "-updated")
        .values_list("service_id", "available", "maximum", "unit__name")
    ):
        capacity_of.setdefault(service_id, Capacity(available, maximum, unit))

    address_of: dict[object, str] = {}
    for location_id, line, city, postal_code in (
        Address.objects.filter(_among(Address, "location_id", location_ids))
        .order_by("location_id", "address_type", "hsds_id")
        .values_list("location_id", "address_1", "city", "postal_code")
    ):
        address_of.setdefault(location_id, ", ".join(p for p in (line, city, postal_code) if p))

    phone_of: dict[tuple[str, object], str] = {}
    phones = sorted(
        _any_of(
            Phone,
            ("hsds_id", "service_at_location_id", "service_id", "location_id", "number"),
            _among(Phone, "service_at_location_id", sal_ids),
            _among(Phone, "service_id", service_ids),
            _among(Phone, "location_id", location_ids),
        )
    )
    for _hsds_id, sal_id, service_id, location_id, number in phones:
        for key in (("sal", sal_id), ("service", service_id), ("location", location_id)):
            if key[1] is not None:
                phone_of.setdefault(key, number)

    found = []
    for row in rows:
        (sal_id, service_id, name, organization, kind, location_id, location_name, lat, lon) = row[
            :9
        ]
        status, minimum_age, maximum_age, veterans, sex, insurance, description = row[9:16]
        url, email = row[16:18]
        hours = (
            by_sal.get(sal_id)
            or by_service.get((service_id, location_id))
            or by_service.get((service_id, None))
            or by_location.get(location_id)
            or []
        )
        names = languages_of.get(("service", service_id), []) + languages_of.get(
            ("location", location_id), []
        )
        found.append(
            Candidate(
                service_id=service_id,
                service_name=name,
                organization=organization,
                kind=kind,
                location_id=location_id,
                location_name=location_name,
                address=address_of.get(location_id, ""),
                phone=phone_of.get(("sal", sal_id))
                or phone_of.get(("service", service_id))
                or phone_of.get(("location", location_id), ""),
                place=Place(float(lat), float(lon))
                if lat is not None and lon is not None
                else None,
                status=status,
                minimum_age=minimum_age,
                maximum_age=maximum_age,
                veterans=veterans,
                sex=sex,
                insurance_accepted=insurance,
                languages=frozenset(n.strip().lower() for n in names if n.strip()),
                language_names=tuple(dict.fromkeys(n for n in names if len(n) > 3)),
                hours=tuple(hours),
                capacity=capacity_of.get(service_id),
                description=description,
                url=url,
                email=email,
            )
        )
    return found


def candidate_rows(
    program, filters: Filters, *, limit_rows: int = SEARCH_ROWS
) -> tuple[list[tuple], float | None]:
    """The rows the filters allow, and the radius of the box they were read in (None: no
    box). With a place and no radius, the smallest box of `RADII_KM` that holds `ENOUGH`
    of them (the widest if none does): one query per box tried. (Reading a wider box at
    once and keeping its middle cost more than a second query for the few places that
    need one: see bench/README.md.)"""
    if filters.place is not None and filters.radius_km is None:
        rows: list[tuple] = []
        radius = RADII_KM[0]
        for radius in RADII_KM:
            rows = _own(
                program, rows_query(program, _with_radius(filters, radius))[: limit_rows * 4]
            )
            if len(rows) >= ENOUGH:
                break
        return rows, radius
    rows_qs = rows_query(program, filters)
    if filters.place is None:
        return list(rows_qs.order_by("service__name", "pk")[:limit_rows]), None
    return _own(program, rows_qs[: limit_rows * 4]), filters.radius_km


def candidates(program, filters: Filters, *, limit_rows: int = SEARCH_ROWS) -> list[Candidate]:
    """The candidates the filters allow, with all their facts."""
    rows, _radius = candidate_rows(program, filters, limit_rows=limit_rows)
    return facts(rows)


def _with_radius(filters: Filters, radius: float) -> Filters:
    return Filters(
        kinds=filters.kinds,
        text=filters.text,
        age=filters.age,
        veteran=filters.veteran,
        sex=filters.sex,
        place=filters.place,
        radius_km=radius,
        taxonomy=filters.taxonomy,
    )


def zone_of(program):
    return program.zone


def match(
    program, needs: Needs, *, now: datetime | None = None, limit: int = 10
) -> list[Suggestion]:
    """Suggestions for `needs` from the program's directory, best first."""
    now = now or timezone.now()
    found = candidates(
        program,
        Filters(
            kinds=needs.kinds,
            age=needs.age,
            veteran=needs.veteran,
            sex=needs.sex,
            place=needs.place,
        ),
    )
    return rank(needs, found, now, zone=zone_of(program), limit=limit)


# A search of the directory (staff and public pages) ------------------------------------


@dataclass(frozen=True)
class Search:
    text: str = ""
    kind: str = ""
    place: Place | None = None
    radius_km: float | None = None
    language: str = ""
    open_at: datetime | None = None  # only services open then
    taxonomy: str = ""  # a taxonomy term's code or words
    has_room: bool = False  # only services whose capacity says places are free
    limit: int = 50


def search(program, query: Search, *, now: datetime | None = None) -> list[Suggestion]:
    """Directory entries for a search, nearest first when a place is given; nothing about
    any person is read."""
    now = now or timezone.now()
    at = query.open_at or now
    filters = Filters(
        kinds=(query.kind,) if query.kind else (),
        text=query.text.strip(),
        place=query.place,
        radius_km=query.radius_km if query.place is not None else None,
        taxonomy=query.taxonomy.strip(),
    )
    found = candidates(program, filters)
    needs = Needs(
        kinds=filters.kinds, language=query.language, place=query.place, about_person=False
    )
    ranked = rank(needs, found, at, zone=zone_of(program))
    if query.language:
        wanted = query.language.strip().lower()
        ranked = [s for s in ranked if wanted in s.candidate.languages]
    if query.open_at is not None:
        ranked = [s for s in ranked if s.opening.state == Opening.OPEN]
    if query.has_room:
        ranked = [s for s in ranked if s.candidate.capacity is not None and not s.full]
    return ranked[: query.limit]


def place_near(program, text: str) -> Place | None:
    """The middle of the directory's locations whose address matches `text` (a postal code
    or a city), for "near" in a search without a geocoder."""
    text = text.strip()
    if not text:
        return None
    points = list(
        Location.objects.filter(program=program, latitude__isnull=False, longitude__isnull=False)
        .filter(Q(addresses__postal_code__iexact=text) | Q(addresses__city__iexact=text))
        .values_list("latitude", "longitude")[:200]
    )
    if not points:
        return None
    return Place(
        sum(float(lat) for lat, _lon in points) / len(points),
        sum(float(lon) for _lat, lon in points) / len(points),
    )


# An encounter's suggestions --------------------------------------------------------------


def age_on(born: date | None, today: date) -> int | None:
    if born is None:
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def needs_for(encounter, user, *, request=None, today: date | None = None) -> Needs:
    """The encounter's needs, as far as `user` may read them.

    The call's concerns, language and place are operational (the user works the call);
    assessment levels are clinical, read only by those the policy lets read them; the
    person's age, veteran status, sex and flags are read through `people.access`, which
    audits the read. What could not be read is matched without, and said in `notes`.
    """
    call = encounter.call
    program = call.program
    today = today or timezone.localdate(timezone=zone_of(program))
    rights = rights_for(user, call)
    notes = []
    levels: list[str] = []
    if rights.reads(DataClass.CLINICAL):
        levels = list(encounter.assessments.exclude(level="").values_list("level", flat=True))
    else:
        notes.append(_("assessments not readable by you: matched without the risk level"))
    age = veteran = None
    sex = ""
    flags: list[str] = []
    if call.person_id:
        try:
            person = view_person(
                user,
                call.person_id,
                channel="page:referral-suggestions",
                request=request,
                classes={DataClass.OPERATIONAL.value},
            )
        except NotFound:
            person = None
        section = person.sections.get(DataClass.OPERATIONAL) if person else None
        if section is None:
            notes.append(
                _(
                    "the person's age and veteran status are not readable by you: "
                    "matched without them"
                )
            )
        else:
            values = {name: value for name, _label, value in section.fields}
            age = age_on(values.get("date_of_birth"), today)
            status = values.get("veteran_status")
            veteran = {"veteran": True, "not_veteran": False}.get(status)
            sex = values.get("sex") or ""
            flags = list(values.get("flags") or [])
            if age is None:
                notes.append(_("date of birth not known: ages not checked"))
            if veteran is None:
                notes.append(_("veteran status not known"))
    else:
        notes.append(_("no person on the call: matched without age or veteran status"))
    place = Place(call.latitude, call.longitude) if call.has_place else None
    if place is None:
        notes.append(_("no location on the call: distance not used"))
    return Needs(
        kinds=kinds_for(
            call.concerns,
            levels=levels,
            disposition=encounter.disposition,
            flags=flags,
            age=age,
            veteran=veteran,
        ),
        age=age,
        veteran=veteran,
        sex=sex,
        language=call.language,
        place=place,
        notes=tuple(notes),
    )


def suggest_for(
    encounter, user, *, limit: int = 10, request=None, now: datetime | None = None
) -> tuple[Needs, list[Suggestion]]:
    """The encounter's needs as `user` may read them, and services suggested for them."""
    needs = needs_for(encounter, user, request=request)
    return needs, match(encounter.call.program, needs, now=now, limit=limit)


def kind_words(kind: str) -> str:
    from .models import ServiceKind

    try:
        return str(ServiceKind(kind).label)
    except ValueError:
        return kind
