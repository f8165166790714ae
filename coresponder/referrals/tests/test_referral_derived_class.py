"""A referral's class is derived from the service it sends the person to (issue 16, item 1).

A referral to a substance-use service says the person has a substance-use disorder: it is
`sud_part2` for everyone outside a Part 2 consent's named recipients. A referral to another
health service is `care_coordination`. Readers with the right only to operational
information (an officer, an EMT, the desk, an administrator) see neither, on any path.
"""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.encounters.tests.fixtures import part2_consent
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions
from coresponder.referrals.models import Service

from .referral_fixtures import CONTACT, NEED

pytestmark = pytest.mark.django_db

SUD_KINDS = [Service.Kind.DETOX, Service.Kind.SUBSTANCE_USE_TREATMENT]
READERS = [Role.OFFICER, Role.EMT, Role.DISPATCHER, Role.ADMINISTRATOR]


def refer(scene, partner, kind: str):
    Service.objects.filter(pk=partner.service.pk).update(
        kind=kind, name="Demo Withdrawal Management intake"
    )
    partner.organization.__class__.objects.filter(pk=partner.organization.pk).update(
        name="Demo Withdrawal Management Center"
    )
    share_care_coordination(scene.person, with_agency=partner.agency, recorded_by=scene.clinician)
    partner.service.refresh_from_db()
    return actions.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )


def paths(scene, referral) -> list[str]:
    return [
        f"/api/v1/encounters/{scene.encounter.pk}",
        f"/api/v1/calls/{scene.call.pk}/encounter",
        f"/api/v1/referrals/{referral.pk}",
        f"/encounters/{scene.encounter.pk}/field/",
    ]


@pytest.mark.parametrize("kind", SUD_KINDS)
@pytest.mark.parametrize("role", READERS)
def test_a_substance_use_referral_reaches_no_one_without_a_part2_consent(
    client, sign_in, make_user, scene, harbor, role, kind
):
    # given a referral of the person to a substance-use service
    referral = refer(scene, harbor, kind)
    reader = make_user(role)
    sign_in(reader)
    # when a reader with no relation to the person asks for it, on every path
    for url in paths(scene, referral):
        response = client.get(url)
        # then nothing names the service, its organisation or the referral
        assert response.status_code in (200, 403, 404), url
        body = response.content.decode()
        assert "Withdrawal Management" not in body, url
        assert str(referral.pk) not in body, url
        if url.startswith("/api/v1/referrals/"):
            assert response.status_code == 404
        elif url.startswith("/api/") and response.status_code == 200:
            assert response.json()["referrals"] == []


def test_the_officer_on_the_call_does_not_learn_of_a_substance_use_referral(
    client, sign_in, scene, harbor
):
    # given a detox referral made on the officer's own call
    referral = refer(scene, harbor, Service.Kind.DETOX)
    sign_in(scene.officer)
    # when the officer reads the encounter and opens its field page
    answer = client.get(f"/api/v1/encounters/{scene.encounter.pk}").json()
    page = client.get(f"/encounters/{scene.encounter.pk}/field/").content.decode()
    # then the referral is not there
    assert answer["referrals"] == []
    assert "Withdrawal Management" not in page
    assert client.get(f"/api/v1/referrals/{referral.pk}").status_code == 404


@pytest.mark.parametrize("role", READERS)
def test_a_referral_to_a_health_service_is_care_coordination(
    client, sign_in, make_user, scene, harbor, role
):
    # given a referral to a crisis-stabilisation service (a health service)
    referral = refer(scene, harbor, Service.Kind.CRISIS_STABILIZATION)
    sign_in(make_user(role))
    # when a reader without care-coordination rights asks for the encounter and referral
    answer = client.get(f"/api/v1/encounters/{scene.encounter.pk}")
    by_id = client.get(f"/api/v1/referrals/{referral.pk}")
    # then neither shows it
    if answer.status_code == 200:
        assert answer.json()["referrals"] == []
    assert by_id.status_code == 404


def test_a_referral_to_a_social_service_stays_operational(client, sign_in, scene, harbor):
    # given a referral to a shelter
    referral = refer(scene, harbor, Service.Kind.SHELTER_HOUSING)
    sign_in(scene.officer)
    # when the officer on the call reads the encounter
    answer = client.get(f"/api/v1/encounters/{scene.encounter.pk}").json()
    # then the referral's outcome is shown
    assert [r["id"] for r in answer["referrals"]] == [str(referral.pk)]


def test_the_clinician_named_in_a_part2_consent_sees_the_substance_use_referral(
    client, sign_in, scene, harbor
):
    # given a detox referral and a Part 2 consent naming the clinician's agency
    referral = refer(scene, harbor, Service.Kind.DETOX)
    part2_consent(scene)
    sign_in(scene.clinician)
    # when the clinician reads the encounter and the referral
    answer = client.get(f"/api/v1/encounters/{scene.encounter.pk}").json()
    by_id = client.get(f"/api/v1/referrals/{referral.pk}")
    # then both show it
    assert [r["id"] for r in answer["referrals"]] == [str(referral.pk)]
    assert by_id.status_code == 200
    assert by_id.json()["service"] == "Demo Withdrawal Management intake"


def test_without_a_part2_consent_the_clinician_on_the_call_does_not_see_it(
    client, sign_in, scene, harbor
):
    # given a detox referral and no Part 2 consent
    referral = refer(scene, harbor, Service.Kind.DETOX)
    sign_in(scene.clinician)
    # when the clinician on the call reads the referral
    by_id = client.get(f"/api/v1/referrals/{referral.pk}")
    # then it is not found
    assert by_id.status_code == 404


def test_the_receiving_partner_reads_its_own_substance_use_referral(scene, harbor):
    # given a detox referral sent to the partner's own service
    referral = refer(scene, harbor, Service.Kind.DETOX)
    # when the partner reads it by its token
    answer = harbor.client().get(f"/api/v1/referrals/{referral.pk}")
    # then it is the partner's own record: shown
    assert answer.status_code == 200
    assert answer.json()["service"] == "Demo Withdrawal Management intake"


def test_the_services_wanted_are_shown_to_clinical_readers_only(client, sign_in, scene):
    # given an encounter whose call reports psychosis (a psychiatric bed is wanted)
    Call = type(scene.call)
    Call.objects.filter(pk=scene.call.pk).update(concerns=["psychosis_disorientation"])
    url = f"/directory/encounters/{scene.encounter.pk}/suggestions/"
    # when the officer and the clinician on the call open the suggestions
    sign_in(scene.officer)
    officer_page = client.get(url).content.decode()
    sign_in(scene.clinician)
    clinician_page = client.get(url).content.decode()
    # then only the clinician is told which services are wanted
    assert "Services wanted" not in officer_page
    assert "The services wanted are clinical information: not shown to you." in officer_page
    assert "Services wanted, most wanted first: Crisis stabilisation" in clinician_page
