"""A case's contact times and task deadlines are held to the program's bounds, through the
API (422 naming the field) and the case page (the reason beside the field); nothing is
written either way."""

from __future__ import annotations

import re

import pytest
from freezegun import freeze_time

from coresponder.accounts.models import Role
from coresponder.cases import events
from coresponder.cases.models import ContactAttempt, Task

from .test_case_api import Followed, audits, finish, send, written

pytestmark = pytest.mark.django_db

NOW = "2026-03-02T17:00:00+00:00"
EARLIEST = "Before 1990-01-01, the earliest date this program takes: check the year."
FUTURE = "In the future: what has happened cannot be later than now."
AHEAD = "More than ten years ahead: check the year."


@pytest.fixture(autouse=True)
def _frozen():
    """The case is opened, and its times typed, at NOW."""
    with freeze_time(NOW):
        yield


@pytest.fixture
def followed(_frozen, on_scene, make_user) -> Followed:
    """An encounter whose case waits in the clinician's agency's queue, and its manager."""
    scene = on_scene()
    return Followed(
        scene, finish(scene), make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    )


@pytest.mark.parametrize(
    ("at", "reason"),
    [
        ("0001-01-01T00:00:00Z", EARLIEST),
        ("1989-12-31T23:59:59-07:00", EARLIEST),
        ("2999-01-01T00:00:00Z", FUTURE),
        ("9999-12-31T23:59:59Z", FUTURE),
    ],
)
def test_a_contact_outside_the_bounds_is_a_422_and_nothing_is_written(
    client, sign_in, followed, at, reason
):
    sign_in(followed.manager)
    before = written(followed.case)

    response = send(
        client,
        "post",
        followed.url("/contacts"),
        {"method": "phone", "outcome": "reached", "at": at},
    )

    assert response.status_code == 422, response.content
    assert response.json() == {
        "message": "The contact was not logged.",
        "code": "invalid",
        "fields": {"at": [reason]},
    }
    assert written(followed.case) == before
    assert audits(events.CONTACT_LOGGED, followed.case) == 0


@pytest.mark.parametrize(
    ("due_at", "reason"),
    [
        ("0001-01-01T00:00:00Z", EARLIEST),
        ("1989-12-31T23:59:59-07:00", EARLIEST),
        ("2036-03-03T00:00:00Z", AHEAD),
        ("9999-12-31T23:59:59Z", AHEAD),
    ],
)
def test_a_deadline_outside_the_bounds_is_a_422_and_nothing_is_written(
    client, sign_in, followed, due_at, reason
):
    sign_in(followed.manager)
    before = written(followed.case)

    response = send(
        client, "post", followed.url("/tasks"), {"title": "Call the shelter", "due_at": due_at}
    )

    assert response.status_code == 422, response.content
    assert response.json() == {
        "message": "The task was not added.",
        "code": "invalid",
        "fields": {"due_at": [reason]},
    }
    assert written(followed.case) == before
    assert audits(events.TASK_ADDED, followed.case) == 0


def test_a_deadline_years_ahead_within_the_horizon_is_taken(client, sign_in, followed):
    sign_in(followed.manager)

    response = send(
        client,
        "post",
        followed.url("/tasks"),
        {"title": "Review the housing plan", "due_at": "2036-02-28T09:00:00-07:00"},
    )

    assert response.status_code == 201, response.content


def _error_of(response, field: str) -> str:
    found = re.search(rf'id="id_{field}_error"><li>([^<]*)</li>', response.content.decode())
    return found[1] if found else ""


def test_the_case_page_shows_a_typed_year_out_of_bounds_beside_its_field(client, sign_in, followed):
    # given: the case page, where times are typed in the program's zone
    sign_in(followed.manager)
    case = followed.case
    tasks_before = Task.objects.filter(case=case).count()

    # when
    contact = client.post(
        f"/cases/{case.pk}/contacts/",
        {"method": "phone", "outcome": "reached", "at": "0001-01-01T00:00"},
    )
    task = client.post(
        f"/cases/{case.pk}/tasks/", {"title": "Call the shelter", "due_at": "9999-12-31T23:59"}
    )

    # then
    assert (contact.status_code, _error_of(contact, "at")) == (400, EARLIEST)
    assert (task.status_code, _error_of(task, "due_at")) == (400, AHEAD)
    assert not ContactAttempt.objects.filter(case=case).exists()
    assert Task.objects.filter(case=case).count() == tasks_before
