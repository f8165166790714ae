"""Many referrals to one partner, in bulk, for the queue's query count and its benchmark.

Each referral's person is registered by the sender's agency, named, consents to share care
coordination with the partner, and the partner is their referral recipient resting on
that consent, as `send_referral` leaves them. The referrals are spread over the loop's
states (walks `referrals.loop` allows), sent over the last `days` days. Rows are made with
`bulk_create`: this builds a read's data, not the writes under test.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from coresponder.people.models import Person, PersonName
from coresponder.privacy.models import AccessRelation, Consent
from coresponder.referrals.loop import State
from coresponder.referrals.models import Referral, ReferralEvent

# The states, in the mix a busy partner's list holds: most closed, some waiting.
MIX = [
    State.SENT,
    State.RECEIVED,
    State.ACCEPTED,
    State.SCHEDULED,
    State.ATTENDED,
    State.ATTENDED,
    State.DECLINED,
    State.NO_SHOW,
    State.WITHDRAWN,
    State.ATTENDED,
]
BATCH = 500


def build_referrals(
    *, service, agency, sender, count: int, now: datetime, days: int = 120, seed: int = 18
) -> list[Referral]:
    """`count` referrals of `count` persons to `service`, answered for `agency`."""
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    persons = Person.objects.bulk_create(
        [
            Person(
                program_id=service.program_id,
                registered_by_agency_id=sender.agency_id,
                phone=f"555-{n:04d}",
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    PersonName.objects.bulk_create(
        [
            PersonName(person=person, given="Queue", family=f"Person {n:04d}")
            for n, person in enumerate(persons)
        ],
        batch_size=BATCH,
    )
    sent = [now - timedelta(hours=rng.uniform(1, days * 24)) for _ in persons]
    consents = Consent.objects.bulk_create(
        [
            Consent(
                person=person,
                kind=Consent.Kind.GENERAL,
                data_classes=["care_coordination"],
                purpose=Consent.Purpose.CARE_COORDINATION,
                starts_at=at - timedelta(minutes=10),
                ends_at=None,
                form_kind=Consent.FormKind.VERBAL,
                recorded_by=sender,
            )
            for person, at in zip(persons, sent, strict=True)
        ],
        batch_size=BATCH,
    )
    Consent.recipient_agencies.through.objects.bulk_create(
        [
            Consent.recipient_agencies.through(consent_id=consent.pk, agency_id=agency.pk)
            for consent in consents
        ],
        batch_size=BATCH,
    )
    AccessRelation.objects.bulk_create(
        [
            AccessRelation(
                person=consent.person,
                kind=AccessRelation.Kind.REFERRAL_RECIPIENT,
                agency=agency,
                source="bulk referrals",
                starts_at=consent.starts_at,
                consent=consent,
            )
            for consent in consents
        ],
        batch_size=BATCH,
    )
    referrals, events = [], []
    for n, (person, at) in enumerate(zip(persons, sent, strict=True)):
        state = MIX[n % len(MIX)]
        moved_at = min(at + timedelta(hours=rng.uniform(1, 48)), now)
        referral = Referral(
            program_id=service.program_id,
            person=person,
            service=service,
            organization_id=service.organization_id,
            agency=agency,
            kind=Referral.Kind.REFERRAL,
            state=state,
            need=f"Needs a place to stay (referral {n})",
            contact=f"Mobile 555-{n:04d}",
            sent_by=sender,
            sent_at=at,
            moved_at=at if state == State.SENT else moved_at,
        )
        if state in (State.SCHEDULED, State.ATTENDED, State.NO_SHOW):
            referral.appointment_at = moved_at + timedelta(days=rng.uniform(-3, 10))
        if state == State.DECLINED:
            referral.decline_reason = "No places left"
        referrals.append(referral)
        events.append(
            ReferralEvent(
                referral=referral,
                from_state="",
                to_state=State.SENT,
                at=at,
                by_user=sender,
                by_name=str(sender),
            )
        )
        if state != State.SENT:
            events.append(
                ReferralEvent(
                    referral=referral,
                    from_state=State.SENT,
                    to_state=state,
                    at=referral.moved_at,
                    by_name=str(agency),
                )
            )
    Referral.objects.bulk_create(referrals, batch_size=BATCH)
    ReferralEvent.objects.bulk_create(events, batch_size=BATCH)
    return referrals
