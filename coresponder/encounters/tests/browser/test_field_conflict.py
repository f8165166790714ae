"""In Chromium at phone width: a field changed elsewhere (a colleague, or the same
clinician's other device) between loading the page and saving is shown side by side with
the user's words, and nothing is overwritten until the user chooses."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.encounters import actions

from .field_helpers import PHONE, open_field, saves_of, shoot, sign_in, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

THEIRS = "Tearful, said he has not eaten since Monday"
MINE = "Calm, sitting on the steps, answered every question"
PLAN = "Sister to stay tonight; clinic call at 9"


def saved_elsewhere(scene) -> None:
    """The clinician's tablet saves the same field after the phone loaded the page."""
    actions.save_section(
        scene.encounter,
        "clinical",
        content={"behaviour": THEIRS},
        base={},
        save_id="tablet-1",
        acting_user=scene.clinician,
    )


def open_phone(live_server, page_at, scene):
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    return phone


def test_a_conflicting_edit_is_shown_and_kept_mine_only_when_chosen(live_server, page_at, on_scene):
    # given the page loaded, then the same field saved on another device
    scene = on_scene(emt=False)
    phone = open_phone(live_server, page_at, scene)
    saved_elsewhere(scene)

    # when the clinician types in that field on the phone
    phone.get_by_label("Behaviour", exact=True).fill(MINE)

    # then both versions are shown and the stored words are still the other device's
    conflict = phone.get_by_test_id("conflict-clinical")
    expect(conflict).to_be_visible()
    expect(conflict.locator("[data-version=theirs]")).to_have_text(THEIRS)
    expect(conflict.locator("[data-version=yours]")).to_have_text(MINE)
    expect(phone.get_by_test_id("section-status-clinical")).to_contain_text("Conflict")
    expect(phone.get_by_test_id("sync-status")).to_contain_text("Conflict")
    shoot(phone, "conflict")
    # past the autosave's turn: still nothing overwritten
    expect(phone.get_by_test_id("section-status-clinical")).not_to_have_attribute(
        "data-autosave", "due"
    )
    assert stored(scene.encounter, "clinical").content == {"behaviour": THEIRS}
    assert len(saves_of(scene.encounter, "clinical")) == 1

    # when the clinician keeps theirs
    conflict.get_by_role("button", name="Keep mine").click()

    # then the phone's words are saved over the others, knowingly
    expect(phone.get_by_test_id("section-status-clinical")).to_contain_text("Saved")
    expect(conflict).to_be_hidden()
    assert stored(scene.encounter, "clinical").content == {"behaviour": MINE}
    assert len(saves_of(scene.encounter, "clinical")) == 2


def test_taking_theirs_keeps_their_words_and_still_saves_my_other_fields(
    live_server, page_at, on_scene
):
    # given the clinician typing in two fields, one of them changed on another device
    scene = on_scene(emt=False)
    phone = open_phone(live_server, page_at, scene)
    saved_elsewhere(scene)
    phone.get_by_label("Plan", exact=True).fill(PLAN)
    phone.get_by_label("Behaviour", exact=True).fill(MINE)
    conflict = phone.get_by_test_id("conflict-clinical")
    expect(conflict).to_be_visible()
    # (the plan may have gone on its own already, when the focus left it)
    assert stored(scene.encounter, "clinical").content["behaviour"] == THEIRS

    # when the clinician takes the other version
    conflict.get_by_role("button", name="Take theirs").click()

    # then the field shows it, and only the field without a clash is saved
    expect(phone.get_by_label("Behaviour", exact=True)).to_have_value(THEIRS)
    expect(phone.get_by_test_id("section-status-clinical")).to_contain_text("Saved")
    assert stored(scene.encounter, "clinical").content == {"behaviour": THEIRS, "plan": PLAN}
