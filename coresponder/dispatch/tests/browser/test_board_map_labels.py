"""In Chromium: the board's map labels calls and teams crowded into a few streets without
one label over another or over a marker, at a desk's width and a phone's."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.dispatch.tests.browser.test_intake_to_board import sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOXES = "els => els.map(e => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; })"


def overlap(a, b) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def test_map_labels_do_not_overlap(live_server, page_at, make_team, take_call, make_user):
    # given: four teams and five calls within a few hundred metres
    for n in range(4):
        make_team(f"CRT North {n}", base=(39.7604 + 0.0007 * n, -104.9897 - 0.0005 * n))
    make_team("CRT Spare", on_shift=False)  # off shift: in the list, not on the map
    for n in range(5):
        take_call(latitude=39.7600 + 0.0008 * n, longitude=-104.9900 + 0.0006 * n)
    desk = make_user(Role.DISPATCHER)
    for width, height in ((1280, 1000), (360, 800)):
        page = page_at(width, height)
        sign_in(page, live_server.url, desk.username)
        page.goto(f"{live_server.url}/dispatch/")
        spare = page.locator("[data-testid=board-team][data-team='CRT Spare']")
        expect(spare.get_by_test_id("team-status")).to_have_text("off shift")
        labels = page.get_by_test_id("map-label")
        expect(labels).to_have_count(9)
        # when: the browser lays the text out
        boxes = labels.evaluate_all(BOXES)
        markers = page.locator(".area-map__team circle, .area-map__call polygon").evaluate_all(
            BOXES
        )
        # then
        assert len(markers) == 9
        for n, box in enumerate(boxes):
            assert box[2] > 0
            for other in boxes[n + 1 :]:
                assert not overlap(box, other), (box, other)
            for marker in markers:
                assert not overlap(box, marker), (box, marker)
        page.get_by_test_id("map-label").first.scroll_into_view_if_needed()
        page.screenshot(path=screenshot_dir() / f"board-map-crowd-{width}.png", full_page=True)
