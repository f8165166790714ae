"""In Chromium, at phone width and on a desk: the clinician sends the completed encounter
to the EHR, and the browser saves a valid FHIR bundle of it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import (
    PHONE,
    fits,
    open_field,
    shoot,
    sign_in,
)

from .conftest import check_bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", [PHONE, (1280, 900)], ids=["phone", "desk"])
def test_the_clinician_downloads_the_encounter_as_a_fhir_bundle(
    live_server, page_at, fhir_record, size
):
    # given the clinician on the completed encounter's page
    page = page_at(*size)
    sign_in(page, live_server.url, fhir_record.scene.clinician)
    open_field(page, live_server.url, fhir_record.encounter)
    button = page.get_by_test_id("send-to-ehr")
    expect(button).to_be_visible()
    page.locator("#send-to-ehr").scroll_into_view_if_needed()
    shoot(page, f"send-to-ehr-{size[0]}")
    assert fits(page)
    # when they press it
    with page.expect_download() as download:
        button.click()
    # then the browser saves the encounter's bundle, valid FHIR
    saved = download.value
    assert saved.suggested_filename == f"encounter-{fhir_record.encounter.pk}.fhir.json"
    by_type = check_bundle(json.loads(Path(saved.path()).read_text(encoding="utf-8")))
    assert [r["id"] for r in by_type["Encounter"]] == [str(fhir_record.encounter.pk)]
