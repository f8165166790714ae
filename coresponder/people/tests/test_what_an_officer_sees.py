"""An officer on the call must not see clinical or Part 2 information, by any path."""

from __future__ import annotations

import pytest

from coresponder.privacy import actions as privacy

from .fixtures import (
    CLINICAL_TEXT,
    NOTE_TEXT,
    PART2_TEXT,
    PHONE,
    SAFETY_TEXT,
    share_care_coordination,
)

pytestmark = pytest.mark.django_db

# The Part 2 label and code too: that a Part 2 consent exists says the person is in
# substance-use treatment. "care team" says they are in behavioural-health care.
SECRETS = [
    CLINICAL_TEXT,
    NOTE_TEXT,
    PART2_TEXT,
    "MRN-77120",
    "42 CFR part 2",
    "42 CFR Part 2",
    "sud_part2",
    "care team",
]


def every_path(client, person) -> dict[str, str]:
    """The person as every page, export and API call shows them."""
    return {
        "detail page": client.get(f"/people/{person.pk}/").content.decode(),
        # The results as htmx fetches them: the form echoing what was typed is left out.
        "search page": client.get(
            "/people/", {"name": "tango"}, HTTP_HX_REQUEST="true"
        ).content.decode(),
        "search by identifier": client.get(
            "/people/", {"identifier": "MRN-77120"}, HTTP_HX_REQUEST="true"
        ).content.decode(),
        "CSV export": client.get(f"/people/{person.pk}/record.csv").content.decode(),
        "consents page": client.get(f"/people/{person.pk}/consents/").content.decode(),
        "API person": client.get(f"/api/v1/persons/{person.pk}").content.decode(),
        "API search": client.get("/api/v1/persons", {"name": "tango"}).content.decode(),
        "API consents": client.get(f"/api/v1/persons/{person.pk}/consents").content.decode(),
    }


def test_the_officer_sees_safety_but_no_clinical_or_part2_anywhere(client, crew, person, sign_in):
    # given
    sign_in(crew["officer"])

    # when
    pages = every_path(client, person)

    # then
    for path, content in pages.items():
        for secret in SECRETS:
            assert secret not in content, f"{secret!r} leaked through the {path}"
        assert PHONE not in content, f"contact details leaked through the {path}"
    assert SAFETY_TEXT in pages["detail page"]
    assert SAFETY_TEXT in pages["API person"]
    assert "Tango" in pages["search page"]
    body = client.get(f"/api/v1/persons/{person.pk}").json()
    assert set(body) == {"id", "names", "operational", "public_safety"}


def test_the_clinician_on_the_call_sees_it_all_with_the_part2_notice(client, crew, person, sign_in):
    sign_in(crew["clinician"])

    pages = every_path(client, person)

    for text in (CLINICAL_TEXT, NOTE_TEXT, PART2_TEXT, PHONE):
        assert text in pages["detail page"]
        assert text in pages["CSV export"]
        assert text in pages["API person"]
    assert "re-disclosure" in pages["detail page"]
    assert "re-disclosure notice" in pages["CSV export"]
    assert (
        client.get(f"/api/v1/persons/{person.pk}")
        .json()["sud_part2"]["notice"]
        .startswith("This record which has been disclosed to you is protected")
    )


def test_a_consent_for_the_officers_agency_shows_care_coordination_and_nothing_more(
    client, crew, person, sign_in
):
    # given the person consents to the officer's agency reaching them for follow-up
    consent = share_care_coordination(
        person, with_agency=crew["officer"].agency, recorded_by=crew["clinician"]
    )
    sign_in(crew["officer"])

    # when
    pages = every_path(client, person)

    # then the phone appears on the record, the export and the API, and nothing more
    for path in ("detail page", "CSV export", "API person"):
        assert PHONE in pages[path], path
    for path, content in pages.items():
        for secret in SECRETS:
            assert secret not in content, f"{secret!r} leaked through the {path}"
    body = client.get(f"/api/v1/persons/{person.pk}").json()
    assert set(body) == {"id", "names", "operational", "public_safety", "care_coordination"}
    assert body["care_coordination"]["basis"] == f"consent:{consent.pk}"

    # when the person revokes it
    privacy.revoke_consent(consent, acting_user=crew["clinician"])

    # then it is gone at once, everywhere
    for path, content in every_path(client, person).items():
        assert PHONE not in content, f"contact details still shown through the {path}"


def test_an_agency_token_cannot_read_persons(client, person, agencies):
    from coresponder.accounts.actions import create_api_token

    issued = create_api_token(agency=agencies["law_enforcement"], name="CAD", acting_user=None)

    response = client.get(
        f"/api/v1/persons/{person.pk}", HTTP_AUTHORIZATION=f"Bearer {issued.secret}"
    )

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_an_evaluator_cannot_find_or_open_a_person(client, make_user, person, sign_in):
    from coresponder.accounts.models import Role

    sign_in(make_user(Role.EVALUATOR))

    assert client.get(f"/people/{person.pk}/").status_code == 404
    assert client.get(f"/api/v1/persons/{person.pk}").status_code == 404
    assert client.get("/people/", {"name": "tango"}).status_code == 403
    assert client.get("/api/v1/persons", {"name": "tango"}).json() == []


def test_a_partner_is_not_told_who_from_the_police_went(client, crew, person, sign_in):
    share_care_coordination(
        person, with_agency=crew["partner"].agency, recorded_by=crew["clinician"]
    )
    sign_in(crew["partner"])

    page = client.get(f"/people/{person.pk}/").content.decode()

    assert PHONE in page
    assert crew["officer"].full_name not in page
    assert "On a call about the person" not in page
