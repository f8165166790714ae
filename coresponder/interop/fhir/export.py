"""A person's record as FHIR R4, built only from what the reader may read.

Each kind of record is fetched here and handed to the read gate (`privacy.gate.read`),
which decides, projects and audits it; `resources.py` turns the projections into FHIR
resources. Whatever leaves by FHIR leaves the program (an EHR, a partner's system), so
every class shown is recorded as disclosed: the person's accounting of disclosures lists
each export and API read (channel `fhir:export` or `fhir:api`). A whole bundle (the
encounter's "send to EHR", `Patient/$everything`) writes one more entry naming what it
held (`interop.fhir_bundle_exported`).

Part 2 information reaches only a reader whose agency a Part 2 consent in force names: the
policy decides it like every other read, and the resources carrying it are labelled.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone

from coresponder.calls.access import working_calls
from coresponder.cases import events as case_events
from coresponder.cases.models import SafetyPlanRevision
from coresponder.dispatch.models import StatusEvent, TeamMember
from coresponder.encounters import events as encounter_events
from coresponder.encounters.models import (
    Assessment,
    Encounter,
    Instrument,
    PlanState,
    ResponsePlan,
)
from coresponder.people.models import Person, PersonIdentifier, PersonName
from coresponder.privacy import events as privacy_events
from coresponder.privacy import gate
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import Consent
from coresponder.privacy.policy import Relation
from coresponder.referrals.access import Principal
from coresponder.referrals.models import Referral

from .. import events
from . import questionnaires, resources

SAFETY_PLAN = "stanley-brown-safety-plan"


def reader_of(*, user=None, token=None) -> Principal:
    """Who reads: a signed-in user, or an agency's API token."""
    return Principal(user=user, token=token)


def _user_of(who: Principal):
    return who.user if who.token is None else None


def _everything_disclosed(_row, projection) -> set[str]:
    """What FHIR carries leaves the program: every class shown is disclosed."""
    return set(gate.shown_in_all(projection))


@dataclass
class Built:
    """Resources built for one reader, and the readable classes of each person shown."""

    resources: list[dict] = field(default_factory=list)
    readable: dict[Any, dict] = field(default_factory=dict)  # person id -> classes readable

    def add(self, resource: dict | None) -> None:
        if resource is not None:
            self.resources.append(resource)

    def extend(self, other: Built) -> None:
        self.resources += other.resources
        for person_id, classes in other.readable.items():
            self.readable.setdefault(person_id, classes)

    def of_type(self, resource_type: str) -> list[dict]:
        return [r for r in self.resources if r["resourceType"] == resource_type]


# Persons --------------------------------------------------------------------------------

PERSON_CHILDREN = {
    "names": lambda person: person.names.all(),
    "identifiers": lambda person: person.identifiers.all(),
    "addresses": lambda person: person.addresses.all(),
}


def persons_in_program(who: Principal):
    return Person.objects.filter(program_id=who.agency.program_id)


def patients(
    who: Principal, persons: Iterable[Person], *, channel: str, now: datetime, request=None
) -> Built:
    """The persons as Patients, each as far as the reader may see them (identity needs
    the operational class), one audited read each."""
    persons = list(persons)
    built = Built()
    if not persons:
        return built
    rows = list(
        Person.objects.filter(pk__in=[p.pk for p in persons]).prefetch_related(
            "names", "identifiers", "addresses"
        )
    )
    order = {person.pk: position for position, person in enumerate(persons)}
    rows.sort(key=lambda person: order[person.pk])
    for projection in gate.read(
        who,
        rows,
        channel=channel,
        request=request,
        now=now,
        event=privacy_events.PERSON_READ,
        label="person",
        children=PERSON_CHILDREN,
        disclosed=_everything_disclosed,
        # The record's notes, history and free texts are not part of the Patient resource.
        only={
            "date_of_birth",
            "sex",
            "languages",
            "phone",
            "email",
            "registered_by_agency",
            "revision",
        },
    ):
        built.readable[projection.id] = dict(projection.readable)
        built.add(resources.patient(projection))
    return built


