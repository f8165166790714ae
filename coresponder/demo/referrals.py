"""The demo's referrals: encounters' persons sent to the partner agency's services, with
every state of the closed loop present.

The partner agency ("Demo Housing & Recovery Network") acts for a few directory
organisations. Persons who agreed to share care coordination with it are referred; the
others are told of the service ("information given"). Older referrals are history, written
in bulk at past times along legal walks of `referrals.loop`; the newest go through the
real actions (the demo clinician sends, the demo partner answers) so the audit log shows
them.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from coresponder.accounts.models import Agency, User
from coresponder.encounters.access import rights_for
from coresponder.encounters.dispositions import Disposition
from coresponder.encounters.models import Encounter
from coresponder.privacy import actions as privacy
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AccessRelation, Consent
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal
from coresponder.referrals.loop import State, check_move
from coresponder.referrals.models import Organization, Referral, ReferralEvent, Service

PARTNER_AGENCY = "Demo Housing & Recovery Network"
LINKED_ORGANIZATIONS = [
    "Demo Housing & Recovery Network",
    "Demo Recovery Services",
    "Demo Night Shelter",
    "Demo Recovery Fellowship",
]
# A linked service for a destination that is not one: by the destination's kind.
FITTING = {
    "detox": "Demo Withdrawal Management Center",
    "substance_use_treatment": "Demo Recovery Services — intensive outpatient program",
    "shelter_housing": "Demo Housing & Recovery Network — shelter intake",
    "support_group": "Demo Housing & Recovery Network — peer support line",
}
FALLBACK = "Demo Housing & Recovery Network — peer support line"
NEEDS = {
    "detox": ["Needs a detox bed tonight", "Wants medically supported withdrawal from alcohol"],
    "substance_use_treatment": [
        "Wants outpatient treatment for opioid use, evenings only",
        "Asked for a treatment programme close to the bus line",
    ],
    "shelter_housing": [
        "Needs a shelter bed tonight",
        "Lost housing this week; wants help with a place to stay",
    ],
    "support_group": [
        "Wants a peer to talk to this week",
        "Wants outpatient counselling in Spanish",
        "Asked for a recovery peer to check in by phone",
    ],
}
CONTACTS = [
    "Mobile on file with the clinician; mornings are best",
    "Reach through the case manager",
    "Text only; leave no voicemail",
]
DECLINE_REASONS = [
    "No beds until next week; referred back to the crisis unit",
    "Outside the service's age range",
    "Person asked to wait until after a family visit",
]
WITHDRAW_NOTES = ["The person chose another service", "Admitted to hospital instead"]

S = State
CARE_COORDINATION = DataClass.CARE_COORDINATION
# History: legal walks of the loop, ending in each closed or waiting state.
HISTORY_WALKS = [
    [S.SENT, S.RECEIVED, S.ACCEPTED, S.SCHEDULED, S.ATTENDED],
    [S.SENT, S.RECEIVED, S.DECLINED],
    [S.SENT, S.RECEIVED, S.ACCEPTED, S.SCHEDULED, S.NO_SHOW],
    [S.SENT, S.RECEIVED, S.ACCEPTED, S.WITHDRAWN],
    [S.SENT, S.RECEIVED, S.ACCEPTED, S.SCHEDULED, S.NO_SHOW, S.SCHEDULED, S.ATTENDED],
    [S.SENT, S.ACCEPTED, S.ATTENDED],
    [S.SENT, S.DECLINED],
]
# The newest, through the actions: still waiting on someone.
RECENT_WALKS = [
    [S.SENT, S.RECEIVED, S.ACCEPTED, S.SCHEDULED],
    [S.SENT, S.ACCEPTED],
    [S.SENT, S.RECEIVED],
    [S.SENT],
]


@dataclass
class DemoReferrals:
    linked: int
    by_state: Counter


def build_demo_referrals(program, *, rng: random.Random, now: datetime) -> DemoReferrals:
    agency = Agency.objects.get(program=program, name=PARTNER_AGENCY)
    clinician = User.objects.get(username="clinician")
    partner = User.objects.get(username="partner")
    for organization in Organization.objects.filter(
        program=program, name__in=LINKED_ORGANIZATIONS
    ).order_by("name"):
        referrals.link_partner(organization, agency=agency)
    services = {
        service.name: service
        for service in Service.objects.filter(program=program).select_related("organization")
    }
    linked = {
        name
        for name, service in services.items()
        if service.organization.name in LINKED_ORGANIZATIONS
        and service.status == Service.Status.ACTIVE
    }
    encounters = list(
        Encounter.objects.filter(
            program=program,
            disposition__in=[Disposition.REFERRED_VOLUNTARY, Disposition.TRANSPORTED_VOLUNTARY],
        )
        .select_related("call", "call__person", "completed_by")
        .order_by("-completed_at", "pk")
    )
    # Every referred encounter, and most of the transported ones.
    encounters = [
        encounter
        for encounter in encounters
        if encounter.disposition == Disposition.REFERRED_VOLUNTARY or rng.random() < 0.8
    ]
    named = [encounter for encounter in encounters if encounter.call.person_id is not None]
    writable = {
        encounter.pk
        for encounter in named
        if rights_for(clinician, encounter.call).writes(CARE_COORDINATION)
    }
    # Who agreed to share care coordination with the partner: all but one of those the
    # demo clinician did not see, who was only told of the service.
    persons = list(dict.fromkeys(encounter.call.person for encounter in named))
    others = [e.call.person for e in named if e.pk not in writable]
    refusing = {others[-1].pk} if len(others) > 1 else set()
    consenting = [person for person in persons if person.pk not in refusing]
    earliest = min((encounter.call.received_at for encounter in named), default=now)
    _record_consents(consenting, agency=agency, clinician=clinician, starts_at=earliest)
    consented = {person.pk for person in consenting}
    referred = [e for e in named if e.call.person_id in consented]
    told = [e for e in encounters if e.call.person_id is None or e.call.person_id in refusing]

    def service_for(encounter) -> Service:
        if encounter.destination in linked:
            return services[encounter.destination]
        destination = services.get(encounter.destination)
        return services[FITTING.get(destination.kind if destination else "", FALLBACK)]

    # Each referred encounter refers to its destination first, then to further linked
    # services, until there are enough referrals for every walk. The recent walks go through
    # the actions as the demo clinician, so they take the encounters the clinician worked
    # (the day's calls guarantee some: demo/calls.py); the history takes the others first.
    choices = {}
    for encounter in referred:
        first = service_for(encounter)
        rest = sorted(linked - {first.name})
        rng.shuffle(rest)
        choices[encounter.pk] = [first, *(services[name] for name in rest)]

    recent, history = _slots(referred, writable, choices)

    rows, events = [], []
    for (encounter, service), walk in zip(history, HISTORY_WALKS, strict=False):
        referral, moves = _history_referral(
            encounter, service=service, agency=agency, walk=walk, rng=rng, now=now
        )
        rows.append(referral)
        events.extend(moves)
    for encounter in told:
        destination = services.get(encounter.destination) or services[FALLBACK]
        at = _after(encounter, rng, now)
        rows.append(
            Referral(
                program=program,
                encounter=encounter,
                person=encounter.call.person,
                service=destination,
                organization_id=destination.organization_id,
                agency=None,
                kind=Referral.Kind.INFORMATION_GIVEN,
                state=State.INFORMATION_GIVEN,
                sent_by_id=encounter.completed_by_id,
                sent_at=at,
                moved_at=at,
            )
        )
        events.append(
            _event(rows[-1], "", State.INFORMATION_GIVEN, at=at, user=encounter.completed_by)
        )
    Referral.objects.bulk_create(rows)
    ReferralEvent.objects.bulk_create(events)
    # The partner sees the persons it was sent, as `send_referral` arranges.
    _share_with_partner(
        [p for p in persons if p.pk in {row.person_id for row in rows if row.agency_id}],
        agency=agency,
        clinician=clinician,
        now=now,
    )
    for (encounter, service), walk in zip(recent, RECENT_WALKS, strict=False):
        _recent_referral(
            encounter,
            service=service,
            walk=walk,
            clinician=clinician,
            partner=partner,
            rng=rng,
            now=now,
        )
    if recent:  # one through the action, for the audit log
        referrals.record_information_given(
            recent[0][0],
            service=services["Demo County Behavioral Health — walk-in crisis clinic"],
            acting_user=clinician,
        )
    by_state = Counter(Referral.objects.filter(program=program).values_list("state", flat=True))
    return DemoReferrals(linked=len(LINKED_ORGANIZATIONS), by_state=by_state)


def _slots(referred: list, writable: set, choices: dict) -> tuple[list, list]:
    """(encounter, service) pairs for the recent walks, from the encounters the demo clinician
    worked, and for the history, from the others first; each encounter's services in turn."""

    def take(encounters: list, wanted: int) -> list:
        taken: list = []
        for depth in range(max((len(c) for c in choices.values()), default=0)):
            for encounter in encounters:
                if len(taken) < wanted and depth < len(choices[encounter.pk]):
                    taken.append((encounter, choices[encounter.pk][depth]))
        return taken

    worked = [e for e in referred if e.pk in writable]
    recent = take(worked, len(RECENT_WALKS))
    others = [e for e in referred if e.pk not in writable] + worked
    history = [
        slot for slot in take(others, len(HISTORY_WALKS) + len(recent)) if slot not in recent
    ]
    if len(recent) < len(RECENT_WALKS) or len(history) < len(HISTORY_WALKS):
        raise RuntimeError("The demo's day has too few referred encounters for every walk.")
    return recent, history[: len(HISTORY_WALKS)]


