"""The referral step searches the whole directory (issue #18): a suicidal call whose ten
suggestions take no referrals through Coresponder can still be referred to a service the
clinician finds by name, kind, taxonomy, distance, opening or room."""

from __future__ import annotations

import html
import re

import pytest

from coresponder.accounts.models import Agency, Role
from coresponder.core.models import AuditEntry
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions, events
from coresponder.referrals.models import Attribute, Referral, TaxonomyTerm

from . import test_directory_pages as pages

listing = pages.listing

pytestmark = pytest.mark.django_db

FAR = (39.95, -105.20)  # about 27 km from the call


@pytest.fixture
def crowded(program, listing, admin_user, make_user):
    """Ten crisis-stabilisation services near the call, none taking referrals here, and
    one counselling service 27 km off whose organisation is a partner agency."""
    for n in range(10):
        listing(f"Crisis Line {n}", kind="crisis_stabilization", at=(39.7601 + n / 1000, -104.99))
    partner = listing(
        "Lighthouse Counselling",
        kind="outpatient_therapy",
        at=FAR,
        capacity=(3, 12),
        url="https://lighthouse.example.org",
    )
    agency = Agency.objects.create(
        program=program, name="Lighthouse (agency)", kind=Agency.Kind.COMMUNITY_ORGANIZATION
    )
    actions.link_partner(partner.organization, agency=agency, acting_user=admin_user)
    term = TaxonomyTerm.objects.create(
        program=program, hsds_id="term-1", code="RP-1400", name="Suicide prevention counselling"
    )
    Attribute.objects.create(
        program=program,
        hsds_id="attr-1",
        link_id=partner.hsds_id,
        link_entity="service",
        taxonomy_term=term,
    )
    return partner, agency


def url_of(scene) -> str:
    return f"/directory/encounters/{scene.encounter.pk}/suggestions/"


def section(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1]


def names_in(part: str) -> list[str]:
    return [html.unescape(n) for n in re.findall(r'class="service__name">([^<]+)<', part)]


def test_a_suicidal_call_is_referred_to_a_service_found_by_search(
    client, sign_in, on_scene, crowded
):
    # given a suicidal call whose ten suggestions take no referrals through Coresponder,
    # and the person's consent to share with the partner found only by searching
    partner, agency = crowded
    scene = on_scene()
    assert scene.call.concerns == ["suicidal"]
    share_care_coordination(scene.person, with_agency=agency, recorded_by=scene.clinician)
    sign_in(scene.clinician)
    page = client.get(url_of(scene)).content.decode()
    suggestions = page.split('id="results-heading"', 1)[1].split("</section>", 1)[0]
    assert len(names_in(suggestions)) == 10
    assert "Lighthouse Counselling" not in suggestions
    assert 'value="refer"' not in suggestions
    # each says how to reach it instead
    assert (
        suggestions.count(
            "does not take referrals through Coresponder: call them at the number above, "
            "and record information given."
        )
        == 10
    )
    assert 'href="tel:303-555-0001"' in suggestions
    # and the concerns, if intake got them wrong, are corrected on the call
    assert f'href="/calls/{scene.call.pk}/#corrections-h"' in page

    # when the clinician searches the directory by name
    found = client.get(url_of(scene), {"search": "1", "text": "lighthouse"}).content.decode()

    # then the service is found with a Refer button, and said to take referrals
    results = section(found, "search-results")
    assert names_in(results) == ["Lighthouse Counselling"]
    assert 'data-testid="takes-referrals"' in results
    assert 'value="refer"' in results
    assert 'name="back" value="search=1&amp;text=lighthouse"' in results

    # when they refer the person to it
    response = client.post(
        f"/directory/encounters/{scene.encounter.pk}/refer/",
        {
            "service": str(partner.pk),
            "what": "refer",
            "need": "Counselling this week",
            "voluntary": "on",
            "back": "search=1&text=lighthouse",
        },
    )

    # then the referral is sent to the partner agency, and the page comes back to the search
    assert response.status_code == 302
    assert response["Location"] == f"{url_of(scene)}?search=1&text=lighthouse#search-results"
    referral = Referral.objects.get()
    assert (referral.kind, referral.state, referral.agency_id, referral.service_id) == (
        "referral",
        "sent",
        agency.pk,
        partner.pk,
    )
    assert referral.need == "Counselling this week"
    assert AuditEntry.objects.filter(action=events.REFERRAL_SENT).count() == 1


