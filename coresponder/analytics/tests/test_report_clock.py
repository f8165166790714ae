"""The program report, made by the background worker where no page sets a clock, reads
its times on the program's (issue 17)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from coresponder.analytics import tasks
from coresponder.analytics.models import ReportRun

pytestmark = pytest.mark.django_db


@pytest.mark.slow
def test_the_report_says_when_it_was_made_on_the_programs_clock(program, make_user):
    run = ReportRun.objects.create(
        program=program,
        requested_by=make_user(),
        start=date(2026, 1, 1),
        end=date(2026, 2, 1),
        filters={},
    )
    with freeze_time(datetime(2026, 1, 15, 17, 51, tzinfo=UTC)):
        tasks.make_report.call(str(run.pk))
    run.refresh_from_db()
    assert run.status == "done"
    assert "Generated 15 January 2026, 10:51 MST" in run.html
