"""The outcomes and the program's bounds: a period typed outside them is a bad filter or a
refused report day, never a server error; a call stored outside them makes no fact, and the
refresh says how many it left out, until the program's earliest date takes it in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from freezegun import freeze_time

from coresponder.accounts.models import Role
from coresponder.analytics.models import CallFact, ReportRun
from coresponder.calls.models import Call

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
AHEAD = "More than ten years ahead: check the year."


@pytest.fixture
def supervisor(make_user):
    return make_user(Role.SUPERVISOR)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=0001-01-01&to=0001-12-31", f"from: {EARLIEST}"),
        ("from=1989-12-31&to=1990-01-31", f"from: {EARLIEST}"),
        ("from=2026-01-01&to=9999-12-31", f"to: {AHEAD}"),
    ],
)
@freeze_time(NOW)
def test_a_period_typed_outside_the_bounds_is_a_bad_filter(
    client, sign_in, supervisor, query, message
):
    sign_in(supervisor)

    page = client.get(f"/outcomes/?period=custom&{query}")
    api = client.get(f"/api/v1/outcomes/figures?period=custom&{query}")

    assert page.status_code == 400
    assert message in page.content.decode()
    assert api.status_code == 400
    assert api.json() == {"message": message, "code": "bad_filter", "fields": {}}


@freeze_time(NOW)
def test_a_report_day_typed_outside_the_bounds_is_refused_beside_it(client, sign_in, supervisor):
    sign_in(supervisor)

    response = client.post(
        "/outcomes/report/", {"first_day": "0001-01-01", "last_day": "9999-12-31"}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="id_first_day_error"><li>{EARLIEST}</li>' in page
    assert f'id="id_last_day_error"><li>{AHEAD}</li>' in page
    assert not ReportRun.objects.exists()


def test_a_call_stored_outside_the_bounds_makes_no_fact_until_the_program_takes_it(
    take_call, program
):
    # given: one call as intake took it, one moved by hand to 1985, one to year 1
    taken = [take_call(), take_call(), take_call()]
    Call.objects.filter(pk=taken[1].pk).update(received_at=datetime(1985, 6, 1, 12, tzinfo=UTC))
    Call.objects.filter(pk=taken[2].pk).update(received_at=datetime.min.replace(tzinfo=UTC))

    # when
    out = StringIO()
    call_command("analytics", "refresh", stdout=out, stderr=StringIO())

    # then
    assert list(CallFact.objects.values_list("call_id", flat=True)) == [taken[0].pk]
    assert out.getvalue().splitlines()[1:] == [
        "  2 calls lie outside the program's bounds and are left out of the facts; "
        "`coresponder check data` lists them."
    ]

    # and when the program takes calls from 1980, the next refresh counts the 1985 call
    program.earliest_date = date(1980, 1, 1)
    program.save(update_fields=["earliest_date", "updated_at"])
    out = StringIO()
    call_command("analytics", "refresh", stdout=out, stderr=StringIO())
    assert set(CallFact.objects.values_list("call_id", flat=True)) == {taken[0].pk, taken[1].pk}
    assert "  1 call lies outside the program's bounds" in out.getvalue()
