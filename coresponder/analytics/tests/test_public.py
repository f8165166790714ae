"""The public transparency page: no log-in, only published programs, small counts hidden."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from coresponder.analytics.facts import Moment
from coresponder.analytics.models import CallFact
from coresponder.analytics.public_views import last_whole_months
from coresponder.analytics.suppression import MEASURES

from . import dataset
from .test_suppression import reader_ranges

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # the page caches its figures for minutes; each test starts without


def _month(program, offset: int) -> tuple[int, int]:
    # the months the page counts back from its own day, the program's (not UTC's)
    start, _ = last_whole_months(timezone.localdate(timezone=program.zone))
    month = start.month - 1 + offset
    return start.year + month // 12, month % 12 + 1


def _facts(program, offset: int, *, encounters: int, arrests: int, voluntary: int, force: int):
    year, month = _month(program, offset)
    rows = []
    for number in range(encounters):
        moment = Moment.of(datetime(year, month, 10, 12, tzinfo=UTC), dataset.ZONE)
        disposition = (
            "arrest"
            if number < arrests
            else "referred_voluntary"
            if number < arrests + voluntary
            else "resolved_on_scene"
        )
        rows.append(
            CallFact(
                **dataset._fact(
                    f"public-{program.pk}-{offset}-{number}",
                    moment,
                    program_id=program.pk,
                    disposition=disposition,
                    any_force=int(number >= encounters - force),
                    response_seconds=600 + 60 * number,
                )
            )
        )
    CallFact.objects.bulk_create(rows)


@pytest.fixture
def published(program, settings):
    settings.COR_PUBLIC_OUTCOMES = [program.slug]
    _facts(program, 0, encounters=40, arrests=0, voluntary=15, force=0)
    _facts(program, 1, encounters=30, arrests=2, voluntary=12, force=1)  # small arrests, force
    _facts(program, 2, encounters=25, arrests=0, voluntary=9, force=0)
    return program


def _csv(client, program) -> list[dict]:
    response = client.get(f"/outcomes/public/{program.slug}/outcomes.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_an_unpublished_program_has_no_public_page(client, program):
    assert client.get(f"/outcomes/public/{program.slug}/").status_code == 404
    assert client.get(f"/outcomes/public/{program.slug}/outcomes.csv").status_code == 404


def test_the_page_needs_no_log_in_and_hides_small_counts(client, published):
    response = client.get(f"/outcomes/public/{published.slug}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "fewer than 11" in page
    rows = _csv(client, published)
    assert len(rows) == 13  # twelve months and the whole period
    first, second, third = rows[0], rows[1], rows[2]
    assert (first["encounters"], first["arrests"], first["voluntary"]) == ("40", "0", "15")
    assert first["arrest_free_percent"] == "100.0"
    assert first["voluntary_percent"] == "37.5"
    # Two arrests and one use of force: hidden, and so is what would give them away.
    assert second["arrests"] == "fewer than 11"
    assert second["force"] == "fewer than 11"
    assert second["not_arrested"] != "28"
    assert second["arrest_free_percent"] == ""
    assert third["voluntary"] == "fewer than 11"  # 9
    for row in rows:
        for column in ("arrests", "force", "voluntary", "encounters", "calls"):
            value = row[column]
            assert not (value.isdigit() and 0 < int(value) < 11), (row["month"], column)


def test_no_hidden_count_can_be_worked_back_from_what_is_published(client, published):
    rows = _csv(client, published)
    # The CSV as the suppression tests' reader sees a table: every published number, each
    # "fewer than 11" in 1..10, each "suppressed" at least 1, every row and column sum.
    shown = {
        (index, measure): row["encounters" if measure == "calls" else measure]
        for index, row in enumerate(rows)
        for measure in MEASURES
    }
    hidden = reader_ranges(shown)
    assert hidden, "the fixture has small counts to hide"
    for position, (low, high) in hidden.items():
        assert high - low >= 1, f"{position} is pinned to {low}"


def test_a_month_s_median_needs_eleven_encounters(client, program, settings):
    settings.COR_PUBLIC_OUTCOMES = [program.slug]
    _facts(program, 0, encounters=12, arrests=0, voluntary=0, force=0)
    _facts(program, 1, encounters=10, arrests=0, voluntary=0, force=0)
    rows = _csv(client, program)
    assert rows[0]["response_median_minutes"] == "15"  # ranks 6 of 12: 600 + 5·60 seconds
    assert rows[1]["response_median_minutes"] == "—"


def test_a_table_that_cannot_be_protected_is_not_published(client, published, monkeypatch):
    from coresponder.analytics import public_views
    from coresponder.analytics.suppression import CannotProtectTable

    def cannot(months):
        raise CannotProtectTable("no cell left to hide")

    monkeypatch.setattr(public_views, "suppress", cannot)
    page = client.get(f"/outcomes/public/{published.slug}/")
    assert page.status_code == 200
    assert "cannot be published" in page.content.decode()
    assert client.get(f"/outcomes/public/{published.slug}/outcomes.csv").status_code == 503
