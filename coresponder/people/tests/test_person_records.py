"""The person page lists the person's calls, encounters, cases and referrals as the reader
may see them (issue 18, item 3)."""

from __future__ import annotations

import re

import pytest

from coresponder.cases.models import Case
from coresponder.encounters import actions as encounters
from coresponder.referrals import actions as referrals
from coresponder.referrals.tests.referral_fixtures import NEED

from .fixtures import share_care_coordination

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(scene, harbor):
    """A call about the person, its encounter ended in a voluntary referral to Harbor
    House (which opens a follow-up case)."""
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    referrals.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn("referred_voluntary"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    return scene


def records_of(client, person) -> dict[str, list[str]]:
    page = re.sub(r"\s+", " ", client.get(f"/people/{person.pk}/").content.decode())
    found = re.search(r'data-testid="person-records">(.*?)</section>', page)
    if found is None:
        return {}
    parts = re.split(r"<h3>([^<]+)</h3>", found.group(1))
    return {
        title: re.findall(r"<li>(.*?)</li>", body)
        for title, body in zip(parts[1::2], parts[2::2], strict=True)
    }


def test_the_clinician_sees_the_call_encounter_case_and_referral(client, sign_in, history):
    # given the clinician on the call and on the care team
    sign_in(history.clinician)
    call, case = history.call, Case.objects.get(person=history.person)

    # when the clinician opens the person
    records = records_of(client, history.person)

    # then each kind of record is listed, linked where it has a page
    assert list(records) == ["Calls", "Encounters", "Cases", "Referrals"]
    assert records["Calls"][0].startswith(f'<a href="/calls/{call.pk}/">{call.reference}</a>')
    assert records["Encounters"][0].startswith(f"On call {call.reference}: referred (voluntary)")
    assert records["Cases"][0].startswith(f'<a href="/cases/{case.pk}/">{case.number}</a> — Open')
    assert records["Referrals"][0].startswith("Harbor House crisis beds, Harbor House — sent")


def test_the_officer_sees_the_call_and_encounter_but_no_case_or_referral(client, sign_in, history):
    # given the officer on the call, who may not read care coordination
    sign_in(history.officer)

    # when the officer opens the person
    records = records_of(client, history.person)

    # then the call and the encounter are listed, and nothing of the follow-up care
    assert list(records) == ["Calls", "Encounters"]
    page = client.get(f"/people/{history.person.pk}/").content.decode()
    assert "Harbor House" not in page
    assert Case.objects.get(person=history.person).number not in page


def test_the_partner_is_not_given_the_persons_calls(client, sign_in, history, harbor):
    # given the partner the person was referred to
    sign_in(harbor.user)

    # when the partner opens the person
    page = client.get(f"/people/{history.person.pk}/")

    # then the page has no list of the person's calls and encounters
    assert page.status_code == 200
    assert 'data-testid="person-records"' not in page.content.decode()
    assert history.call.reference not in page.content.decode()
