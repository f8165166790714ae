"""The worklist reads a constant number of queries however many cases it lists: the
function (`access.worklist`) and its page (GET /cases/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import access, actions
from coresponder.cases.models import ContactOutcome, OpenedBecause
from coresponder.core.local_time import end_of_local_day
from coresponder.people import actions as people
from coresponder.privacy.models import ReadWindow

pytestmark = pytest.mark.django_db

OUTCOMES = list(ContactOutcome.values)


@pytest.fixture
def staff(make_user):
    manager = make_user(Role.CASE_MANAGER)
    supervisor = make_user(Role.SUPERVISOR, Role.CLINICIAN, agency=manager.agency)
    return manager, supervisor


def open_cases(count: int, *, manager, supervisor, start: int = 0) -> None:
    """`count` cases through the actions: two in three the manager's, one in three in
    their agency's queue; each with contacts of a different outcome, some flagged
    unreached, some with a task due today, opened from two weeks ago to now."""
    now = timezone.now()
    for n in range(start, start + count):
        person = people.register_person(
            people.PersonIn(names=[people.NameIn(given="Test", family=f"Worklist {n}")]),
            acting_user=supervisor,
        )
        case = actions.open_case(
            person,
            because=OpenedBecause.BY_HAND,
            acting_user=supervisor,
            case_manager=manager if n % 3 else None,
            now=now - timedelta(days=n % 14, hours=1),
        )
        writer = manager if n % 3 else supervisor
        for attempt in range(1 + n % 3):
            at = now - timedelta(minutes=30 - attempt)
            outcome = OUTCOMES[(n + attempt) % len(OUTCOMES)]
            actions.log_contact(
                case, actions.ContactIn("phone", outcome, at=at), acting_user=writer, now=at
            )
        if n % 4 == 0:
            actions.add_task(
                case,
                actions.TaskIn("Call back", end_of_local_day(now) - timedelta(seconds=1)),
                acting_user=writer,
            )


def count_worklist(user) -> CaptureQueriesContext:
    user = type(user).objects.get(pk=user.pk)  # fresh, as a request loads it: roles unread
    ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
    with CaptureQueriesContext(connection) as captured:
        found = access.worklist(user, channel="test")
    assert found.total
    return captured


# `access.worklist`, each query (the same on SQLite and PostgreSQL):
#   1     the user's roles (`has_role`, the permission check)
#   2     the cases, with their case manager and person joined
#   3-6   the policy's circumstances of the listed persons (`readable_for_many`): care-team
#         and on-call relations, consents' recipient agencies, consents, break-the-glass
#   7     the persons' names
#   8     the cases' open tasks
#   9     the cases' contacts
#   10    the C-SSRS screenings of the persons on the page, for their risk level
#   11-18 one person read audited per row, by the read gate: savepoint, the program's read
#         window, the reader's open windows for these records, the chain head (locked),
#         one insert of all new entries, the head moved on, one insert of their windows,
#         release (reads counted in an open window: one update instead of the inserts)
# (Past 62 rows, SQLite alone splits the audit insert every 62 entries, its 999-parameter
# limit over the entry's 16 columns, and the windows' every 99: 300 rows read more
# queries there, 18 on PostgreSQL.)
WORKLIST_QUERIES = 18
# GET /cases/: the session, the signed-in user (with agency and program), then the 18 of
# `access.worklist` (the roles read once, by the view's `require_role`, kept on the user);
# the template reads nothing.
PAGE_QUERIES = 2 + WORKLIST_QUERIES


def test_the_worklist_reads_as_many_queries_for_30_cases_as_for_3(staff):
    # given
    manager, supervisor = staff
    open_cases(3, manager=manager, supervisor=supervisor)
    few = count_worklist(manager)
    open_cases(27, manager=manager, supervisor=supervisor, start=3)

    # when
    many = count_worklist(manager)

    # then
    assert access.worklist(manager, channel="test").total == 30
    assert len(few) == WORKLIST_QUERIES, sql_of(few)
    assert len(many) == WORKLIST_QUERIES, sql_of(many)


def count_page(client) -> CaptureQueriesContext:
    ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/cases/")
    assert response.status_code == 200
    return captured


def test_the_worklist_page_reads_as_many_queries_for_30_cases_as_for_3(staff, client):
    # given
    manager, supervisor = staff
    client.force_login(manager)
    client.get("/cases/")  # the first request of a session does more than the page
    open_cases(3, manager=manager, supervisor=supervisor)
    few = count_page(client)
    open_cases(27, manager=manager, supervisor=supervisor, start=3)

    # when
    many = count_page(client)

    # then
    assert len(few) == PAGE_QUERIES, sql_of(few)
    assert len(many) == PAGE_QUERIES, sql_of(many)


def sql_of(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"][:160] for query in captured.captured_queries]


def test_the_worklist_pages_its_rows_and_audits_only_those_shown(staff):
    # given: 7 cases, pages of 3
    from coresponder.core.models import AuditEntry
    from coresponder.privacy import events as privacy_events

    manager, supervisor = staff
    open_cases(7, manager=manager, supervisor=supervisor)
    before = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).count()

    # when
    first = access.worklist(manager, sort="opened", per_page=3, channel="test")
    last = access.worklist(manager, sort="opened", page=99, per_page=3, channel="test")

    # then: the counts are over every case; each page shows and audits its own rows
    assert (first.total, first.matching, first.pages, first.page) == (7, 7, 3, 1)
    assert (first.first, first.last) == (1, 3)
    assert last.page == 3
    assert len(last.rows) == 1
    assert {row.id for row in first.rows}.isdisjoint({row.id for row in last.rows})
    read = AuditEntry.objects.filter(action=privacy_events.PERSON_READ).count() - before
    assert read == len(first.rows) + len(last.rows)
