"""Only a person's action keeps a session alive; a live page's polls do not (CJIS session lock)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from freezegun import freeze_time

from coresponder.accounts import events as audit_events
from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db

POLL = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TRIGGER": "board", "HTTP_X_CORESPONDER_POLL": "1"}


def test_polls_do_not_keep_an_idle_session_alive(client, make_user, sign_in):
    # given a dispatcher who signed in and left the board open
    user = make_user(Role.DISPATCHER)
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(user)

    # when the board polls for 29 minutes, then once more after 31
    with freeze_time("2026-11-23 10:29:00"):
        before = client.get("/dispatch/live/", **POLL)
    with freeze_time("2026-11-23 10:31:00"):
        after = client.get("/dispatch/live/", **POLL)

    # then the first poll is answered, the one past the idle limit ends the session
    assert before.status_code == 200
    assert after.status_code == 204
    assert after["HX-Redirect"] == "/login/"
    ended = AuditEntry.objects.get(action=audit_events.SESSION_ENDED)
    assert ended.detail == {"reason": "idle"}
    with freeze_time("2026-11-23 10:31:01"):
        assert client.get("/dispatch/").status_code == 302


def test_a_page_the_person_asks_for_keeps_the_session_alive(client, make_user, sign_in):
    # given
    user = make_user(Role.DISPATCHER)
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(user)

    # when they open the board at 29 minutes, and it polls at 31
    with freeze_time("2026-11-23 10:29:00"):
        opened = client.get("/dispatch/")
    with freeze_time("2026-11-23 10:31:00"):
        polled = client.get("/dispatch/live/", **POLL)

    # then both are answered and the session goes on
    assert opened.status_code == 200
    assert polled.status_code == 200
    assert not AuditEntry.objects.filter(action=audit_events.SESSION_ENDED).exists()


@override_settings(COR_SESSION_IDLE_SECONDS=3)
def test_the_idle_limit_is_a_setting_and_counted_to_the_second(client, make_user, sign_in):
    # given a program whose idle limit is 3 seconds
    user = make_user(Role.DISPATCHER)
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(user)

    # when the person clicks at 2 s, and nothing but polls come after
    with freeze_time("2026-11-23 10:00:02"):
        clicked = client.get("/dispatch/")
    with freeze_time("2026-11-23 10:00:04"):
        polled = client.get("/dispatch/live/", **POLL)
    with freeze_time("2026-11-23 10:00:05.5"):
        ended = client.get("/dispatch/live/", **POLL)

    # then the click counted, the polls did not
    assert (clicked.status_code, polled.status_code) == (200, 200)
    assert ended.status_code == 204
    assert ended["HX-Redirect"] == "/login/"


def test_an_ended_poll_sends_the_page_to_the_sign_in_without_data(client, make_user, sign_in):
    # given a call page left open past the idle limit
    user = make_user(Role.DISPATCHER)
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(user)

    # when its poll comes in, telling htmx which page it polls from
    with freeze_time("2026-11-23 10:31:00"):
        response = client.get(
            "/dispatch/live/",
            HTTP_HX_CURRENT_URL="http://testserver/dispatch/",
            **POLL,
        )

    # then htmx is told to go to the sign-in (not sent a redirect it would follow and swap
    # into the board), and the answer carries nothing
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/?next=%2Fdispatch%2F"
    assert response.content == b""


def test_an_ended_fetch_poll_gets_the_api_error(client, make_user, sign_in):
    user = make_user(Role.DISPATCHER)
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(user)

    with freeze_time("2026-11-23 10:31:00"):
        response = client.get("/api/v1/me", HTTP_X_CORESPONDER_POLL="1")

    assert response.status_code == 401
    assert response.json()["code"] == "session_ended"


@pytest.mark.parametrize(
    ("template", "element"),
    [
        ("dispatch/_board.html", "board"),
        ("dispatch/_field.html", "field"),
        ("calls/_live.html", "call-live"),
        ("calls/detail.html", "call-live"),
        ("analytics/report_progress.html", "report-progress"),
    ],
)
def test_every_polling_element_marks_its_requests_as_polls(template, element):
    # given the template of a live part of a page
    from django.template.loader import get_template

    source = get_template(template).template.source

    # when its polling element is read
    tag = next(line for line in source.splitlines() if f'<div id="{element}"' in line)

    # then it polls and says so, and its children do not inherit the mark
    assert 'hx-trigger="every' in tag
    assert """hx-headers='{"X-Coresponder-Poll": "1"}'""" in tag
    assert 'hx-disinherit="hx-headers"' in tag


@pytest.mark.parametrize(
    ("idle_seconds", "said"),
    [
        (1800, "You were signed out after 30 minutes without activity."),
        (60, "You were signed out after 1 minute without activity."),
        (3, "You were signed out after 3 seconds without activity."),
        (1, "You were signed out after 1 second without activity."),
    ],
)
def test_the_sign_in_page_says_how_long_the_session_was_idle(
    client, make_user, sign_in, settings, idle_seconds, said
):
    # given an idle limit, and a dispatcher who signed in and left
    settings.COR_SESSION_IDLE_SECONDS = idle_seconds
    with freeze_time("2026-11-23 10:00:00"):
        sign_in(make_user(Role.DISPATCHER))
    # when they come back past it
    with freeze_time("2026-11-23 11:00:00"):
        response = client.get("/dispatch/", follow=True)
    # then the sign-in page says the limit as it is, not rounded to a minute
    assert response.request["PATH_INFO"] == "/login/"
    assert said in response.content.decode()
