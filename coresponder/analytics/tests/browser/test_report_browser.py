"""The program report and the dashboard in Chromium, over one busy quarter: both name the
time bins by the whole minutes they hold, and the report's page reads at 1280 and 360 px.
The report's PDF is written beside the screenshots, for a person to look at."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.analytics import tasks
from coresponder.analytics.models import CallFact, ReportRun
from coresponder.analytics.tests.browser.test_dashboard_browser import busy_quarter, drawn
from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAST_DAY = date(2026, 3, 31)
QUARTER = "period=custom&from=2026-01-01&to=2026-03-31"


def test_the_report_and_the_dashboard_name_the_bins_alike(
    live_server, page_at, make_user, agencies
):
    # given a busy quarter and the report of it, made by the background task
    program = agencies["law_enforcement"].program
    agency_ids = [agencies["law_enforcement"].pk, agencies["behavioral_health"].pk]
    CallFact.objects.bulk_create(busy_quarter(program.pk, agency_ids, LAST_DAY))
    evaluator = make_user(Role.EVALUATOR)
    run = ReportRun.objects.create(
        program=program,
        requested_by=evaluator,
        start=date(2026, 1, 1),
        end=date(2026, 4, 1),
        filters={},
    )
    tasks.make_report.call(str(run.pk))
    run.refresh_from_db()
    assert run.status == "done", run.error
    (screenshot_dir() / "report-quarter.pdf").write_bytes(bytes(run.pdf))
    base = live_server.url

    for (width, height), name in (((1280, 900), "1280"), ((360, 780), "360")):
        page = page_at(width, height)
        sign_in(page, base, evaluator)

        # when they read the report's page
        page.goto(f"{base}/outcomes/report/{run.pk}/report.html")

        # then its time table names the bins as the dashboard does
        times = page.locator("#chart-times")
        expect(times.get_by_role("row", name="10–19 min")).to_have_count(1)
        expect(times.get_by_role("row", name="120 min or more")).to_have_count(1)
        expect(times.locator("svg")).to_contain_text("10–19")
        page.screenshot(path=screenshot_dir() / f"report-{name}.png", full_page=True)
        assert fits(page), f"the report scrolls sideways at {width} px"

        # and the dashboard of the same quarter says the same, with how to read it
        page.goto(f"{base}/outcomes/?{QUARTER}")
        drawn(page)
        chart = page.get_by_test_id("chart-response_times")
        chart.get_by_text("Show the numbers").click()
        expect(chart.get_by_role("row", name="10–19 min")).to_have_count(1)
        expect(chart.get_by_test_id("about-response_times")).to_have_text(
            "Whole minutes: a call that took 19 minutes 59 seconds is in 10–19 min."
        )
        chart.screenshot(path=screenshot_dir() / f"dashboard-times-{name}.png")
        assert fits(page), f"the dashboard scrolls sideways at {width} px"