def _record_consents(persons, *, agency, clinician, starts_at) -> None:
    for person in persons:
        privacy.record_consent(
            person,
            kind=Consent.Kind.GENERAL,
            data_classes=[CARE_COORDINATION],
            recipient_agencies=[agency],
            purpose=Consent.Purpose.CARE_COORDINATION,
            starts_at=starts_at - timedelta(days=1),
            ends_at=None,
            form_kind=Consent.FormKind.VERBAL,
            acting_user=clinician,
        )


def _share_with_partner(persons, *, agency, clinician, now) -> None:
    for person in persons:
        if (
            AccessRelation.objects.in_force(now)
            .filter(person=person, agency=agency, kind=AccessRelation.Kind.REFERRAL_RECIPIENT)
            .exists()
        ):
            continue
        privacy.grant_relation(
            person,
            kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
            agency=agency,
            source="demo referral history",
            # As `send_referral` does: the access rests on the consent it went under.
            consent=Consent.objects.in_force(now)
            .filter(person=person, recipient_agencies=agency)
            .first(),
            acting_user=clinician,
        )


def _after(encounter, rng: random.Random, now: datetime) -> datetime:
    """When a clinician followed the encounter up: soon after it, and before the last hour."""
    done = encounter.completed_at or encounter.call.received_at
    return max(done, min(done + timedelta(minutes=rng.randint(5, 90)), now - timedelta(hours=1)))


