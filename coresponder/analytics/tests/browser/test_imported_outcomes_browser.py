"""An administrator imports a published crisis dataset with the shipped mapping, no code,
and sees its apprehension rate on the dashboard as imported outcomes, at both widths."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.analytics.dashboard_views import format_value
from coresponder.analytics.kpis import LIBRARY
from coresponder.demo.crisis_export import write_crisis_export
from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.testing.browser import screenshot_dir

from .test_dashboard_browser import NARROW, WIDE, drawn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

YEAR_2023 = "period=custom&from=2023-01-01&to=2023-12-31&by=month"


def test_an_imported_crisis_history_shows_its_outcome_rate(
    live_server, page_at, make_user, agencies, tmp_path
):
    # given two years of a crisis dataset imported with the shipped mapping
    path = write_crisis_export(tmp_path / "crisis.csv", 3_000, first_year=2022, years=2)
    call_command(
        "import",
        "calls",
        str(path),
        "--mapping",
        "police-crisis-data",
        "--agency",
        str(agencies["law_enforcement"].pk),
        "--rejects",
        str(tmp_path / "rejected.csv"),
        stdout=StringIO(),
        stderr=StringIO(),
    )
    with path.open(newline="", encoding="utf-8") as handle:
        of_2023 = [row for row in csv.DictReader(handle) if row["EVENT_YEAR"] == "2023"]
    held = sum(row["APPREHENSION_MADE"] == "Yes" for row in of_2023)
    rate = format_value(LIBRARY["involuntary_holds"], held / len(of_2023))
    administrator = make_user(Role.ADMINISTRATOR)
    base = live_server.url

    for (width, height), name in ((WIDE, "1280"), (NARROW, "390")):
        page = page_at(width, height)
        sign_in(page, base, administrator)

        # when the administrator opens 2023's outcomes
        page.goto(f"{base}/outcomes/?{YEAR_2023}")

        # then the hold rate is the apprehension rate, said to be of imported outcomes
        holds = page.get_by_test_id("tile-involuntary_holds")
        expect(holds.get_by_test_id("tile-value")).to_have_text(rate)
        expect(holds.get_by_test_id("tile-imported")).to_have_text(
            f"{len(of_2023)} of the {len(of_2023)} are imported outcomes."
        )
        # and the arrest-free rate has nothing to count: the flag says nothing of arrests
        arrests = page.get_by_test_id("tile-arrest_free")
        expect(arrests.get_by_test_id("tile-value")).to_have_text("—")
        expect(arrests.get_by_test_id("tile-imported-left-out")).to_have_text(
            f"{len(of_2023)} imported outcomes do not say this and are not counted."
        )
        expect(page.get_by_test_id("count-imported")).to_contain_text("imported outcomes")
        # and the calls, known to the month, are in every month and on the heat map
        expect(page.get_by_test_id("left-out-trend")).to_have_count(0)
        expect(page.get_by_test_id("heat-map")).to_be_visible()
        drawn(page)
        page.screenshot(
            path=screenshot_dir() / f"dashboard-imported-crisis-{name}.png", full_page=True
        )
        assert fits(page), f"the dashboard scrolls sideways at {width} px"

        # when they show the imported outcomes alone, then the figure stays the same
        page.get_by_label("Outcome recorded").select_option("imported")
        expect(page.get_by_test_id("scope")).to_contain_text("Outcome recorded: Imported")
        expect(holds.get_by_test_id("tile-value")).to_have_text(rate)
