"""The partner is told of a new referral while its page is open (issue 18, item 9): a
sound, words on the page and the browser's notification once allowed. The browser's
Notification and AudioContext are stood in for by recorders (a headless Chromium shows
and plays nothing), and the page's clock is Playwright's, run on past the poll."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.encounters.tests.browser.field_helpers import sign_in
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions
from coresponder.referrals.tests.referral_fixtures import NEED
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORDERS = """
window.__notes = [];
window.__tones = 0;
class RecordedNotification {
  constructor(title, options) { window.__notes.push({ title: title, body: options.body }); }
}
RecordedNotification.permission = "default";
RecordedNotification.requestPermission = function () {
  RecordedNotification.permission = "granted";
  return Promise.resolve("granted");
};
window.Notification = RecordedNotification;
class RecordedSound {
  constructor() { this.currentTime = 0; this.destination = {}; }
  createOscillator() {
    return { frequency: {}, connect() {}, start() { window.__tones += 1; }, stop() {} };
  }
  createGain() { return { gain: {}, connect() {} }; }
}
window.AudioContext = RecordedSound;
"""


@pytest.mark.parametrize("width", [360, 1280])
def test_a_new_referral_is_told_on_the_open_page(live_server, page_at, scene, harbor, width):
    # given the partner on its queue, having allowed notifications
    page = page_at(width, 900)
    page.add_init_script(RECORDERS)
    page.clock.install()
    sign_in(page, live_server.url, harbor.user)
    page.goto(f"{live_server.url}/referrals/partner/")
    news = page.get_by_test_id("alerts-news")
    expect(news).to_be_hidden()
    page.get_by_role("button", name="Alert me of new referrals").click()
    expect(page.get_by_role("button", name="Alert me of new referrals")).to_be_hidden()
    assert page.evaluate("window.__notes") == []

    # when a clinician sends Harbor a referral, and the page's poll comes round
    share_care_coordination(scene.person, with_agency=harbor.agency, recorded_by=scene.clinician)
    actions.send_referral(
        scene.encounter, service=harbor.service, need=NEED, acting_user=scene.clinician
    )
    page.clock.run_for(31_000)

    # then the page says so with a link to the new ones, chimes, and notifies, naming no one
    expect(news).to_be_visible()
    expect(news.get_by_role("link")).to_have_attribute("href", "/referrals/partner/?state=sent")
    assert page.evaluate("window.__notes") == [
        {
            "title": "A new referral",
            "body": (
                "A new referral has arrived for your organisation. Open Coresponder to answer it."
            ),
        }
    ]
    assert page.evaluate("window.__tones") == 2  # the click's, and the news'
    page.screenshot(path=screenshot_dir() / f"partner-alert-{width}.png", full_page=False)

    # and a later poll with nothing new says nothing more
    page.clock.run_for(31_000)
    page.wait_for_load_state("networkidle")
    assert len(page.evaluate("window.__notes")) == 1