def _event(referral, from_state, to_state, *, at, user, note: str = "") -> ReferralEvent:
    return ReferralEvent(
        referral=referral,
        from_state=from_state,
        to_state=to_state,
        at=at,
        by_user=user,
        by_name=str(user),
        note=note,
    )


def _need(service: Service, rng: random.Random) -> str:
    return rng.choice(NEEDS.get(service.kind, NEEDS["support_group"]))


def _history_referral(encounter, *, service, agency, walk, rng, now):
    sender = encounter.completed_by
    sent_at = _after(encounter, rng, now)
    referral = Referral(
        program_id=encounter.program_id,
        encounter=encounter,
        person=encounter.call.person,
        service=service,
        organization_id=service.organization_id,
        agency=agency,
        kind=Referral.Kind.REFERRAL,
        state=State.SENT,
        need=_need(service, rng),
        contact=rng.choice(CONTACTS),
        sent_by=sender,
        sent_at=sent_at,
        moved_at=sent_at,
    )
    events = [_event(referral, "", State.SENT, at=sent_at, user=sender)]
    at, current = sent_at, State.SENT
    # The moves share what is left between sending and an hour ago.
    step = max(now - timedelta(minutes=5) - sent_at, timedelta(0)) / (len(walk) + 1)
    for wanted in walk[1:]:
        check_move(current, wanted)
        at = at + step * rng.uniform(0.5, 1.0)
        note = ""
        if wanted == State.SCHEDULED:
            referral.appointment_at = at + step * 0.4  # before the next move
        if wanted == State.DECLINED:
            referral.decline_reason = rng.choice(DECLINE_REASONS)
        if wanted == State.WITHDRAWN:
            note = rng.choice(WITHDRAW_NOTES)
        by = sender if wanted == State.WITHDRAWN else None
        event = _event(referral, current, wanted, at=at, user=by, note=note)
        if by is None:
            event.by_name = agency.name
        events.append(event)
        current = wanted
    referral.state, referral.moved_at = current, at
    return referral, events


def _recent_referral(encounter, *, service, walk, clinician, partner, rng, now) -> Referral:
    referral = referrals.send_referral(
        encounter,
        service=service,
        need=_need(service, rng),
        contact=rng.choice(CONTACTS),
        acting_user=clinician,
    )
    principal = Principal(user=partner)
    for wanted in walk[1:]:
        appointment = None
        if wanted == State.SCHEDULED:
            # A morning or afternoon hour in the program's zone, one to four days ahead.
            zone = encounter.program.zone
            day = now.astimezone(zone).date() + timedelta(days=rng.randint(1, 4))
            appointment = datetime.combine(day, time(rng.randint(9, 15)), tzinfo=zone)
        referral = referrals.move_referral(
            referral, to=wanted, principal=principal, appointment_at=appointment
        )
    return referral


def describe_referrals(program) -> str:
    """One line for the demo command: the referrals in each state."""
    by_state = Counter(Referral.objects.filter(program=program).values_list("state", flat=True))
    parts = ", ".join(f"{by_state[state]} {state.value.replace('_', ' ')}" for state in State)
    return f"referrals: {sum(by_state.values())} ({parts})"
