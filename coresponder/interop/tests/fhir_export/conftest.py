"""A person with a record in every exported kind, made through the real actions: an
encounter with its screening and safety plan, a disposition, a referral to a crisis bed
(care coordination) and one to a detox service (42 CFR Part 2), a case's safety plan, an
approved response plan, consents; and helpers to check a FHIR answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Agency, Role
from coresponder.encounters import actions as encounters
from coresponder.interop.fhir.resources import references_in
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import Consent
from coresponder.referrals import actions as referrals
from coresponder.referrals.models import Organization, Service

SCREENER_ANSWERS = {
    "wish_dead": True,
    "suicidal_thoughts": True,
    "method": False,
    "intent": False,
    "plan": False,
    "behavior": False,
}
SAFETY_PLAN = {
    "warning_signs": ["Not sleeping", "Pacing at night"],
    "internal_coping": ["Walk the dog"],
    "professionals": [{"name": "988 Lifeline", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}


@dataclass
class Record:
    scene: object
    person: object
    encounter: object
    screening: object
    care_referral: object
    sud_referral: object
    plan: object
    general_consent: object
    partner_agency: object
    sud_agency: object
    supervisor: object


def _service(program, key: str, name: str, kind: str, agency, admin):
    organization = Organization.objects.create(
        program=program, hsds_id=f"org-{key}", name=f"{name} organisation"
    )
    service = Service.objects.create(
        program=program,
        hsds_id=f"svc-{key}",
        organization=organization,
        name=name,
        status=Service.Status.ACTIVE,
        kind=kind,
    )
    referrals.link_partner(organization, agency=agency, acting_user=admin)
    return service


@pytest.fixture
def fhir_record(on_scene, program, make_user, admin_user) -> Record:
    scene = on_scene()
    clinician, person, encounter = scene.clinician, scene.person, scene.encounter
    supervisor = make_user(Role.SUPERVISOR, agency=clinician.agency)
    privacy.add_to_care_team(person, member=clinician, acting_user=clinician)
    people.update_person(
        person,
        changes={"date_of_birth": date(1988, 2, 29), "sex": "female", "languages": ["es"]},
        acting_user=clinician,
    )
    people.update_person(person, changes={"phone": "+15555550100"}, acting_user=clinician)
    people.add_identifier(
        person,
        people.IdentifierIn(system="ehr_mrn", issuer="County Health", value="MRN-4471"),
        acting_user=clinician,
    )
    people.add_identifier(
        person,
        people.IdentifierIn(system="police_records", issuer="County Sheriff", value="PR-99812"),
        acting_user=scene.officer,
    )
    screening = encounters.record_assessment(
        encounter, instrument_key="cssrs-screener", answers=SCREENER_ANSWERS, acting_user=clinician
    )
    encounters.record_assessment(
        encounter,
        instrument_key="stanley-brown-safety-plan",
        answers=SAFETY_PLAN,
        acting_user=clinician,
    )
    partner_agency = Agency.objects.create(
        program=program, name="Harbor House (agency)", kind=Agency.Kind.COMMUNITY_ORGANIZATION
    )
    sud_agency = Agency.objects.create(
        program=program, name="Detox program (agency)", kind=Agency.Kind.COMMUNITY_ORGANIZATION
    )
    beds = _service(
        program, "harbor", "Harbor crisis beds", Service.Kind.CRISIS_STABILIZATION,
        partner_agency, admin_user,
    )  # fmt: skip
    detox = _service(
        program, "detox", "Withdrawal management", Service.Kind.DETOX, sud_agency, admin_user
    )
    now = timezone.now()
    general = privacy.record_consent(
        person,
        kind=Consent.Kind.GENERAL,
        data_classes=["care_coordination"],
        recipient_agencies=[partner_agency, sud_agency],
        purpose=Consent.Purpose.REFERRAL,
        starts_at=now - timedelta(minutes=5),
        ends_at=None,
        form_kind=Consent.FormKind.VERBAL,
        acting_user=clinician,
    )
    care = referrals.send_referral(
        encounter, service=beds, need="A bed tonight", contact="Text first", acting_user=clinician
    )
    sud = referrals.send_referral(
        encounter, service=detox, need="Withdrawal support", acting_user=clinician
    )
    encounters.set_disposition(
        encounter,
        encounters.DispositionIn(
            "referred_voluntary", destination="Harbor House", interventions=["safety_planning"]
        ),
        acting_user=clinician,
    )
    encounters.complete_encounter(encounter, acting_user=clinician)
    plan = encounters.save_plan(
        person,
        encounters.PlanIn(
            review_by=timezone.localdate() + timedelta(days=90),
            safety_concerns="Keeps a kitchen knife by the door",
            triggers="Sirens",
            calming="Quiet voice, one officer",
            baseline="Talks fast when anxious",
        ),
        acting_user=clinician,
    )
    plan = encounters.approve_plan(plan, acting_user=supervisor)
    # The safety plan answered on the encounter is the person's first revision.
    person.refresh_from_db()
    encounter.refresh_from_db()
    return Record(
        scene, person, encounter, screening, care, sud, plan, general, partner_agency,
        sud_agency, supervisor,
    )  # fmt: skip


def part2_for(record: Record, agency):
    """A Part 2 consent naming `agency`, in force for a month."""
    now = timezone.now()
    return privacy.record_consent(
        record.person,
        kind=Consent.Kind.PART2,
        data_classes=["sud_part2"],
        recipient_agencies=[agency],
        purpose=Consent.Purpose.TREATMENT,
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=30),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=record.scene.clinician,
    )


def token_client(agency, scopes) -> Client:
    secret = create_api_token(
        agency=agency, name="EHR system", acting_user=None, scopes=scopes
    ).secret
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def fhir_json(response) -> dict:
    assert response["Content-Type"] == "application/fhir+json; charset=utf-8"
    return response.json()


def validated(resource: dict):
    """The resource as fhir.resources' R4B model: raises when it is not valid FHIR."""
    return get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def check_bundle(bundle: dict) -> dict[str, list[dict]]:
    """Validates the bundle and every entry, checks every reference resolves inside it;
    returns the resources by type."""
    validated(bundle)
    keys = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in bundle["entry"]}
    by_type: dict[str, list[dict]] = {}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        validated(resource)
        dangling = references_in(resource) - keys
        assert dangling == set(), (resource["resourceType"], dangling)
        by_type.setdefault(resource["resourceType"], []).append(resource)
    return by_type


def codes(resource: dict) -> set[str]:
    return {label["code"] for label in resource.get("meta", {}).get("security", [])}
