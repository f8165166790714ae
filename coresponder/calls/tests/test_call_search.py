"""The calls list: searched by number, address, person, concern, state and the days
received (on the program's clock), a page at a time, the search kept in the address."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coresponder.calls import actions as calls
from coresponder.core.models import AuditEntry
from coresponder.people import actions as people

pytestmark = pytest.mark.django_db

# The test program keeps Denver's clock: 10 January 2026 runs 07:00 UTC to 07:00 UTC.
BEFORE_THE_DAY = datetime(2026, 1, 10, 6, 59, tzinfo=UTC)  # 9 Jan, 23:59 MST
DAY_STARTS = datetime(2026, 1, 10, 7, 0, tzinfo=UTC)  # 10 Jan, 00:00 MST
DAY_ENDS = datetime(2026, 1, 11, 6, 59, tzinfo=UTC)  # 10 Jan, 23:59 MST
AFTER_THE_DAY = datetime(2026, 1, 11, 7, 0, tzinfo=UTC)  # 11 Jan, 00:00 MST


def listed(client, query: str = "") -> list[str]:
    response = client.get(f"/calls/{query}")
    assert response.status_code == 200, response.content
    return re.findall(r'data-testid="call-row" data-reference="([^"]+)"', response.content.decode())


@pytest.fixture
def quebec(desk):
    return people.register_person(
        people.PersonIn(names=[people.NameIn(given="Demo", family="Quebec")]), acting_user=desk
    )


def test_each_box_finds_its_calls(client, sign_in, desk, take_call, quebec):
    # given
    willow = take_call(address="12 Willow Place", concerns=["self_harm"], person_id=quebec.pk)
    larch = take_call(address="22 Larch Drive", concerns=["suicidal", "welfare_check"])
    closed = take_call(address="5 Elm Court", concerns=["resources_request"])
    calls.close_call(closed, state="resolved_by_phone", reason="", acting_user=desk)
    sign_in(desk)
    # when / then
    assert listed(client) == [closed.reference, larch.reference, willow.reference]
    assert listed(client, f"?number={larch.reference[-3:]}") == [larch.reference]
    assert listed(client, "?address=willow") == [willow.reference]
    assert listed(client, "?person=Demo+Quebec") == [willow.reference]
    assert listed(client, "?concern=welfare_check") == [larch.reference]
    assert listed(client, "?concern=self_harm") == [willow.reference]
    assert listed(client, "?state=resolved_by_phone") == [closed.reference]
    assert listed(client, "?state=active") == [larch.reference, willow.reference]
    assert listed(client, "?concern=suicidal&address=willow") == []


def test_the_days_are_the_programs_days_both_included(client, sign_in, desk, take_call):
    made = {
        at: take_call(received_at=at).reference
        for at in (BEFORE_THE_DAY, DAY_STARTS, DAY_ENDS, AFTER_THE_DAY)
    }
    sign_in(desk)
    one_day = listed(client, "?received_from=2026-01-10&received_to=2026-01-10")
    assert one_day == [made[DAY_ENDS], made[DAY_STARTS]]
    assert listed(client, "?received_from=2026-01-11") == [made[AFTER_THE_DAY]]
    assert listed(client, "?received_to=2026-01-09") == [made[BEFORE_THE_DAY]]


def test_a_bad_search_says_what_is_wrong_and_lists_nothing(client, sign_in, desk, take_call):
    take_call()
    sign_in(desk)
    response = client.get("/calls/?received_from=2026-01-10&received_to=2026-01-09")
    page = response.content.decode()
    assert response.status_code == 400
    assert "The last day, 2026-01-09, is before the first, 2026-01-10." in page
    assert 'data-testid="call-row"' not in page
    response = client.get("/calls/?concern=taxi&state=lost")
    assert response.status_code == 400
    assert response.content.decode().count("Select a valid choice.") == 2


def test_a_person_the_reader_may_not_see_finds_no_call(
    client, sign_in, desk, take_call, quebec, monkeypatch
):
    # given: a call about the person, and a policy that hides the person from the reader
    take_call(person_id=quebec.pk)
    sign_in(desk)
    assert len(listed(client, "?person=Quebec")) == 1
    from coresponder.privacy import access

    monkeypatch.setattr(access, "persons_visible_to", lambda user, persons: persons.none())
    reads = AuditEntry.objects.count()
    # when
    found = client.get("/calls/?person=Quebec").content.decode()
    # then: no call, no name, no read of the person
    assert 'data-testid="call-row"' not in found
    assert "No call matches the search." in found
    assert "Quebec" not in found.replace('value="Quebec"', "")
    assert AuditEntry.objects.count() == reads


def test_another_programs_desk_finds_nothing_by_name(client, sign_in, stranger, take_call, quebec):
    take_call(person_id=quebec.pk)
    sign_in(stranger)
    found = client.get("/calls/?person=Demo+Quebec").content.decode()
    assert 'data-testid="call-row"' not in found
    assert "Demo Quebec" not in found.replace('value="Demo Quebec"', "")


def test_pages_keep_the_search_and_the_queries_do_not_grow_with_the_page(
    client, sign_in, desk, take_call, quebec
):
    # given: 55 calls at one address (every other one about a person), 3 elsewhere
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    at_willow = [
        take_call(
            address="12 Willow Place",
            received_at=start + timedelta(minutes=n),
            person_id=quebec.pk if n % 2 else None,
        ).reference
        for n in range(55)
    ]
    for n in range(3):
        take_call(address="9 Birch Way", received_at=start + timedelta(hours=2, minutes=n))
    sign_in(desk)
    # when
    first = client.get("/calls/?address=willow").content.decode()
    # then: the newest fifty, and a link to the rest that keeps the search
    rows = re.findall(r'data-testid="call-row" data-reference="([^"]+)"', first)
    assert rows == list(reversed(at_willow))[:50]
    assert "Calls 1–50 of 55" in first
    assert 'href="?address=willow&amp;page=2" rel="next"' in first
    assert listed(client, "?address=willow&page=2") == list(reversed(at_willow))[50:]

    def queries(query: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/calls/{query}").status_code == 200
        return len(captured)

    # A page of 50 costs what a page of 5 does.
    assert queries("?address=willow") == queries("?address=willow&page=2") == 14
