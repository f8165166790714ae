"""In Chromium at phone width, on a connection that drops: a draft typed offline is kept on
the phone and reaches the server exactly once when the connection returns — also across a
reload, and when the server took a save whose answer was lost on the way back."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from coresponder.encounters import actions

from .field_helpers import PHONE, draft_key, open_field, saves_of, shoot, sign_in, stored

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOTE = "Sitting on the kerb, calmer now; agreed to talk with the clinician"
OFFLINE = "Offline — kept on this phone, will send"
NO_ANSWER = "No connection to the server — kept on this phone, will send"


def kept(page, key: str):
    raw = page.evaluate("key => window.localStorage.getItem(key)", key)
    return None if raw is None else json.loads(raw)


def test_a_draft_typed_offline_is_sent_once_when_the_connection_returns(
    live_server, page_at, on_scene
):
    # given the clinician's field view, loaded while the connection was up
    scene = on_scene(emt=False)
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    status = phone.get_by_test_id("section-status-clinical")

    # when the connection drops and the clinician types
    phone.context.set_offline(True)
    phone.get_by_label("Behaviour", exact=True).fill(NOTE)

    # then the words wait on the phone, past the autosave's delay, and nothing is sent
    expect(status).to_have_text(OFFLINE)
    expect(phone.get_by_test_id("sync-status")).to_have_text(OFFLINE)
    expect(status).not_to_have_attribute("data-autosave", "due")
    assert kept(phone, draft_key(scene.clinician, scene.encounter, "clinical"))["draft"][
        "content"
    ] == {"behaviour": NOTE}
    assert stored(scene.encounter, "clinical") is None
    shoot(phone, "offline")

    # when the connection returns
    phone.context.set_offline(False)

    # then the words arrive once, and the page says so
    expect(status).to_contain_text("Saved")
    section = stored(scene.encounter, "clinical")
    assert section.content == {"behaviour": NOTE}
    assert section.revision == 1
    assert len(saves_of(scene.encounter, "clinical")) == 1
    assert kept(phone, draft_key(scene.clinician, scene.encounter, "clinical")) is None


def refuse_saves(*args, **kwargs):
    raise Unavailable


class Unavailable(Exception):
    """The server, down: a save reaching it is answered 500 and stores nothing."""


def test_a_draft_typed_offline_survives_a_reload_and_is_sent_when_back_online(
    live_server, page_at, on_scene, monkeypatch
):
    # given words typed while offline
    scene = on_scene(emt=False)
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    phone.context.set_offline(True)
    phone.get_by_label("Plan", exact=True).fill(NOTE)
    status = phone.get_by_test_id("section-status-clinical")
    expect(status).to_have_text(OFFLINE)
    expect(status).not_to_have_attribute("data-autosave", "due")

    # when the phone has a signal again but the server cannot be reached, and the page is
    # reloaded. (A reload while Chromium emulates "offline" lets the leaving page's last
    # save through, which no real dead zone would.) The way to the server is cut, and the
    # server refuses saves too, so that no request slipping past the cut during the reload
    # can store anything.
    phone.context.route("**/api/v1/**", lambda route: route.abort("internetdisconnected"))
    monkeypatch.setattr(actions, "save_section", refuse_saves)
    phone.context.set_offline(False)
    expect(status).to_have_text(NO_ANSWER)
    phone.reload()

    # then the words come back into their field from the phone: the server has none
    expect(phone.get_by_label("Plan", exact=True)).to_have_value(NOTE)
    assert stored(scene.encounter, "clinical") is None

    # and when the server answers again they are sent, once
    monkeypatch.undo()
    phone.context.unroute("**/api/v1/**")
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    expect(phone.get_by_test_id("section-status-clinical")).to_contain_text("Saved")
    assert stored(scene.encounter, "clinical").content == {"plan": NOTE}
    assert len(saves_of(scene.encounter, "clinical")) == 1
    assert kept(phone, draft_key(scene.clinician, scene.encounter, "clinical")) is None


def test_a_save_whose_answer_was_lost_is_resent_and_taken_once(live_server, page_at, on_scene):
    # given a connection that drops just after the server took the first save
    scene = on_scene(emt=False)
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    sent = []

    def lose_the_first_answer(route):
        sent.append(route.request.post_data_json)
        if len(sent) == 1:
            route.fetch()  # the server takes it...
            route.abort("connectionreset")  # ...and its answer never arrives
        else:
            route.continue_()

    phone.route("**/api/v1/encounters/*/sections/clinical", lose_the_first_answer)

    # when the clinician types and the answer to the save is lost
    phone.get_by_label("Behaviour", exact=True).fill(NOTE)
    status = phone.get_by_test_id("section-status-clinical")
    expect(status).to_have_text(NO_ANSWER)
    assert stored(scene.encounter, "clinical").content == {"behaviour": NOTE}

    # and the phone, after a moment without a connection, is back online
    phone.context.set_offline(True)
    phone.context.set_offline(False)

    # then the same save went again and the server took it once
    expect(status).to_contain_text("Saved")
    assert len(sent) == 2
    assert sent[0]["save_id"] == sent[1]["save_id"]
    assert sent[1]["content"] == {"behaviour": NOTE}
    section = stored(scene.encounter, "clinical")
    assert section.content == {"behaviour": NOTE}
    assert section.revision == 1
    assert len(saves_of(scene.encounter, "clinical")) == 1


def test_words_kept_for_a_section_signed_meanwhile_are_shown_not_lost(
    live_server, page_at, on_scene
):
    # given words typed offline on the phone
    scene = on_scene(emt=False)
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    phone.context.set_offline(True)
    phone.get_by_label("Response").fill(NOTE)
    expect(phone.get_by_test_id("section-status-clinical")).to_have_text(OFFLINE)

    # when the note is written and signed on another device before the phone is back
    actions.save_section(
        scene.encounter, "clinical", content={"behaviour": "Seen"}, acting_user=scene.clinician
    )
    actions.sign_section(scene.encounter, "clinical", acting_user=scene.clinician)
    with pytest.raises(PlaywrightError):
        phone.reload()
    phone.context.set_offline(False)
    open_field(phone, live_server.url, scene.encounter)

    # then the signed words stay, and the phone's words are shown beside them to copy
    section = phone.get_by_test_id("section-clinical")
    expect(section.get_by_role("alert")).to_contain_text(NOTE)
    assert stored(scene.encounter, "clinical").content == {"behaviour": "Seen"}
    section.get_by_role("button", name="Discard my words").click()
    assert kept(phone, draft_key(scene.clinician, scene.encounter, "clinical")) is None
