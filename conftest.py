"""Fixtures for the whole suite. App-specific ones live in each app's tests/fixtures."""

from __future__ import annotations

import os

import freezegun
import pytest
from hypothesis import HealthCheck, settings

from coresponder.testing.browser import CHROMIUM_FLAGS, require_chromium

# pytest times each test (--durations, the `slow` marks) by a clock a frozen test would stop.
freezegun.configure(extend_ignore_list=["_pytest"])

# Property tests pass or fail on what the code does, not on how busy the machine is (no
# deadline per example, no "too slow" check), and on the same examples every run.
settings.register_profile(
    "coresponder", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("coresponder")

pytest_plugins = [
    "coresponder.testing.fixtures",
    "coresponder.testing.openapi",
    "coresponder.testing.html_ids",
    "coresponder.people.tests.fixtures",
    "coresponder.dispatch.tests.fixtures",
    "coresponder.encounters.tests.fixtures",
    "coresponder.referrals.tests.referral_fixtures",
]


def pytest_collection_modifyitems(items):
    # A browser test starts a page, signs in and waits on it: seconds each, so all count
    # as slow, and `pytest -m "not slow"` leaves them out with the rest of the slow ones.
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def browser():
    path = require_chromium()
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # tests make around it are still synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_FLAGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page_at(browser):
    """A fresh browser page at a given viewport width; closed after the test."""
    contexts = []

    def open_page(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(scope="session", autouse=True)
def _load_urls_before_any_frozen_clock(django_db_setup):
    # freezegun swaps datetime.date while a test's clock is frozen; a module first imported
    # then (the API's schemas) would keep the fake class. Import them all up front.
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - importing is the point