def search_persons(who: Principal, *, name="", identifier="", birthdate=""):
    """The persons of the reader's program matching a Patient search (before the gate
    decides whom the reader may see): name (any part, from its start), identifier
    (`system|value` or a value) and birth date (YYYY-MM-DD), all that are given."""
    persons = persons_in_program(who)
    if name:
        persons = persons.filter(
            pk__in=PersonName.objects.filter(
                Q(given__istartswith=name) | Q(family__istartswith=name)
            ).values("person_id")
        )
    if identifier:
        system, _bar, value = identifier.rpartition("|")
        matches = PersonIdentifier.objects.filter(
            normalised=value.replace(" ", "").replace("-", "").replace(".", "").upper()
        )
        if system:
            matches = matches.filter(system=system.rsplit("/", 1)[-1])
        persons = persons.filter(pk__in=matches.values("person_id"))
    if birthdate:
        persons = persons.filter(date_of_birth=birthdate)
    return persons.order_by("created_at")


# Encounters -----------------------------------------------------------------------------

ENCOUNTER_CHILDREN = {
    "call": gate.Rows(
        lambda encounter: [encounter.call],
        only=frozenset({"reference", "received_at", "address", "latitude", "longitude"}),
    ),
    "assessments": lambda encounter: encounter.assessments.all(),
}


def encounters(
    who: Principal, rows: Sequence[Encounter], *, channel: str, now: datetime, request=None
) -> Built:
    """Each encounter with where it happened, who was there, and its assessments
    (QuestionnaireResponse, their Questionnaire, and the screening Observation)."""
    rows = list(
        Encounter.objects.filter(pk__in=[row.pk for row in rows])
        .select_related("call", "team")
        .prefetch_related(
            Prefetch("assessments", queryset=_assessments()),
        )
        .order_by("created_at")
    )
    built = Built()
    if not rows:
        return built
    user = _user_of(who)
    worked = working_calls(user, [row.call for row in rows]) if user is not None else set()
    members: dict[Any, list] = {}
    for member in TeamMember.objects.filter(
        team_id__in={row.team_id for row in rows if row.team_id}
    ).select_related("user"):
        members.setdefault(member.team_id, []).append((member.user, member.role))
    by_id = {row.pk: row for row in rows}
    # When each team reached the scene of its call: one query for every encounter.
    on_scene_at: dict[tuple, datetime] = {}
    for call_id, team_id, at in (
        StatusEvent.objects.filter(call_id__in=[row.call_id for row in rows], to_status="on_scene")
        .order_by("-occurred_at", "-id")
        .values_list("call_id", "team_id", "occurred_at")
    ):
        on_scene_at[(call_id, team_id)] = at  # the earliest is written last
        on_scene_at[(call_id, None)] = at
    for projection in gate.read(
        who,
        rows,
        channel=channel,
        request=request,
        now=now,
        event=encounter_events.ENCOUNTER_VIEWED,
        label="encounter",
        relations={row.pk: {Relation.ON_CALL} for row in rows if row.call_id in worked},
        children=ENCOUNTER_CHILDREN,
        disclosed=_everything_disclosed,
        detail=lambda row: {"encounter": str(row.pk)},
    ):
        row = by_id[projection.id]
        person_id = projection.person_id
        (call,) = projection.extra["call"]
        place = resources.location(call)
        built.add(place)
        team = members.get(row.team_id, [])
        for user_, _role in team:
            built.add(resources.practitioner(user_))
        on_scene = on_scene_at.get((row.call_id, row.team_id))
        built.add(
            resources.encounter(
                projection,
                person_id=person_id,
                members=team,
                on_scene_at=on_scene,
                location_id=place["id"] if place else None,
            )
        )
        for assessment in projection.extra["assessments"]:
            if not assessment.has("answers"):
                continue
            instrument = assessment["instrument"]
            built.add(questionnaires.questionnaire_of(instrument.parsed()))
            built.add(
                resources.questionnaire_response(
                    assessment, person_id=person_id, encounter_id=projection.id
                )
            )
            built.add(
                resources.screening_observation(
                    assessment, person_id=person_id, encounter_id=projection.id
                )
            )
    return built


