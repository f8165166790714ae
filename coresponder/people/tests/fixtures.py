"""A person seen from several sides: an officer and a clinician on the call about them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation, Consent

CLINICAL_TEXT = "Recurrent depressive episodes; screen positive for ideation"
PART2_TEXT = "Enrolled in an outpatient alcohol-use program"
SAFETY_TEXT = "Keeps a kitchen knife in the bedroom"
NOTE_TEXT = "Agreed to a safety plan; follow-up call tomorrow"
PHONE = "555-0199"


@pytest.fixture
def crew(make_user, agencies):
    return {
        "dispatcher": make_user(Role.DISPATCHER),
        "officer": make_user(Role.OFFICER),
        "clinician": make_user(Role.CLINICIAN),
        "partner": make_user(Role.PARTNER),
        "supervisor": make_user(Role.SUPERVISOR),
        "emt": make_user(Role.EMT),
    }


@pytest.fixture
def person(crew, agencies):
    clinician, officer = crew["clinician"], crew["officer"]
    subject = people.register_person(
        people.PersonIn(
            names=[people.NameIn(given="Demo", family="Tango")],
        ),
        acting_user=crew["dispatcher"],
    )
    for responder in (officer, clinician):
        privacy.grant_relation(
            subject,
            kind=AccessRelation.Kind.ON_CALL,
            user=responder,
            source="test call",
            acting_user=None,
        )
    people.update_person(subject, changes={"safety_concerns": SAFETY_TEXT}, acting_user=officer)
    people.add_identifier(
        subject,
        people.IdentifierIn(system="ehr_mrn", issuer="Regional EHR", value="MRN-77120"),
        acting_user=clinician,
    )
    people.update_person(
        subject, changes={"clinical_summary": CLINICAL_TEXT, "phone": PHONE}, acting_user=clinician
    )
    now = timezone.now()
    privacy.record_consent(
        subject,
        kind=Consent.Kind.PART2,
        data_classes=["sud_part2"],
        recipient_agencies=[clinician.agency],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=60),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    people.update_person(
        subject, changes={"substance_use_treatment": PART2_TEXT}, acting_user=clinician
    )
    people.add_note(subject, data_class="clinical", body=NOTE_TEXT, acting_user=clinician)
    privacy.add_to_care_team(subject, member=clinician, acting_user=clinician)
    return subject


def share_care_coordination(person, *, with_agency, recorded_by):
    """The person's consent, in force from a minute ago, to share contact details."""
    return privacy.record_consent(
        person,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[with_agency],
        purpose=Consent.Purpose.CARE_COORDINATION,
        starts_at=timezone.now() - timedelta(minutes=1),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=recorded_by,
    )
