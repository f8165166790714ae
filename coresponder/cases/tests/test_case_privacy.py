"""What each member of a care team may see of a case, and what they must not.

A community organisation's member of the care team sees the case's care coordination
only while the person's consent shares it with their agency, and never the clinical or
Part 2 parts (goals, the safety plan, assessments, the substance-use section).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import access, actions
from coresponder.cases.models import Case
from coresponder.core.exceptions import NotFound, PermissionDenied
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions as encounters
from coresponder.encounters.tests.fixtures import part2_consent
from coresponder.privacy import actions as privacy
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import Consent

pytestmark = pytest.mark.django_db

PLAN = {
    "warning_signs": ["Not sleeping"],
    "internal_coping": ["Walk the dog"],
    "professionals": [{"name": "988 Lifeline", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}


@pytest.fixture
def followed(on_scene, make_user, agencies):
    """A case with a safety plan, a goal, a contact note and a Part 2 section, and a
    community organisation's partner and case manager on the person's care team."""
    scene = on_scene()
    part2_consent(scene)
    encounters.save_section(
        scene.encounter,
        "substance_use",
        content={"treatment": "Alcohol detox twice"},
        acting_user=scene.clinician,
    )
    encounters.sign_section(scene.encounter, "substance_use", acting_user=scene.clinician)
    encounters.record_assessment(
        scene.encounter,
        instrument_key="stanley-brown-safety-plan",
        answers=PLAN,
        acting_user=scene.clinician,
    )
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary", destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    case = Case.objects.get(person=scene.person)
    actions.set_goal(case, text="Keep the clinic appointment", acting_user=scene.clinician)
    actions.log_contact(
        case,
        actions.ContactIn("phone", "reached", note="Prefers calls after noon"),
        acting_user=scene.clinician,
    )
    community = agencies["community_organization"]
    partner = make_user(Role.PARTNER, agency=community)
    community_case_manager = make_user(Role.CASE_MANAGER, agency=community)
    for member in (partner, community_case_manager):
        privacy.add_to_care_team(scene.person, member=member, acting_user=scene.clinician)
    return scene, case, partner, community_case_manager, community


def share_care_coordination(scene, community):
    now = timezone.now()
    return privacy.record_consent(
        scene.person,
        kind=Consent.Kind.GENERAL,
        data_classes=[DataClass.CARE_COORDINATION],
        recipient_agencies=[community],
        purpose=Consent.Purpose.CARE_COORDINATION,
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(days=30),
        form_kind=Consent.FormKind.VERBAL,
        acting_user=scene.clinician,
    )


def test_without_consent_the_community_members_find_no_case(followed):
    _scene, case, partner, community_case_manager, _community = followed
    for member in (partner, community_case_manager):
        with pytest.raises(NotFound):
            access.view_case(member, case.pk, channel="test")
        assert access.worklist(community_case_manager).total == 0


def test_with_consent_they_see_care_coordination_never_clinical_or_part2(followed):
    scene, case, partner, community_case_manager, community = followed
    share_care_coordination(scene, community)
    for member in (partner, community_case_manager):
        view = access.view_case(member, case.pk, channel="test")
        assert view.number == case.number
        assert [c.note for c in view.contacts] == ["Prefers calls after noon"]
        assert view.goals is None
        assert view.safety_plan is None
        assert DataClass.CLINICAL not in view.readable
        assert DataClass.SUD_PART2 not in view.readable
        kinds = {entry.kind for entry in view.timeline}
        assert "assessment" not in kinds
        assert "safety_plan" not in kinds
        assert all(entry.data_class != DataClass.CLINICAL for entry in view.timeline)
        words = repr(view)
        assert "detox" not in words
        assert "Walk the dog" not in words
        assert "Keep the clinic appointment" not in words
    viewed = AuditEntry.objects.filter(action="cases.case_viewed", actor_id=partner.pk)
    assert viewed.count() == 1
    assert "consent:" in viewed.get().detail["basis"]


def test_they_cannot_write_to_the_case_even_with_consent(followed):
    scene, case, partner, community_case_manager, community = followed
    share_care_coordination(scene, community)
    for member in (partner, community_case_manager):
        with pytest.raises(PermissionDenied):
            actions.log_contact(case, actions.ContactIn("phone", "reached"), acting_user=member)
    assert case.contacts.count() == 1


def test_revoking_the_consent_hides_the_case_again(followed):
    scene, case, partner, _cm, community = followed
    consent = share_care_coordination(scene, community)
    access.view_case(partner, case.pk, channel="test")
    privacy.revoke_consent(consent, acting_user=scene.clinician)
    with pytest.raises(NotFound):
        access.view_case(partner, case.pk, channel="test")


def test_the_program_clinician_on_the_team_sees_the_clinical_parts(followed):
    scene, case, *_ = followed
    view = access.view_case(scene.clinician, case.pk, channel="test")
    assert view.goals[0].text == "Keep the clinic appointment"
    assert view.current_safety_plan.answers == PLAN
    assert {"assessment", "safety_plan", "contact", "call"} <= {e.kind for e in view.timeline}


def test_a_case_read_is_one_entry_naming_each_class_its_page_showed(followed):
    # given the community partner reads care coordination by consent
    scene, case, partner, _community_case_manager, community = followed
    share_care_coordination(scene, community)
    before = AuditEntry.objects.count()
    # when the clinician on the call and the partner open the case
    access.view_case(scene.clinician, case.pk, channel="test")
    access.view_case(partner, case.pk, channel="test")
    # then each read is one entry on the person (the name among its operational class),
    # naming the classes the gate showed that reader, and nothing else was written
    entries = AuditEntry.objects.filter(seq__gt=before).order_by("seq")
    assert [(e.action, e.actor_id, e.object_id) for e in entries] == [
        ("cases.case_viewed", scene.clinician.pk, str(case.person_id)),
        ("cases.case_viewed", partner.pk, str(case.person_id)),
    ]
    assert entries[0].fields == ["case:care_coordination", "case:clinical", "case:operational"]
    assert entries[1].fields == ["case:care_coordination", "case:operational"]