def test_search_filters_by_kind_taxonomy_distance_and_room_with_suggestions_first(
    client, sign_in, on_scene, crowded, listing
):
    scene = on_scene()
    listing("Full House Therapy", kind="outpatient_therapy", capacity=(0, 5))
    sign_in(scene.clinician)

    def names(**query) -> list[str]:
        page = client.get(url_of(scene), {"search": "1", **query}).content.decode()
        return names_in(section(page, "referral-search"))

    # kind: both therapy services; with room: only the one with places free
    assert sorted(names(kind="outpatient_therapy")) == [
        "Full House Therapy",
        "Lighthouse Counselling",
    ]
    assert names(kind="outpatient_therapy", has_room="on") == ["Lighthouse Counselling"]
    # taxonomy, by code or by words of the term
    assert names(taxonomy="RP-1400") == ["Lighthouse Counselling"]
    assert names(taxonomy="suicide prevention") == ["Lighthouse Counselling"]
    # within 10 km of the call: the crisis lines and the full therapy, not the far one
    near = names(radius="10")
    assert "Lighthouse Counselling" not in near
    assert len(near) == 11
    # open now (all are open all day): everything; suggestions first, marked so
    page = client.get(url_of(scene), {"search": "1", "open_now": "on"}).content.decode()
    results = section(page, "search-results")
    listed = names_in(results)
    assert len(listed) == 12
    assert all(name.startswith("Crisis Line") for name in listed[:10])
    assert results.count('data-testid="suggested"') == 10


def test_a_service_without_referrals_shows_its_website_and_e_mail(
    client, sign_in, on_scene, listing
):
    listing(
        "Hope Line",
        kind="crisis_stabilization",
        url="https://hope.example.org",
        email="a@hope.example.org",
    )
    scene = on_scene()
    sign_in(scene.clinician)
    page = client.get(url_of(scene)).content.decode()
    reach = section(page, "reach").split("</ul>", 1)[0]
    assert 'Website: <a href="https://hope.example.org" rel="noopener noreferrer">' in reach
    assert 'E-mail: <a href="mailto:a@hope.example.org">' in reach


def test_an_officer_finds_services_but_refers_to_none(client, sign_in, on_scene, crowded):
    # given the officer on scene, and the person's consent
    _partner, agency = crowded
    scene = on_scene()
    share_care_coordination(scene.person, with_agency=agency, recorded_by=scene.clinician)
    sign_in(scene.officer)
    # when the officer searches
    page = client.get(url_of(scene), {"search": "1", "text": "lighthouse"}).content.decode()
    # then the service is listed with information given only
    results = section(page, "search-results")
    assert names_in(results) == ["Lighthouse Counselling"]
    assert 'value="refer"' not in results
    assert 'value="information_given"' in results
    assert 'data-testid="correct-concerns"' not in page


def test_a_bad_back_query_is_re_encoded_never_followed(client, sign_in, on_scene, crowded):
    partner, _agency = crowded
    scene = on_scene()
    sign_in(scene.clinician)
    response = client.post(
        f"/directory/encounters/{scene.encounter.pk}/refer/",
        {"service": str(partner.pk), "what": "information_given", "back": "//evil.example/x"},
    )
    assert response["Location"].startswith(url_of(scene) + "?")


def test_a_search_by_someone_not_on_the_call_is_404(client, sign_in, on_scene, make_user):
    scene = on_scene()
    sign_in(make_user(Role.CLINICIAN))
    response = client.get(url_of(scene), {"search": "1", "text": "x"})
    assert response.status_code == 404
