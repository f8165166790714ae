"""In Chromium: the Django admin loads without a request going unanswered (its icon was a
404)."""

from __future__ import annotations

import pytest

from coresponder.accounts.models import Role
from coresponder.encounters.tests.browser.field_helpers import sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_admin_loads_with_its_icon_and_no_404(live_server, page_at, make_user, width):
    # given an administrator signed in
    page = page_at(width, 900)
    sign_in(page, live_server.url, make_user(Role.ADMINISTRATOR))
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    # when the admin is opened and everything it asks for has come
    page.goto(f"{live_server.url}/admin/")
    page.wait_for_load_state("networkidle")

    # then nothing it asked for was missing, and its icon is the product's
    assert missing == []
    icon = page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)")
    assert icon == 200
    page.screenshot(path=screenshot_dir() / f"admin-{width}.png", full_page=True)
