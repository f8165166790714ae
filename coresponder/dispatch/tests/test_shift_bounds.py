"""The program's earliest date is edited in the admin, like its other settings, and the
shifts an administrator types there are held to the program's bounds."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
from freezegun import freeze_time

from coresponder.core.exceptions import Invalid
from coresponder.dispatch import actions
from coresponder.dispatch.models import Shift

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
AHEAD = "More than ten years ahead: check the year."


def _form_data(page: str) -> dict[str, str | list[str]]:
    """The values an admin change form was rendered with, as a browser would post them."""
    data: dict[str, str | list[str]] = {}
    for tag in re.findall(r"<(?:input|select|textarea)\b[^>]*>", page):
        name = re.search(r'\sname="([^"]+)"', tag)
        if not name or re.search(r'type="(?:submit|button|checkbox)"', tag):
            continue
        value = re.search(r'\bvalue="([^"]*)"', tag)
        data[name[1]] = value[1] if value else ""
    for tag, name, options in re.findall(
        r'(<select[^>]*?\sname="([^"]+)"[^>]*>)(.*?)</select>', page, re.S
    ):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', options)
        if " multiple" in tag:  # a browser posts each chosen value, and nothing for none
            data.pop(name, None)
            data.update({name: chosen} if chosen else {})
        else:
            data[name] = chosen[0] if chosen else ""
    for name, text in re.findall(
        r'<textarea[^>]*?\sname="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        data[name] = html.unescape(text.removeprefix("\n"))
    for name in re.findall(r'<input[^>]*type="checkbox"[^>]*?\sname="([^"]+)"[^>]*checked', page):
        data[name] = "on"
    return data


def test_an_administrator_sets_the_earliest_date_in_the_admin(client, sign_in, admin_user, program):
    sign_in(admin_user)
    url = f"/admin/accounts/program/{program.pk}/change/"
    data = _form_data(client.get(url).content.decode())
    assert data["earliest_date"] == "1990-01-01"

    refused = client.post(url, {**data, "earliest_date": "1850-01-01"})
    saved = client.post(url, {**data, "earliest_date": "1980-01-01"})

    assert refused.status_code == 200
    assert "The earliest date is 1 January 1900 or later." in refused.content.decode()
    assert saved.status_code == 302, saved.content.decode()[:2000]
    program.refresh_from_db()
    assert program.earliest_date == date(1980, 1, 1)


@freeze_time(NOW)
@pytest.mark.parametrize(
    ("starts", "ends", "reason"),
    [("0001-01-01", "0001-01-02", EARLIEST), ("2026-03-03", "9999-12-31", AHEAD)],
)
def test_a_shift_typed_in_the_admin_is_held_to_the_bounds(
    client, sign_in, admin_user, make_team, starts, ends, reason
):
    # given: a team's page in the admin, with a blank row for a new shift
    team = make_team(on_shift=False)
    sign_in(admin_user)
    url = f"/admin/dispatch/team/{team.pk}/change/"
    data = _form_data(client.get(url).content.decode())
    row = "shifts-0"
    data.update(
        {
            f"{row}-starts_at_0": starts,
            f"{row}-starts_at_1": "08:00:00",
            f"{row}-ends_at_0": ends,
            f"{row}-ends_at_1": "16:00:00",
        }
    )

    # when
    response = client.post(url, data)

    # then
    assert response.status_code == 200
    assert reason in response.content.decode()
    assert not Shift.objects.filter(team=team).exists()


@freeze_time(NOW)
def test_a_shift_planned_outside_the_bounds_is_refused_naming_the_field(make_team):
    team = make_team(on_shift=False)

    with pytest.raises(Invalid) as refused:
        actions.add_shift(
            team,
            starts_at=datetime(2026, 3, 3, 8, tzinfo=UTC),
            ends_at=datetime(9999, 12, 31, tzinfo=UTC),
            acting_user=None,
        )

    assert refused.value.fields == {"ends_at": [AHEAD]}
    assert not Shift.objects.filter(team=team).exists()
