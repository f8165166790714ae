"""In Chromium, on a phone and on a desk: the administrator reads the match model's chart."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coresponder.accounts.models import Program
from coresponder.demo.generator import build_demo_program
from coresponder.people.actions import store_linkage_model
from coresponder.people.tests.synthetic import entries, records_of
from coresponder.people.training import train
from coresponder.testing.browser import screenshot_dir

from .test_person_privacy import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width", [360, 1280])
def test_the_administrator_reads_the_match_weight_chart(live_server, page_at, width):
    # given the demo program and a model trained on synthetic persons
    build_demo_program(now=timezone.now(), history=False)
    records = records_of(entries())
    trained = train(records, [str(number) for number in range(len(records))])
    store_linkage_model(
        Program.objects.get(),
        trained,
        persons=len(records),
        names_held={"given_name": len(records), "family_name": len(records)},
        now=timezone.now(),
    )
    page = page_at(width)
    sign_in(page, live_server.url, "admin")
    # when
    page.goto(f"{live_server.url}/people/matching-model/")
    # then the chart and its table are there, the page no wider than the screen
    page.get_by_role("img", name="Match weights of the model's fields").wait_for()
    assert page.get_by_test_id("match-weights").locator("tbody tr").count() > 20
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=screenshot_dir() / f"matching-model-{width}.png", full_page=True)
