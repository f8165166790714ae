"""The import page in Chromium at phone and desktop width: an administrator uploads a
crisis export, maps it with selects only, checks it, imports it and reaches the dashboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Agency
from coresponder.calls.models import Call
from coresponder.demo.crisis_export import write_crisis_export
from coresponder.testing.browser import screenshot_dir
from coresponder.testing.fixtures import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {"phone": 360, "desktop": 1280}
ROWS = 40


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", WIDTHS)
def test_an_administrator_maps_checks_and_imports_a_crisis_export(
    live_server, page_at, admin_user, agencies, program, tmp_path, width
):
    crisis = write_crisis_export(tmp_path / "crisis-calls.csv", ROWS)
    shots = screenshot_dir()
    page = page_at(WIDTHS[width])
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(admin_user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/")
    # The administrator finds the page in the navigation and uploads the export.
    page.get_by_role("link", name="Import calls").click()
    page.wait_for_url(f"{live_server.url}/imports/calls/")
    expect(page.get_by_role("heading", name="Import past calls")).to_be_visible()
    assert no_sideways_scroll(page)
    page.screenshot(path=shots / f"import-upload-{width}.png", full_page=True)
    page.get_by_label("CSV file", exact=True).set_input_files(crisis)
    police = agencies[Agency.Kind.LAW_ENFORCEMENT]
    page.get_by_label("Agency that took the calls").select_option(label=police.name)
    page.get_by_role("button", name="Upload and map").click()
    page.wait_for_url(re.compile(r"/imports/calls/[0-9a-f-]{36}/$"))
    # Maps each column with a select, no TOML.
    page.get_by_label("Event id column").select_option("EVENT_ID")
    page.get_by_label("Parts in columns of their own (year, month, …)").check()
    page.get_by_label("Year", exact=True).select_option("EVENT_YEAR")
    page.get_by_label("Month (1–12 or its name)").select_option("EVENT_MONTH")
    page.get_by_label("Weekday (Monday … Sunday)").select_option("EVENT_DOW")
    page.get_by_label("Hour (0–23)").select_option("EVENT_HOUR")
    page.get_by_label("Address column").select_option("NEIGHBOURHOOD")
    page.get_by_label("Summary of each call").fill("Event type: {EVENT_TYPE}.")
    page.get_by_label("EVENT_TYPE", exact=True).check()
    page.get_by_label("Rules for those columns").select_option("call-types")
    page.get_by_label("Outcome column").select_option("APPREHENSION_MADE")
    page.get_by_label("Save the mapping as").fill("City crisis calls")
    page.get_by_role("button", name="Show the values of the chosen columns").click()
    values = page.get_by_test_id("outcome-values")
    expect(values).to_be_visible()
    values.get_by_label("YES", exact=True).select_option("emergency_hold")
    values.get_by_label("NO", exact=True).select_option("other")
    assert no_sideways_scroll(page)
    page.screenshot(path=shots / f"import-mapping-{width}.png", full_page=True)
    # Checks it: nothing imported, every row would be.
    page.get_by_role("button", name="Check (import nothing)").click()
    status = page.get_by_test_id("import-status")
    expect(status.get_by_role("heading", name="Checked: nothing imported yet")).to_be_visible()
    expect(page.get_by_test_id("rows-imported")).to_have_text(str(ROWS))
    expect(page.get_by_test_id("precision")).to_have_text("month")
    assert not Call.objects.exists()
    assert no_sideways_scroll(page)
    page.screenshot(path=shots / f"import-checked-{width}.png", full_page=True)
    # Imports it, and goes on to the dashboard.
    page.get_by_role("button", name="Import", exact=True).click()
    expect(status.get_by_role("heading", name="Imported", exact=True)).to_be_visible()
    assert Call.objects.filter(program=program).count() == ROWS
    assert no_sideways_scroll(page)
    page.screenshot(path=shots / f"import-done-{width}.png", full_page=True)
    # The dashboard opens over the years imported, the calls counted as imported outcomes.
    page.get_by_role("link", name="Open the outcomes dashboard").click()
    page.wait_for_url(re.compile(r"/outcomes/\?period=custom&from=\d{4}-01-01&to=\d{4}-12-31$"))
    expect(page.get_by_test_id("count-imported")).to_contain_text(str(ROWS))
    page.screenshot(path=shots / f"import-dashboard-{width}.png", full_page=True)
