"""On a shared phone, signing out warns of words not yet sent and deletes them from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from .field_helpers import PHONE, draft_key, open_field, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def words_typed_offline(live_server, page_at, scene, words: str):
    """A clinician's phone holding `words` typed while the connection was down, back online
    with the server still out of reach; returns the phone and the draft's storage key."""
    phone = page_at(*PHONE)
    sign_in(phone, live_server.url, scene.clinician)
    open_field(phone, live_server.url, scene.encounter)
    phone.context.set_offline(True)
    phone.get_by_label("Behaviour", exact=True).fill(words)
    key = draft_key(scene.clinician, scene.encounter, "clinical")
    phone.wait_for_function("key => window.localStorage.getItem(key) !== null", arg=key)
    phone.context.set_offline(False)
    phone.route("**/api/v1/encounters/**", lambda route: route.abort())  # still no server
    return phone, key


def test_signing_out_with_unsent_words_warns_and_leaves_nothing_on_the_phone(
    live_server, page_at, on_scene
):
    # given a clinician who typed while the connection was down
    phone, key = words_typed_offline(
        live_server, page_at, on_scene(emt=False), "Words that never reached the server"
    )

    # when they sign out, first declining the warning, then accepting it
    warnings = []
    phone.once("dialog", lambda dialog: (warnings.append(dialog.message), dialog.dismiss()))
    phone.get_by_role("button", name="Sign out").click()
    assert "not reached the server" in warnings[0]
    assert phone.evaluate("key => window.localStorage.getItem(key)", key) is not None

    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Sign out").click()

    # then the session ends and the words are gone from this phone
    expect(phone).to_have_url(f"{live_server.url}/login/", timeout=5000)
    assert phone.evaluate("key => window.localStorage.getItem(key)", key) is None


def test_a_save_started_as_the_page_goes_away_cannot_put_the_words_back(
    live_server, page_at, on_scene
):
    # given unsent words, and a sign-out whose request has not yet left the phone
    phone, key = words_typed_offline(
        live_server, page_at, on_scene(emt=False), "Words that must not stay"
    )
    # the page stays, as it does for a moment while it unloads
    phone.evaluate(
        "document.querySelector('form[data-sign-out]')"
        ".addEventListener('submit', event => event.preventDefault())"
    )
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.get_by_role("button", name="Sign out").click()
    phone.wait_for_function("key => window.localStorage.getItem(key) === null", arg=key)

    # when the page hides (as it does while leaving) and the connection comes back
    phone.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    phone.evaluate("window.dispatchEvent(new Event('online'))")

    # then no save wrote the words back to this phone
    phone.wait_for_function(
        "() => !document.querySelector('[data-autosave=due]')"
        " && [...document.querySelectorAll('[data-state]')]"
        ".every(el => el.dataset.state !== 'saving')"
    )
    assert phone.evaluate("key => window.localStorage.getItem(key)", key) is None