def _assessments():
    return Assessment.objects.select_related("instrument").order_by("created_at")


def encounters_of(who: Principal, person_ids) -> list[Encounter]:
    return list(
        Encounter.objects.filter(
            program_id=who.agency.program_id, call__person_id__in=list(person_ids)
        ).select_related("call")
    )


# Care plans -----------------------------------------------------------------------------

PLAN_LABELS = {
    name: ResponsePlan._meta.get_field(name).verbose_name
    for name in (
        "safety_concerns",
        "triggers",
        "calming",
        "baseline",
        "escalated",
        "strategies",
        "contacts",
    )
}


def care_plans(
    who: Principal, person_ids, *, channel: str, now: datetime, request=None, plan_ids=None
) -> Built:
    """Approved response plans (the safety summary, or the whole plan for a clinical
    reader) and the latest safety plan revision (clinical) of each person."""
    built = Built()
    plans = ResponsePlan.objects.filter(
        program_id=who.agency.program_id, person_id__in=list(person_ids), state=PlanState.APPROVED
    )
    if plan_ids is not None:
        plans = plans.filter(pk__in=[uuid.UUID(p) for p in plan_ids if _is_uuid(p)])
    for projection in gate.read(
        who,
        list(plans),
        channel=channel,
        request=request,
        now=now,
        event=encounter_events.PLAN_VIEWED,
        label="response_plan",
        classes={DataClass.PUBLIC_SAFETY.value, DataClass.CLINICAL.value},
        require=None,
        name_fields=True,
        disclosed=_everything_disclosed,
        detail=lambda plan: {"plan": str(plan.pk), "state": plan.state},
    ):
        built.add(resources.response_plan_care_plan(projection, labels=PLAN_LABELS))
    latest = {}
    for revision in SafetyPlanRevision.objects.filter(
        person_id__in=list(person_ids), person__program_id=who.agency.program_id
    ).order_by("person_id", "-number"):
        latest.setdefault(revision.person_id, revision)
    revisions = list(latest.values())
    if plan_ids is not None:
        revisions = [r for r in revisions if f"safety-plan-{r.pk}" in plan_ids]
    if not revisions:
        return built
    instrument = (
        Instrument.objects.filter(key=SAFETY_PLAN, is_active=True).order_by("-version").first()
    )
    parsed = instrument.parsed() if instrument is not None else None
    for projection in gate.read(
        who,
        revisions,
        channel=channel,
        request=request,
        now=now,
        event=case_events.SAFETY_PLAN_VIEWED,
        label="safety_plan",
        require=DataClass.CLINICAL,
        disclosed=_everything_disclosed,
    ):
        if not projection.has("answers"):
            continue
        if parsed is not None:
            built.add(questionnaires.questionnaire_of(parsed))
        built.add(
            resources.safety_plan_care_plan(
                projection,
                person_id=projection.person_id,
                instrument=parsed,
                questionnaire_canonical=questionnaires.canonical(parsed.key, parsed.version)
                if parsed
                else None,
            )
        )
    return built


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


# Referrals ------------------------------------------------------------------------------


def referrals(
    who: Principal, rows: Sequence[Referral], *, channel: str, now: datetime, request=None
) -> Built:
    """Each referral as a ServiceRequest and its loop as a Task, as far as the reader may
    read its service (a substance-use service's referral is Part 2)."""
    built = Built()
    rows = list(rows)
    if not rows:
        return built
    for projection in gate.read(
        who,
        rows,
        channel=channel,
        request=request,
        now=now,
        event=privacy_events.PERSON_READ,
        label="referral",
        require=None,
        require_field="service",
        disclosed=_everything_disclosed,
        detail=lambda referral: {"referral": str(referral.pk)},
        anonymous=False,
    ):
        organization_id = None
        if projection.has("organization"):
            org = projection["organization"]
            organization_id = f"org-{org.pk}"
            built.add(
                {
                    **resources.organization(organization_id, org.name),
                    **resources._meta(projection.shown),
                }
            )
        built.add(resources.service_request(projection, organization_id=organization_id))
        built.add(resources.referral_task(projection, organization_id=organization_id))
    return built


