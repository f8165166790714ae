"""A consent's span is held to the program's bounds: it starts no earlier than the
program's earliest date and ends no more than ten years ahead. The API answers 422 naming
the field, the consent page shows the reason beside it; nothing is recorded."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from coresponder.core.models import AuditEntry
from coresponder.privacy import events
from coresponder.privacy.models import Consent

from .test_consent import consent_body, post

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
AHEAD = "More than ten years ahead: check the year."


@pytest.fixture(autouse=True)
def _frozen():
    with freeze_time(NOW):
        yield


def recorded() -> tuple[int, int]:
    return (
        Consent.objects.count(),
        AuditEntry.objects.filter(action=events.CONSENT_RECORDED).count(),
    )


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"starts_at": "0001-01-01T00:00:00Z"}, {"starts_at": [EARLIEST]}),
        ({"starts_at": "1989-12-31T23:59:59-07:00"}, {"starts_at": [EARLIEST]}),
        ({"ends_at": "2036-03-03T00:00:00Z"}, {"ends_at": [AHEAD]}),
        ({"ends_at": "9999-12-31T23:59:59Z"}, {"ends_at": [AHEAD]}),
        (
            {"starts_at": "9999-12-30T00:00:00Z", "ends_at": "9999-12-31T00:00:00Z"},
            {"starts_at": [AHEAD], "ends_at": [AHEAD]},
        ),
    ],
)
def test_a_consent_outside_the_bounds_is_a_422_naming_the_field(
    client, crew, person, sign_in, agencies, changes, fields
):
    sign_in(crew["clinician"])
    before = recorded()

    response = post(client, person, consent_body([agencies["hospital"].pk], **changes))

    assert response.status_code == 422, response.content
    assert response.json() == {
        "message": "The consent cannot be recorded as it stands.",
        "code": "invalid",
        "fields": fields,
    }
    assert recorded() == before


def test_the_consent_page_shows_a_year_typed_wrong_beside_its_field(
    client, crew, person, sign_in, agencies
):
    sign_in(crew["clinician"])
    before = recorded()

    response = client.post(
        f"/people/{person.pk}/consents/",
        {
            "kind": "general",
            "data_classes": ["care_coordination"],
            "recipient_agencies": [agencies["community_organization"].pk],
            "purpose": "referral",
            "starts_on": "2026-03-02",
            "ends_on": "9999-12-31",
            "given_by": "person",
            "form_kind": "generated",
        },
    )

    assert response.status_code == 400
    page = re.sub(r"\s+", " ", response.content.decode())
    assert re.search(r'id="id_ends_on_error"><li>More than ten years ahead', page), page
    assert recorded() == before
