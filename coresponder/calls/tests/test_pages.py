"""The intake page: a call recorded, the person found or registered, nothing half-written."""

from __future__ import annotations

import pytest

from coresponder.calls.models import Call
from coresponder.people.models import Person

pytestmark = pytest.mark.django_db

GOOD = {
    "source": "988",
    "address": "12 Willow Place",
    "latitude": "39.76",
    "longitude": "-104.99",
    "concerns": ["anxiety_panic"],
    "caller_relation": "self",
}


def test_a_call_is_recorded_with_a_new_person_and_shows_its_triage(client, sign_in, desk):
    sign_in(desk)
    response = client.post(
        "/calls/new/", {**GOOD, "given": "Demo", "family": "Victor", "register_new": "on"}
    )
    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/calls/{call.pk}/"
    assert call.person.names.get().family == "Victor"
    assert (call.response, call.triage_rule) == ("phone_resolution", "phone-first")
    page = client.get(response["Location"]).content.decode()
    assert "Distress without danger on the 988 or non-emergency line" in page
    assert "Demo Victor" in page


def test_a_refused_call_registers_no_one(client, sign_in, desk):
    sign_in(desk)
    bad = {**GOOD, "address": "", "latitude": "", "longitude": ""}
    response = client.post(
        "/calls/new/", {**bad, "given": "Demo", "family": "Victor", "register_new": "on"}
    )
    assert response.status_code == 400
    assert "Say where" in response.content.decode()
    assert not Call.objects.exists()
    assert not Person.objects.exists()


def test_an_override_without_a_reason_is_refused_on_the_page(client, sign_in, desk):
    sign_in(desk)
    response = client.post("/calls/new/", {**GOOD, "override_response": "police_only"})
    assert response.status_code == 400
    assert "Say why you override the triage" in response.content.decode()
    assert not Call.objects.exists()


def test_candidates_appear_as_the_name_is_typed(client, sign_in, desk, person):
    sign_in(desk)
    fragment = client.get(
        "/calls/new/persons/", {"family": "tang"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Demo Tango" in fragment
    assert f'value="{person.pk}"' in fragment


def test_triage_is_previewed_without_writing_anything(client, sign_in, desk):
    sign_in(desk)
    fragment = client.post(
        "/calls/new/triage/", {"source": "911", "screening": ["medical_emergency"]}
    ).content.decode()
    assert "A medical emergency comes first" in fragment
    assert not Call.objects.exists()


def test_a_partners_systems_cannot_send_calls(client, agencies, admin_user):
    from coresponder.accounts import actions as accounts

    issued = accounts.create_api_token(
        agency=agencies["community_organization"], name="Shelter system", acting_user=admin_user
    )
    response = client.post(
        "/api/v1/calls",
        {"source": "911", "address": "Main St"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
    )
    assert response.status_code == 403
    assert not Call.objects.exists()


def test_the_call_page_names_the_language_needed(client, sign_in, desk, take_call):
    # given a call whose language came in as a code
    call = take_call(language="es")
    sign_in(desk)

    # when the desk opens it
    page = client.get(f"/calls/{call.pk}/").content.decode()

    # then it is named
    assert "<dt>Language</dt><dd>Spanish</dd>" in page
    assert "<dd>es</dd>" not in page


def test_the_callers_phone_is_normalised_and_a_bad_one_refused(client, sign_in, desk):
    # given the call-taker on the intake page
    sign_in(desk)

    # when a phone with letters is typed
    refused = client.post("/calls/new/", {**GOOD, "caller_phone": "call the front desk"})

    # then the page says what a phone number is, and nothing is written
    assert refused.status_code == 400
    assert "is not a phone number: use digits" in refused.content.decode()
    assert not Call.objects.exists()

    # when a full number with an extension is typed
    saved = client.post("/calls/new/", {**GOOD, "caller_phone": "720.555.0179 x4"})

    # then it is held as E.164 with the extension
    assert saved.status_code == 302
    assert Call.objects.get().caller_phone == "+17205550179 x4"


def test_a_new_persons_name_with_digits_is_asked_about_first(client, sign_in, desk):
    # given the call-taker registering the person a call is about
    sign_in(desk)
    typed = {**GOOD, "given": "Demo", "family": "Victor 03151994", "register_new": "on"}

    # when the name is sent with a date of birth typed into it
    refused = client.post("/calls/new/", typed)

    # then the page warns, offers to confirm, and nothing is written
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "This name has digits in it." in page
    assert 'name="confirm_digits"' in page
    assert not Call.objects.exists()
    assert not Person.objects.exists()

    # when the call-taker confirms the digits belong to the name
    saved = client.post("/calls/new/", {**typed, "confirm_digits": "on"})

    # then the call and the person are recorded
    assert saved.status_code == 302
    assert Call.objects.get().person.names.get().family == "Victor 03151994"


def _autofocused(page: str) -> list[str]:
    import re

    return re.findall(r'<[^>]*\bautofocus\b[^>]*\bid="([^"]+)"', page)


def test_the_intake_page_starts_at_where(client, sign_in, desk):
    sign_in(desk)
    page = client.get("/calls/new/").content.decode()
    assert _autofocused(page) == ["id_address"]
    assert "aria-invalid" not in page


def test_a_refused_call_puts_the_focus_on_the_first_box_in_error_on_the_page(client, sign_in, desk):
    sign_in(desk)
    # given: a bad concern and a bad latitude, the latitude first on the page
    response = client.post("/calls/new/", {**GOOD, "concerns": ["taxi"], "latitude": "north"})
    page = response.content.decode()
    assert response.status_code == 400
    assert _autofocused(page) == ["id_latitude"]
    assert 'aria-invalid="true" aria-describedby="id_latitude_error"' in page
    assert 'id="id_concerns_error"' in page  # said inside the group of boxes
    assert page.count('aria-describedby="id_concerns_error"') == 12  # on each box
    assert not Call.objects.exists()


def test_a_refused_override_puts_the_focus_on_its_reason(client, sign_in, desk):
    sign_in(desk)
    response = client.post("/calls/new/", {**GOOD, "override_response": "police_only"})
    page = response.content.decode()
    assert _autofocused(page) == ["id_override_reason"]
    assert "<details open>" in page
