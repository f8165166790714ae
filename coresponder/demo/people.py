"""Demo persons: the same person seen differently by an officer, a clinician and a partner.

Persons are labelled "Demo" with a phonetic-alphabet word, never given invented names.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from coresponder.accounts.models import Agency, User
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation, Consent

WORDS = [
    "Alpha",
    "Bravo",
    "Charlie",
    "Delta",
    "Echo",
    "Foxtrot",
    "Golf",
    "Hotel",
    "India",
    "Juliett",
    "Kilo",
    "Lima",
    "Mike",
    "November",
    "Oscar",
    "Papa",
]


def build_demo_people(program, *, rng: random.Random, now: datetime) -> None:
    staff = {user.username: user for user in User.objects.filter(agency__program=program)}
    agencies = {agency.name: agency for agency in Agency.objects.filter(program=program)}
    dispatcher, officer, clinician = staff["dispatcher"], staff["officer"], staff["clinician"]
    casemanager, emt = staff["casemanager"], staff["emt"]
    behavioral = agencies["Demo County Behavioral Health"]
    partner = agencies["Demo Housing & Recovery Network"]
    police = agencies["Demo City Police Department"]

    persons = {}
    for number, word in enumerate(WORDS, start=1):
        born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 55))
        persons[word] = people.register_person(
            people.PersonIn(
                names=[people.NameIn(given="Demo", family=word)],
                date_of_birth=born,
                birth_date_estimated=rng.random() < 0.15,
                sex=rng.choice(["female", "male", "unknown"]),
                languages=rng.choice([["en"], ["en"], ["es"], ["en", "es"], ["vi"]]),
                veteran_status=rng.choice(["veteran", "not_veteran", "not_veteran", "unknown"]),
                flags=rng.choice([[], [], ["frequent_contact"], ["unhoused"]]),
                identifiers=[
                    people.IdentifierIn(
                        system="state_id", issuer="Demo State DMV", value=f"DEMO-{number:04d}"
                    )
                ],
            ),
            acting_user=dispatcher,
        )

    alpha = persons["Alpha"]
    # The call: officer and clinician go together; the clinician follows up.
    for responder in (officer, clinician):
        privacy.grant_relation(
            alpha,
            kind=AccessRelation.Kind.ON_CALL,
            user=responder,
            source="demo call",
            acting_user=dispatcher,
        )
    privacy.add_to_care_team(alpha, member=clinician, acting_user=clinician)
    privacy.add_to_care_team(alpha, member=casemanager, acting_user=clinician)
    people.update_person(
        alpha,
        changes={
            "safety_concerns": "Has kept a kitchen knife in the bedroom during past crises; "
            "calmer when spoken to outside."
        },
        acting_user=officer,
    )
    people.update_person(
        alpha,
        changes={
            "clinical_summary": "Recurrent major depressive episodes; C-SSRS screen positive for "
            "ideation without plan at the last contact.",
            "phone": "555-0100",
            "follow_up_needs": "Outpatient therapy; housing support.",
        },
        acting_user=clinician,
    )
    privacy.record_consent(
        alpha,
        kind=Consent.Kind.PART2,
        data_classes=["sud_part2"],
        recipient_agencies=[behavioral, partner],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=365),
        form_kind=Consent.FormKind.GENERATED,
        acting_user=clinician,
    )
    people.update_person(
        alpha,
        changes={
            "substance_use_treatment": "Enrolled in the county's outpatient alcohol-use program "
            "since spring; missed the last two sessions."
        },
        acting_user=clinician,
    )
    privacy.record_consent(
        alpha,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[partner],
        purpose=Consent.Purpose.REFERRAL,
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=180),
        form_kind=Consent.FormKind.GENERATED,
        acting_user=clinician,
    )
    privacy.record_consent(
        alpha,
        kind=Consent.Kind.GENERAL,
        data_classes=["clinical", "care_coordination"],
        recipient_agency_kinds=["hospital"],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(days=3),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    people.add_note(
        alpha,
        data_class="clinical",
        acting_user=clinician,
        body="Engaged well once outside; agreed to a safety plan and a follow-up call tomorrow.",
    )
    people.add_note(
        alpha,
        data_class="public_safety",
        acting_user=officer,
        body="No weapons found on scene. Door was answered promptly.",
    )

    # Consent letting the police department reach a person for follow-up, then revoked.
    bravo = persons["Bravo"]
    privacy.add_to_care_team(bravo, member=casemanager, acting_user=casemanager)
    people.update_person(bravo, changes={"phone": "555-0111"}, acting_user=casemanager)
    revoked = privacy.record_consent(
        bravo,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[police],
        purpose=Consent.Purpose.CARE_COORDINATION,
        starts_at=now - timedelta(days=40),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=casemanager,
    )
    privacy.revoke_consent(revoked, acting_user=casemanager, note="Asked by phone.")

    charlie = persons["Charlie"]
    privacy.record_consent(
        charlie,
        kind=Consent.Kind.GENERAL,
        data_classes=["clinical"],
        recipient_agency_kinds=["hospital"],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(days=400),
        ends_at=now - timedelta(days=35),
        form_kind=Consent.FormKind.GENERATED,
        acting_user=clinician,
    )

    delta = persons["Delta"]
    privacy.add_to_care_team(delta, member=casemanager, acting_user=casemanager)
    people.update_person(
        delta,
        changes={"phone": "555-0122", "follow_up_needs": "Check in weekly."},
        acting_user=casemanager,
    )
    privacy.record_consent(
        delta,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[police],
        purpose=Consent.Purpose.CARE_COORDINATION,
        starts_at=now - timedelta(days=2),
        ends_at=now + timedelta(days=90),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=casemanager,
    )

    # An emergency access waiting for the supervisor's review.
    privacy.break_the_glass(
        persons["Echo"],
        acting_user=emt,
        reason="Unresponsive on arrival; need known conditions and medications before transport.",
    )
