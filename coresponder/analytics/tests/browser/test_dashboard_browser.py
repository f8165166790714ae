"""The outcomes dashboard in Chromium: a supervisor opens January's figures, picks the
988 line, and the tiles change to that line's figures in place (a marker set on the
window survives: no reload) while the address bar gets the shareable query string.
A second test fills a busier quarter and screenshots the dashboard at 1280 and 390 px."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.analytics.facts import Moment
from coresponder.analytics.models import CallFact
from coresponder.analytics.tests import dataset
from coresponder.analytics.tests.test_dashboard import JANUARY, insert_january
from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = (1280, 900), (390, 844)
DRAWN = "Chart.getChart(document.querySelector('[data-chart=trend]')) !== undefined"


def drawn(page) -> None:
    # Waited for through the DOM: the page's CSP forbids the eval a polled function needs.
    expect(page.locator("canvas[data-chart=trend]")).to_have_attribute("data-drawn", "yes")
    assert page.evaluate(DRAWN)


def shoot(page, name: str) -> None:
    page.screenshot(path=screenshot_dir() / f"dashboard-{name}.png", full_page=True)


def tile(page, key: str):
    return page.get_by_test_id(f"tile-{key}")


def test_a_filter_changes_the_tiles_without_a_reload(live_server, page_at, make_user, agencies):
    # given January's hand-counted facts and a supervisor on the dashboard
    insert_january(agencies["law_enforcement"].program, agencies)
    supervisor = make_user(Role.SUPERVISOR)
    base = live_server.url
    page = page_at(*WIDE)
    sign_in(page, base, supervisor)
    page.goto(f"{base}/outcomes/?{JANUARY}")
    expect(tile(page, "arrest_free").get_by_test_id("tile-value")).to_have_text("85.7%")
    expect(tile(page, "voluntary_engagement").get_by_test_id("tile-value")).to_have_text("28.6%")
    expect(tile(page, "response_median").get_by_test_id("tile-value")).to_have_text("10 min")
    assert page.evaluate(DRAWN)
    page.evaluate("window.__stillTheSamePage = 'yes'")

    # when they pick the 988 line as the call source
    page.get_by_label("Call source").select_option("988")

    # then the tiles show the 988 calls' figures (c5 and c6), in the same page
    expect(tile(page, "arrest_free").get_by_test_id("tile-value")).to_have_text("100%")
    expect(tile(page, "voluntary_engagement").get_by_test_id("tile-value")).to_have_text("50%")
    expect(tile(page, "response_median").get_by_test_id("tile-value")).to_have_text("—")
    expect(tile(page, "response_median").get_by_test_id("tile-reason")).to_have_text(
        "Nothing to count: no calls with a team on scene in this period."
    )
    expect(page.get_by_test_id("count-calls")).to_have_text("2")
    assert page.evaluate("window.__stillTheSamePage") == "yes"
    assert page.url == f"{base}/outcomes/?{JANUARY}&source=988"
    # and the charts were drawn again on the new canvases, the CSV links follow the filter
    assert page.evaluate(DRAWN)
    expect(page.get_by_test_id("csv-dispositions")).to_have_attribute(
        "href", f"/outcomes/chart/dispositions.csv?{JANUARY}&source=988"
    )
    # and the numbers behind a chart open as a table
    chart = page.get_by_test_id("chart-dispositions")
    chart.get_by_text("Show the numbers").click()
    expect(chart.get_by_role("row", name="emergency hold")).to_contain_text("50%")

    # when they go back, January's figures for every source come back
    page.go_back()
    expect(tile(page, "arrest_free").get_by_test_id("tile-value")).to_have_text("85.7%")
    assert page.evaluate("window.__stillTheSamePage") == "yes"


def busy_quarter(program_id: int, agency_ids: list[int], today: date) -> list[CallFact]:
    """About 600 calls over the last 120 days, seeded: the same picture every run."""
    chance = random.Random(20260101)  # noqa: S311 - test data, not secrets
    dispositions = ["resolved_on_scene"] * 30 + ["referred_voluntary"] * 22
    dispositions += ["transported_voluntary"] * 14 + ["emergency_hold"] * 8
    dispositions += ["medical_transport"] * 5 + ["citation"] * 3 + ["arrest"] * 2
    dispositions += ["refused_services"] * 11 + ["unable_to_locate"] * 5
    rows = []
    for number in range(600):
        when = datetime.combine(today, datetime.min.time(), tzinfo=UTC) - timedelta(
            days=chance.randint(0, 119), hours=chance.choice([2, 6, 9, 11, 14, 16, 18, 20, 22])
        )
        moment = Moment.of(when, UTC)
        disposition = chance.choice(dispositions)
        sent = chance.choice([0, 0, 1, 1, 2]) if disposition == "referred_voluntary" else 0
        accepted = min(sent, chance.choice([0, 1, 1]))
        row = dict(dataset.BASE) | {
            "call_id": uuid.uuid5(uuid.NAMESPACE_URL, f"coresponder:test:busy:{number}"),
            "program_id": program_id,
            "agency_id": chance.choice(agency_ids),
            "source": chance.choice(["911", "911", "911", "988", "non_emergency"]),
            "person_key": f"P{chance.randint(1, 420)}",
            "received_epoch": moment.epoch,
            "day": moment.day,
            "day_end": moment.day_end,
            "week": moment.week,
            "month": moment.month,
            "year": moment.year,
            "hour_of_week": moment.hour_of_week,
            "disposition": disposition,
            "assessed": chance.choice([0, 1, 1]),
            "any_force": 1 if chance.random() < 0.03 else 0,
            "referrals_sent": sent,
            "referrals_accepted": accepted,
            "referrals_attended": min(accepted, chance.choice([0, 1])),
            "response_seconds": chance.randint(240, 3000),
            "on_scene_seconds": chance.randint(600, 6000),
            "officer_seconds": chance.randint(900, 7000),
            "needs_follow_up": 1 if sent else 0,
            "follow_up_seconds": chance.randint(3600, 100 * 3600) if sent else None,
        }
        rows.append(CallFact(**row))
    return rows


def test_the_dashboard_reads_at_both_widths(live_server, page_at, make_user, agencies):
    program = agencies["law_enforcement"].program
    from django.utils import timezone

    today = timezone.localdate()
    agency_ids = [agencies["law_enforcement"].pk, agencies["behavioral_health"].pk]
    CallFact.objects.bulk_create(busy_quarter(program.pk, agency_ids, today))
    evaluator = make_user(Role.EVALUATOR)
    base = live_server.url

    for (width, height), name in ((WIDE, "1280"), (NARROW, "390")):
        page = page_at(width, height)
        sign_in(page, base, evaluator)
        page.goto(f"{base}/outcomes/?period=quarter")
        expect(
            page.get_by_test_id("tile-arrest_free").get_by_test_id("tile-value")
        ).not_to_have_text("—")
        drawn(page)
        shoot(page, name)
        assert fits(page), f"the dashboard scrolls sideways at {width} px"
        page.get_by_label("Call source").select_option("988")
        expect(page.get_by_test_id("scope")).to_contain_text("Call source: 988 line")
        drawn(page)
        shoot(page, f"{name}-988")
        assert fits(page), f"the filtered dashboard scrolls sideways at {width} px"
