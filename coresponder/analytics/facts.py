"""Making the call facts from the operational records, and keeping them up to date.

A call's facts are rebuilt whole whenever anything about the call changed: the call, its
encounter, a team's status on it, a referral or a follow-up case from it. Each source is
read in one grouped query per batch of calls, so a batch costs a handful of queries
whatever its size. What a fact keeps is what a KPI needs: no name, no address, no free
text; the person is their record's id, which the de-identified extract replaces again.
"""

from __future__ import annotations

import itertools
import zoneinfo
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Min, OuterRef, Q, Subquery, Value, When
from django.utils import timezone

from coresponder.accounts.models import Program
from coresponder.calls.models import Call
from coresponder.cases.models import Case as FollowUpCase
from coresponder.core.audit import Actor
from coresponder.dispatch.models import StatusEvent
from coresponder.encounters.dispositions import Disposition
from coresponder.encounters.models import Assessment, Encounter, Section
from coresponder.people.models import PersonAddress
from coresponder.referrals.models import Referral

from . import events
from .kpis import EPOCH
from .models import CallFact, FactRefresh

BATCH = 1000
FIRST_INSTANT = datetime.min.replace(tzinfo=UTC)

ENCOUNTER, IMPORTED = "encounter", "imported"  # where a call's outcome comes from
TELLS_ALL = "*"
DISPOSITIONS = frozenset(code.value for code in Disposition)


def covers_of(codes) -> str:
    """The facts' form of the dispositions an outcome's source could say: "*" for all of
    them (an encounter, a CAD), else ",a,b," for a SQL LIKE to find one in."""
    codes = set(codes or ())
    if codes >= DISPOSITIONS:
        return TELLS_ALL
    return "," + ",".join(sorted(codes)) + "," if codes else ""


AGE_BANDS = ((18, "0-17"), (25, "18-24"), (35, "25-34"), (45, "35-44"), (55, "45-54"))
AGE_BANDS += ((65, "55-64"), (90, "65-89"))
OLDEST_BAND = "90+"  # Safe Harbor: ages over 89 are one group


def age_band(born: date | None, on: date) -> str:
    if born is None:
        return ""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for below, band in AGE_BANDS:
        if age < below:
            return band
    return OLDEST_BAND