def referrals_of(who: Principal, person_ids, *, encounter_ids=None) -> list[Referral]:
    rows = Referral.objects.filter(
        program_id=who.agency.program_id, person_id__in=list(person_ids)
    ).select_related("service", "organization", "sent_by")
    if encounter_ids is not None:
        rows = rows.filter(encounter_id__in=list(encounter_ids))
    return list(rows.order_by("sent_at"))


# Consents -------------------------------------------------------------------------------


def consents(readable: dict[Any, dict], *, at: datetime, consent_ids=None) -> Built:
    """The consents of persons already read (their `readable` classes): a Part 2 consent
    only to a Part 2 reader, as on the consent page; each recipient agency alongside."""
    built = Built()
    for person_id, classes in readable.items():
        rows = Consent.objects.visible_in(person_id, readable=classes).prefetch_related(
            "recipient_agencies"
        )
        if consent_ids is not None:
            rows = rows.filter(pk__in=consent_ids)
        for row in rows.order_by("starts_at"):
            recipients = list(row.recipient_agencies.all())
            for agency in recipients:
                built.add(resources.agency_organization(agency))
            built.add(resources.consent(row, at=at, recipients=recipients))
    return built


# Whole bundles --------------------------------------------------------------------------


def record_of(
    who: Principal,
    person: Person,
    *,
    channel: str,
    now: datetime,
    request=None,
    encounter_ids: Sequence | None = None,
) -> Built:
    """Everything of one person the reader may read (or of the encounters named)."""
    built = patients(who, [person], channel=channel, now=now, request=request)
    if person.pk not in built.readable:
        return built
    person_ids = [person.pk]
    rows = encounters_of(who, person_ids)
    if encounter_ids is not None:
        rows = [row for row in rows if row.pk in set(encounter_ids)]
    built.extend(encounters(who, rows, channel=channel, now=now, request=request))
    if encounter_ids is None:
        built.extend(care_plans(who, person_ids, channel=channel, now=now, request=request))
    built.extend(
        referrals(
            who,
            referrals_of(who, person_ids, encounter_ids=encounter_ids),
            channel=channel,
            now=now,
            request=request,
        )
    )
    built.extend(consents(built.readable, at=now))
    return built


def export_bundle(
    who: Principal,
    person: Person,
    *,
    channel: str,
    base_url: str,
    bundle_type: str = "collection",
    now: datetime | None = None,
    request=None,
    encounter_ids: Sequence | None = None,
) -> dict | None:
    """A person's record as a Bundle (None: the reader may not see the person, or none
    of the encounters named), with one `interop.fhir_bundle_exported` entry naming what it
    held."""
    now = now or timezone.now()
    built = record_of(
        who, person, channel=channel, now=now, request=request, encounter_ids=encounter_ids
    )
    if person.pk not in built.readable:
        return None
    if encounter_ids is not None and not built.of_type("Encounter"):
        return None
    bundle = resources.bundle(
        built.resources,
        bundle_type=bundle_type,
        bundle_id=str(uuid.uuid4()),
        at=now,
        base_url=base_url,
    )
    counts = Counter(entry["resource"]["resourceType"] for entry in bundle["entry"])
    labels = sorted(label["code"] for label in bundle.get("meta", {}).get("security", []))
    events.fhir_bundle_exported(
        actor=who.actor,
        person_id=person.pk,
        bundle_id=bundle["id"],
        channel=channel,
        counts=dict(sorted(counts.items())),
        labels=labels,
        encounters=[str(e) for e in encounter_ids] if encounter_ids is not None else None,
        request=request,
    )
    return bundle
