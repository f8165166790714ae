"""Times on a case, typed and read on the program's clock across both changes of the
clocks (issue 17). Denver 2026: 8 March 02:00 jumps to 03:00; 1 November 01:00 to 02:00
happens twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coresponder.accounts.models import Role
from coresponder.cases import actions
from coresponder.cases.models import ContactAttempt, OpenedBecause, TaskKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user, agencies):
    manager = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    manager.email = "case-manager@example.org"
    manager.save(update_fields=["email"])
    return manager


@pytest.fixture
def case(scene, manager):
    return actions.open_case(
        scene.person,
        because=OpenedBecause.BY_HAND,
        acting_user=manager,
        case_manager=manager,
        now=datetime(2026, 1, 10, 17, 0, tzinfo=UTC),
    )


def log(client, case, at: str):
    return client.post(
        f"/cases/{case.pk}/contacts/", {"method": "phone", "outcome": "reached", "at": at}
    )


def test_a_contact_typed_in_the_skipped_hour_is_refused_with_the_hours_named(
    client, sign_in, manager, case
):
    sign_in(manager)
    response = log(client, case, "2026-03-08T02:30")
    assert response.status_code == 400
    assert (
        "02:30 on 2026-03-08 does not exist in America/Denver: the clocks go forward from "
        "02:00 to 03:00 that night. Give a time before 02:00 or from 03:00."
    ) in response.content.decode()
    assert not ContactAttempt.objects.exists()


def test_contacts_either_side_of_both_changes_keep_their_instants(client, sign_in, manager, case):
    sign_in(manager)
    for typed in ("2026-03-08T01:59", "2026-03-08T03:00", "2026-11-01T01:30", "2026-11-01T02:30"):
        assert log(client, case, typed).status_code == 302, typed
    assert list(ContactAttempt.objects.order_by("at").values_list("at", flat=True)) == [
        datetime(2026, 3, 8, 8, 59, tzinfo=UTC),  # MST, UTC-7
        datetime(2026, 3, 8, 9, 0, tzinfo=UTC),  # MDT, UTC-6: a minute later
        datetime(2026, 11, 1, 7, 30, tzinfo=UTC),  # the first 01:30, MDT
        datetime(2026, 11, 1, 9, 30, tzinfo=UTC),  # MST, UTC-7
    ]
    # and the page reads them back as typed, the repeated hour with its zone
    page = client.get(f"/cases/{case.pk}/").content.decode()
    for shown in (
        "8 Mar 2026 01:59",
        "8 Mar 2026 03:00",
        "1 Nov 2026 01:30 MDT",
        "1 Nov 2026 02:30",
    ):
        assert shown in page, shown
    assert "1 Nov 2026 02:30 M" not in page  # 02:30 happens once: no zone needed


def test_the_task_form_names_its_clock_and_reads_on_it(client, sign_in, manager, case):
    sign_in(manager)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "Due (America/Denver)" in page
    assert "When (America/Denver)" in page
    client.post(
        f"/cases/{case.pk}/tasks/", {"title": "Call the clinic", "due_at": "2026-07-01T09:30"}
    )
    task = case.tasks.get(title="Call the clinic")
    assert task.due_at == datetime(2026, 7, 1, 15, 30, tzinfo=UTC)  # MDT


def test_a_reminder_says_when_the_task_was_due_on_the_programs_clock(
    case, mailoutbox, django_capture_on_commit_callbacks
):
    # the sweep runs from the scheduler, where no page sets a clock
    task = case.tasks.get(kind=TaskKind.FIRST_CONTACT)
    assert task.due_at == datetime(2026, 1, 13, 17, 0, tzinfo=UTC)
    with django_capture_on_commit_callbacks(execute=True):
        actions.sweep(now=task.due_at + timedelta(minutes=1))
    [mail] = mailoutbox
    assert "was due 2026-01-13 10:00 MST." in mail.body