@dataclass(frozen=True)
class Moment:
    """A call's time as the facts keep it: whole numbers in the program's time zone, and
    nothing finer than the call is known to. A call known only to the month has no week;
    only to the year, no month either; without its weekday and hour, no hour of the week.
    `day` … `day_end` is the span it may lie in: one day, or its month, or its year."""

    epoch: int
    day: int
    day_end: int  # the day after the last it may lie in
    week: int | None
    month: int | None
    year: int
    hour_of_week: int | None

    @classmethod
    def of(
        cls,
        when: datetime,
        zone: zoneinfo.ZoneInfo,
        *,
        precision: str = "minute",
        weekday: int | None = None,
        hour: int | None = None,
    ) -> Moment:
        local = when.astimezone(zone)
        day = (local.date() - EPOCH).days
        if precision == "year":
            end = date(local.year + 1, 1, 1)
        elif precision == "month":
            end = date(local.year + local.month // 12, local.month % 12 + 1, 1)
        else:
            end = local.date() + timedelta(days=1)
            weekday = local.weekday()
            hour = local.hour if precision in ("hour", "minute") else None
        return cls(
            epoch=int(when.timestamp()),
            day=day,
            day_end=(end - EPOCH).days,
            week=day - local.weekday() if precision not in ("year", "month") else None,
            month=local.year * 100 + local.month if precision != "year" else None,
            year=local.year,
            hour_of_week=weekday * 24 + hour if weekday is not None and hour is not None else None,
        )


REFERRED = ~Q(kind=Referral.Kind.INFORMATION_GIVEN) & ~Q(state="withdrawn")
ACCEPTED_OR_LATER = ("accepted", "scheduled", "attended", "no_show")


def _seconds(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None or end < start:
        return None
    return int((end - start).total_seconds())


def _chunks(ids: Iterable, size: int) -> Iterator[list]:
    iterator = iter(ids)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def rows_for(program: Program, call_ids: list) -> list[CallFact]:
    """The facts of these calls, computed from the operational records.

    A call received outside the program's bounds (`core.time_bounds`: a year typed wrong
    before the entry points refused it, a row edited by hand) makes no fact: it would
    count where no period shows it, or not be placeable in the program's zone at all.
    `coresponder check data` lists it; once corrected, the call's facts are rebuilt."""
    zone = program.zone
    now = timezone.now()
    bounds = program.time_bounds(now)
    next_call = (
        Call.objects.filter(person=OuterRef("person"), received_at__gt=OuterRef("received_at"))
        .order_by("received_at")
        .values("received_at")[:1]
    )
    calls = (
        Call.objects.filter(
            id__in=call_ids, received_at__gte=bounds.earliest, received_at__lte=bounds.latest
        )
        .annotate(next_call_at=Subquery(next_call))
        .values(
            "id",
            "program_id",
            "received_at",
            "received_precision",
            "received_weekday",
            "received_hour",
            "source",
            "concerns",
            "response",
            "taken_by_agency_id",
            "reported_disposition",
            "reported_covers",
            "person_id",
            "person__date_of_birth",
            "person__sex",
            "person__veteran_status",
            "next_call_at",
        )
    )
    encounters = {
        row["call_id"]: row
        for row in Encounter.objects.filter(call_id__in=call_ids).values(
            "id",
            "call_id",
            "team_id",
            "team__agency_id",
            "state",
            "disposition",
            "interventions",
            "completed_at",
        )
    }
    encounter_ids = [row["id"] for row in encounters.values()]
    assessed = set(
        Assessment.objects.filter(encounter_id__in=encounter_ids, complete=True)
        .values_list("encounter_id", flat=True)
        .distinct()
    )
    # The force field is read in Python: section content is JSON on PostgreSQL but text
    # that SQLite's JSON functions refuse on some rows.
    forced = {
        encounter_id
        for encounter_id, content in Section.objects.filter(
            encounter_id__in=encounter_ids, kind="safety"
        ).values_list("encounter_id", "content")
        if isinstance(content, dict) and content.get("force") not in (None, "", "none")
    }
    referrals = {
        row["encounter_id"]: row
        for row in Referral.objects.filter(REFERRED, encounter_id__in=encounter_ids)
        .values("encounter_id")
        .annotate(
            sent=Count("id"),
            accepted=Count("id", filter=Q(state__in=ACCEPTED_OR_LATER)),
            attended=Count("id", filter=Q(state="attended")),
        )
    }
    times = {
        row["call_id"]: row
        for row in StatusEvent.objects.filter(call_id__in=call_ids)
        .values("call_id")
        .annotate(
            dispatched=Min("occurred_at", filter=Q(to_status="dispatched")),
            on_scene=Min("occurred_at", filter=Q(to_status="on_scene")),
            cleared=Min("occurred_at", filter=Q(to_status__in=("officer_cleared", "available"))),
        )
    }
    follow_ups = {
        row["encounter_id"]: row["first_contact"]
        for row in FollowUpCase.objects.filter(encounter_id__in=encounter_ids)
        .values("encounter_id")
        .annotate(first_contact=Min("contacts__at"))
    }
    person_ids = {row["person_id"] for row in calls if row["person_id"]}
    zip3 = {}
    for person_id, postal_code in (
        PersonAddress.objects.filter(person_id__in=person_ids)
        .annotate(
            home=Case(
                When(kind="home", then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("person_id", "home", F("created_at").desc())
        .values_list("person_id", "postal_code")
    ):
        digits = "".join(ch for ch in postal_code if ch.isdigit())
        if person_id not in zip3 and len(digits) >= 5:
            zip3[person_id] = digits[:3]

    facts = []
    for call in calls:
        moment = Moment.of(
            call["received_at"],
            zone,
            precision=call["received_precision"],
            weekday=call["received_weekday"],
            hour=call["received_hour"],
        )
        encounter = encounters.get(call["id"])
        encounter_id = encounter["id"] if encounter else None
        complete = bool(encounter and encounter["state"] == "complete")
        referral = referrals.get(encounter_id, {})
        timed = times.get(call["id"], {})
        on_scene, cleared = timed.get("on_scene"), timed.get("cleared")
        needs_follow_up = encounter_id in follow_ups
        first_contact = follow_ups.get(encounter_id)
        # An encounter documented here is the outcome; without one, what a CAD or an
        # export reported is, kept apart as imported.
        if complete:
            outcome_source, disposition = ENCOUNTER, encounter["disposition"] or ""
            covers = TELLS_ALL
        elif call["reported_disposition"]:
            outcome_source, disposition = IMPORTED, call["reported_disposition"]
            covers = covers_of(call["reported_covers"])
        else:
            outcome_source, disposition, covers = "", "", ""
        facts.append(
            CallFact(
                call_id=call["id"],
                program_id=call["program_id"],
                agency_id=(encounter and encounter["team__agency_id"])
                or call["taken_by_agency_id"],
                team_id=encounter["team_id"] if encounter else None,
                source=call["source"],
                concern=(call["concerns"] or [""])[0],
                response=call["response"],
                person_key=str(call["person_id"]) if call["person_id"] else None,
                age_band=age_band(call["person__date_of_birth"], moment_date(moment)),
                sex=call["person__sex"] or "",
                veteran=call["person__veteran_status"] or "",
                zip3=zip3.get(call["person_id"], ""),
                received_epoch=moment.epoch,
                day=moment.day,
                day_end=moment.day_end,
                week=moment.week,
                month=moment.month,
                year=moment.year,
                hour_of_week=moment.hour_of_week,
                has_encounter=int(encounter is not None),
                complete=int(complete),
                disposition=disposition,
                outcome_source=outcome_source,
                outcome_covers=covers,
                assessed=int(encounter_id in assessed),
                services=int(
                    complete
                    and bool(
                        encounter_id in assessed
                        or referral.get("sent")
                        or encounter["interventions"]
                    )
                ),
                any_force=int(encounter_id in forced),
                referrals_sent=referral.get("sent", 0),
                referrals_accepted=referral.get("accepted", 0),
                referrals_attended=referral.get("attended", 0),
                response_seconds=_seconds(call["received_at"], on_scene),
                on_scene_seconds=_seconds(on_scene, cleared),
                officer_seconds=_seconds(timed.get("dispatched"), cleared),
                next_call_seconds=_seconds(call["received_at"], call["next_call_at"])
                if call["person_id"]
                else None,
                needs_follow_up=int(needs_follow_up),
                follow_up_seconds=_seconds(encounter and encounter["completed_at"], first_contact)
                if needs_follow_up
                else None,
                refreshed_at=now,
            )
        )
    return facts


def calls_outside_bounds(program: Program) -> int:
    """How many of the program's calls make no fact: received outside its bounds."""
    bounds = program.time_bounds(timezone.now())
    return (
        Call.objects.filter(program=program)
        .exclude(received_at__gte=bounds.earliest, received_at__lte=bounds.latest)
        .count()
    )


def moment_date(moment: Moment) -> date:
    return EPOCH + timedelta(days=moment.day)


@dataclass(frozen=True)
class Rebuilt:
    calls: int
    people: int


def rebuild(
    program: Program, call_ids: Iterable, *, progress: Callable[[int], None] | None = None
) -> Rebuilt:
    """Replace the facts of these calls, a batch at a time, and log the system's read of
    the people behind them (one audit entry)."""
    written, people = 0, set()
    for chunk in _chunks(call_ids, BATCH):
        facts = rows_for(program, chunk)
        with transaction.atomic():
            CallFact.objects.filter(call_id__in=chunk).delete()
            CallFact.objects.bulk_create(facts, batch_size=500)
        written += len(facts)
        people.update(fact.person_key for fact in facts if fact.person_key)
        if progress:
            progress(written)
    if written:
        events.on_program(
            events.FACTS_REBUILT,
            program,
            actor=Actor.system("analytics facts"),
            detail={"calls": written, "people": len(people)},
        )
    return Rebuilt(written, len(people))


def changed_calls(program: Program, since: datetime | None) -> set:
    """Calls whose facts may differ since that moment: theirs or a related record changed."""
    calls = Call.objects.filter(program=program)
    if since is None or program.updated_at >= since:
        # The program's settings (its zone, its earliest date) shape every fact.
        return set(calls.values_list("id", flat=True))
    changed = set(calls.filter(updated_at__gte=since).values_list("id", flat=True))
    changed |= set(
        Encounter.objects.filter(program=program, updated_at__gte=since).values_list(
            "call_id", flat=True
        )
    )
    changed |= set(
        Section.objects.filter(encounter__program=program, updated_at__gte=since).values_list(
            "encounter__call_id", flat=True
        )
    )
    changed |= set(
        Assessment.objects.filter(encounter__program=program, updated_at__gte=since).values_list(
            "encounter__call_id", flat=True
        )
    )
    changed |= set(
        StatusEvent.objects.filter(call__program=program, occurred_at__gte=since)
        .exclude(call=None)
        .values_list("call_id", flat=True)
    )
    changed |= set(
        Referral.objects.filter(program=program, updated_at__gte=since)
        .exclude(encounter=None)
        .values_list("encounter__call_id", flat=True)
    )
    changed |= set(
        FollowUpCase.objects.filter(program=program, updated_at__gte=since)
        .exclude(encounter=None)
        .values_list("encounter__call_id", flat=True)
    )
    changed |= set(
        Call.objects.filter(program=program, person__updated_at__gte=since).values_list(
            "id", flat=True
        )
    )
    return changed | _earlier_calls_of_the_same_people(changed)


def _earlier_calls_of_the_same_people(changed: set) -> set:
    """A new or moved call changes its person's earlier call's gap to the next one: the
    calls of those people from 90 days before the earliest changed one are rebuilt too
    (an older call's gap is longer than any a KPI asks about either way)."""
    if not changed:
        return set()
    touched = Call.objects.filter(id__in=changed, person__isnull=False)
    earliest = touched.aggregate(first=Min("received_at"))["first"]
    if earliest is None:
        return set()
    # A call stored at the very start of the calendar has no 90 days before it.
    since = max(earliest, FIRST_INSTANT + timedelta(days=90)) - timedelta(days=90)
    return set(
        Call.objects.filter(
            person_id__in=touched.values("person_id"), received_at__gte=since
        ).values_list("id", flat=True)
    )


def bring_up_to_date(
    program: Program,
    *,
    full: bool = False,
    unless_within: float = 0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Rebuild the facts of every call changed since the last time; returns how many.

    `unless_within` seconds: a page that asks again that soon after the last refresh is
    answered from the facts as they are (each filter change of a dashboard asks)."""
    started = timezone.now()
    with transaction.atomic():
        mark, _ = FactRefresh.objects.select_for_update().get_or_create(
            program=program, defaults={"up_to": datetime(1970, 1, 1, tzinfo=UTC)}
        )
        never = mark.up_to.year == 1970
        if unless_within and not never and started - mark.up_to < timedelta(seconds=unless_within):
            return 0
        since = None if full or never else mark.up_to
    rebuilt = rebuild(program, sorted(changed_calls(program, since), key=str), progress=progress)
    FactRefresh.objects.filter(pk=mark.pk).update(up_to=started)
    return rebuilt.calls
