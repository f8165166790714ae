"""Closing a call from its page: cancelling needs a reason, and the call's timeline says how
it ended, by whom and why (a cancelled P1 call once showed only "Call received")."""

from __future__ import annotations

import html
import re

import pytest

from coresponder.calls import actions, events
from coresponder.calls.models import Call, CallState
from coresponder.core.exceptions import DomainError
from coresponder.core.models import AuditEntry

pytestmark = pytest.mark.django_db

ATTEMPT = {"screening": ["attempt_in_progress"], "concerns": ["suicidal"]}


def timeline_of(page: str) -> list[str]:
    section = page.split('id="timeline-h"', 1)[1].split("</ol>", 1)[0]
    return [
        html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip())
        for item in re.findall(r"<li[^>]*>(.*?)</li>", section, flags=re.S)
    ]


def closings() -> int:
    return AuditEntry.objects.filter(action=events.CALL_CLOSED).count()


def test_cancelling_a_p1_call_without_a_reason_is_refused_and_changes_nothing(
    client, sign_in, desk, take_call
):
    # given an attempt in progress: priority 1
    call = take_call(**ATTEMPT)
    assert call.priority == 1
    sign_in(desk)

    # when the desk cancels it without saying why
    response = client.post(f"/calls/{call.pk}/close/", {"state": "cancelled"}, follow=True)

    # then it is refused with the reason, and the call is as it was
    assert "Say why the call is cancelled." in response.content.decode()
    call.refresh_from_db()
    assert (call.state, call.closed_at, call.close_reason) == (CallState.OPEN, None, "")
    assert closings() == 0


def test_a_cancelled_call_shows_who_cancelled_it_and_why_in_its_timeline(
    client, sign_in, desk, take_call
):
    # given an attempt in progress
    call = take_call(**ATTEMPT)
    sign_in(desk)

    # when the desk cancels it, saying why
    reason = "Caller rang back: a neighbour's smoke alarm, no one at risk"
    response = client.post(
        f"/calls/{call.pk}/close/", {"state": "cancelled", "reason": f"  {reason} "}
    )

    # then it is cancelled with the reason, the person who did it, and one audit entry
    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.state, call.close_reason, call.closed_by) == (CallState.CANCELLED, reason, desk)
    assert closings() == 1
    # and the timeline says so after the call's arrival
    page = client.get(f"/calls/{call.pk}/").content.decode()
    received, cancelled = timeline_of(page)
    assert received.endswith("Call received")
    assert re.fullmatch(
        rf"\d\d:\d\d:\d\d Cancelled by {re.escape(desk.full_name)}: {re.escape(reason)}",
        cancelled,
    ), cancelled


def test_the_close_form_asks_why(client, sign_in, desk, take_call):
    call = take_call()
    sign_in(desk)

    page = client.get(f"/calls/{call.pk}/").content.decode()

    assert re.search(r'<label for="close-reason">Why[^<]*</label>', page)
    assert re.search(r'<input[^>]* id="close-reason" name="reason"', page)


def test_resolved_by_phone_takes_a_note_but_needs_none(desk, take_call):
    call = take_call()

    closed = actions.close_call(call, state=CallState.RESOLVED_BY_PHONE, acting_user=desk)

    assert (closed.state, closed.close_reason, closed.closed_by) == (
        CallState.RESOLVED_BY_PHONE,
        "",
        desk,
    )


def test_a_reason_past_its_limit_is_refused(desk, take_call):
    call = take_call()

    with pytest.raises(DomainError) as refused:
        actions.close_call(call, state=CallState.CANCELLED, reason="r" * 501, acting_user=desk)

    assert refused.value.fields == {"reason": ["At most 500 characters."]}
    assert Call.objects.get(pk=call.pk).state == CallState.OPEN


def test_the_last_team_clearing_closes_the_call_and_the_timeline_says_so(
    client, sign_in, desk, take_call, make_team
):
    from coresponder.dispatch import actions as dispatch

    call, team = take_call(), make_team("CRT 5")
    dispatch.dispatch_team(call, team, acting_user=desk)
    dispatch.move_status(team, "on_scene", acting_user=team.officer)
    dispatch.move_status(team, "available", acting_user=team.officer)
    sign_in(desk)

    page = client.get(f"/calls/{call.pk}/").content.decode()

    assert timeline_of(page)[-1].endswith("Closed: the last team cleared")
