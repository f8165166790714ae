"""The follow-up pages through HTTP: the worklist, the caseload, the case and its safety
plan; what each role sees there and what it must not. State is built by the real
actions, time by the `now` they take."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import actions, events
from coresponder.cases.models import (
    Case,
    CaseStatus,
    OpenedBecause,
    SafetyPlanRevision,
    TaskKind,
    TaskState,
)
from coresponder.core.models import AuditEntry
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import ReadWindow
from coresponder.testing.html_ids import duplicate_ids

pytestmark = pytest.mark.django_db

PLAN = {
    "warning_signs": ["Not sleeping"],
    "internal_coping": ["Walk the dog"],
    "professionals": [{"name": "Crisis line", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}


def someone(desk, given: str = "Demo Alpha"):
    return register_person(PersonIn(names=[NameIn(family="Scene", given=given)]), acting_user=desk)


@pytest.fixture
def manager(make_user, agencies):
    return make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])


@pytest.fixture
def overdue_case(desk, manager):
    """A case of the manager's whose first contact was due four hours ago."""
    opened = timezone.now() - timedelta(hours=76)
    return actions.open_case(
        someone(desk),
        because=OpenedBecause.BY_HAND,
        acting_user=manager,
        case_manager=manager,
        now=opened,
    )


@pytest.fixture
def queued_case(desk, manager):
    """A case waiting unassigned in the behavioural-health agency's queue."""
    return actions.open_case(
        someone(desk, "Demo Bravo"), because=OpenedBecause.BY_HAND, acting_user=manager
    )


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# The worklist ------------------------------------------------------------------------


def test_the_worklist_shows_an_overdue_task_in_words_with_counts(
    client, sign_in, manager, overdue_case, queued_case
):
    # given a case of the manager's with an overdue task and one waiting in the queue
    sign_in(manager)

    # when the manager opens the worklist
    response = client.get("/cases/")

    # then both rows show, the overdue one says so in words, and the tabs count
    page = text_of(response)
    assert response.status_code == 200
    assert page.count('data-testid="worklist-row"') == 2
    assert "Scene, Demo Alpha" in page or "Demo Alpha Scene" in page
    assert overdue_case.number in page
    assert f'href="/cases/{overdue_case.pk}/"' in page
    assert "<strong>Overdue</strong> — was due" in page
    assert re.search(
        r'data-testid="tab-overdue"><span class="wl-tab__label">Overdue</span> '
        r'<span class="wl-tab__count">1</span>',
        page,
    )
    assert re.search(r'data-testid="tab-all">.*?wl-tab__count">2<', page)
    assert "Unassigned" in page
    assert page.count(">Take<") == 1  # only the queue case can be taken


def test_the_worklist_filters_by_group_and_sorts(
    client, sign_in, manager, overdue_case, queued_case
):
    sign_in(manager)

    overdue = text_of(client.get("/cases/", {"group": "overdue"}))
    assert overdue.count('data-testid="worklist-row"') == 1
    assert overdue_case.number in overdue
    assert queued_case.number not in overdue

    by_name = text_of(client.get("/cases/", {"sort": "name"}))
    assert by_name.index("Demo Alpha") < by_name.index("Demo Bravo")
    by_opened = text_of(client.get("/cases/", {"sort": "opened"}))
    assert by_opened.index("Demo Alpha") < by_opened.index("Demo Bravo")

    flagged = text_of(client.get("/cases/", {"group": "flagged"}))
    assert 'data-testid="worklist-empty"' in flagged
    assert "No case is flagged right now." in flagged

    # an unknown group, sort or status is the default, not an error
    assert client.get("/cases/", {"group": "x", "sort": "y", "status": "z"}).status_code == 200


def test_an_empty_worklist_says_what_to_do(client, sign_in, make_user, agencies):
    newcomer = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    sign_in(newcomer)
    page = text_of(client.get("/cases/"))
    assert "No open cases on your worklist." in page
    assert "take one, or ask your supervisor to assign you cases" in page


def test_a_case_manager_takes_a_queue_case(client, sign_in, manager, queued_case):
    sign_in(manager)

    response = client.post(f"/cases/{queued_case.pk}/take/", {"next": "/cases/?group=new"})

    assert response.status_code == 302
    assert response.url == "/cases/?group=new"
    queued_case.refresh_from_db()
    assert queued_case.case_manager == manager
    assert queued_case.tasks.get().assignee == manager


def test_take_goes_only_where_the_worklist_is(client, sign_in, manager, queued_case):
    sign_in(manager)
    response = client.post(f"/cases/{queued_case.pk}/take/", {"next": "https://example.org/"})
    assert response.url == "/cases/"


def test_the_worklist_costs_the_same_for_one_case_and_five(
    client, sign_in, desk, manager, overdue_case
):
    sign_in(manager)

    def count() -> int:
        ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/cases/").status_code == 200
        return len(queries)

    one = count()
    for number in range(4):
        actions.open_case(
            someone(desk, f"Demo {number}"),
            because=OpenedBecause.BY_HAND,
            acting_user=manager,
            case_manager=manager,
        )
    assert count() == one


def test_the_nav_offers_cases_to_case_workers_only(client, sign_in, manager, make_user):
    sign_in(manager)
    assert 'href="/cases/"' in client.get("/").content.decode()
    officer = make_user(Role.OFFICER)
    sign_in(officer)
    assert 'href="/cases/"' not in client.get("/").content.decode()
    assert client.get("/cases/").status_code == 403


# The case ----------------------------------------------------------------------------


def test_the_case_page_shows_the_header_tasks_and_forms(client, sign_in, manager, overdue_case):
    sign_in(manager)

    response = client.get(f"/cases/{overdue_case.pk}/")

    page = text_of(response)
    assert response.status_code == 200
    assert f'href="/people/{overdue_case.person_id}/"' in page
    assert f'data-testid="case-number">{overdue_case.number}<' in page
    assert 'data-testid="case-status">Open<' in page
    assert "First follow-up contact" in page
    assert "<strong>Overdue</strong> — was due" in page
    for form in ("contacts/", "tasks/", "status/", "goals/"):
        assert f'action="/cases/{overdue_case.pk}/{form}"' in page
    assert 'data-testid="goals"' in page  # a case manager of the care team reads clinical
    assert 'data-testid="safety-plan"' in page
    assert "No safety plan written yet." in page
    assert AuditEntry.objects.filter(
        action=events.CASE_VIEWED, object_id=str(overdue_case.person_id)
    ).exists()


def test_each_field_of_the_case_page_has_its_own_id(client, sign_in, manager, overdue_case):
    # given a case with a goal, so every form of the page shows
    actions.set_goal(
        overdue_case,
        text="Keep the clinic visit",
        status="not_started",
        progress_note="",
        target_date=None,
        goal=None,
        acting_user=manager,
    )
    sign_in(manager)

    # when the case manager opens it (the suite's id check is what would fail first)
    page = client.get(f"/cases/{overdue_case.pk}/").content.decode()

    # then no id is given twice, and each label names its own field
    assert duplicate_ids(page) == []
    assert '<label for="id_note">Notes</label>' in page
    assert '<label for="id_case_note">Closing note</label>' in page
    assert '<label for="id_status">Progress</label>' in page
    assert '<label for="id_case_status">Status</label>' in page


def test_the_status_list_starts_at_the_current_status(client, sign_in, manager, overdue_case):
    # given an open case, then the same case on hold
    sign_in(manager)
    select = r'<select name="status" id="id_case_status">(.*?)</select>'

    # when its page is opened, the list offers every status, the current one chosen
    page = client.get(f"/cases/{overdue_case.pk}/").content.decode()
    options = re.findall(
        r'<option value="([a-z_]+)"( selected)?>', re.search(select, page, re.S)[1]
    )
    assert options == [("open", " selected"), ("active", ""), ("on_hold", ""), ("closed", "")]

    actions.set_status(overdue_case, status=CaseStatus.ON_HOLD, acting_user=manager)
    page = client.get(f"/cases/{overdue_case.pk}/").content.decode()
    chosen = re.findall(r'<option value="([a-z_]+)" selected>', re.search(select, page, re.S)[1])
    assert chosen == ["on_hold"]

    # and sending it unchanged says so, changing nothing
    same = client.post(f"/cases/{overdue_case.pk}/status/", {"status": "on_hold"})
    assert same.status_code == 400
    assert "The case is already on hold." in text_of(same)


def test_a_long_case_note_declares_its_limit_and_past_it_is_refused_kept(
    client, sign_in, manager, overdue_case
):
    # given the case page, whose notes the browser counts against their limit
    sign_in(manager)
    page = client.get(f"/cases/{overdue_case.pk}/").content.decode()
    assert re.search(r'<textarea name="note"[^>]* maxlength="4000" id="id_note"', page)
    assert re.search(r'<textarea name="note"[^>]* maxlength="4000" id="id_case_note"', page)
    assert re.search(r'<textarea name="progress_note"[^>]* maxlength="4000"', page)

    # when a contact note of 4,001 characters is posted all the same
    response = client.post(
        f"/cases/{overdue_case.pk}/contacts/",
        {"method": "phone", "outcome": "no_answer", "note": "n" * 4001},
    )

    # then it is refused beside the field, with every character kept in it
    assert response.status_code == 400
    text = text_of(response)
    assert (
        'id="id_note_error"><li>Ensure this value has at most 4000 characters (it has 4001).'
        in (text)
    )
    assert "n" * 4001 + "</textarea>" in response.content.decode()
    assert not overdue_case.contacts.exists()


def test_a_failed_attempt_then_reaching_the_person_closes_the_first_contact(
    client, sign_in, manager, overdue_case
):
    sign_in(manager)
    url = f"/cases/{overdue_case.pk}/contacts/"

    failed = client.post(url, {"method": "phone", "outcome": "no_answer", "note": ""})
    assert failed.status_code == 302
    assert failed.url == f"/cases/{overdue_case.pk}/#contacts"
    assert overdue_case.tasks.get().state == TaskState.OPEN

    reached = client.post(url, {"method": "visit", "outcome": "reached", "note": "At home"})
    assert reached.status_code == 302

    task = overdue_case.tasks.get()
    assert task.state == TaskState.DONE
    overdue_case.refresh_from_db()
    assert overdue_case.status == CaseStatus.ACTIVE
    page = text_of(client.get(f"/cases/{overdue_case.pk}/"))
    assert page.count('data-testid="contact"') == 2
    assert "Visit: reached" in page
    assert "At home" in page
    assert 'data-testid="done-task" data-kind="first_contact"' in page
    assert "No open task." in page


def test_a_refused_contact_shows_its_reason_beside_the_field(
    client, sign_in, manager, overdue_case
):
    sign_in(manager)
    tomorrow = timezone.localtime(
        timezone.now() + timedelta(days=1), timezone.get_fixed_timezone(0)
    )
    manager.agency.program.time_zone = "UTC"
    manager.agency.program.save(update_fields=["time_zone"])

    response = client.post(
        f"/cases/{overdue_case.pk}/contacts/",
        {"method": "phone", "outcome": "reached", "at": tomorrow.strftime("%Y-%m-%dT%H:%M")},
    )

    assert response.status_code == 400
    page = text_of(response)
    assert re.search(
        r'id="id_at_error"><li>In the future: what has happened cannot be later than now\.</li>',
        page,
    )
    assert not overdue_case.contacts.exists()


def test_a_contact_needs_its_outcome_chosen(client, sign_in, manager, overdue_case):
    sign_in(manager)

    response = client.post(f"/cases/{overdue_case.pk}/contacts/", {"method": "phone"})

    assert response.status_code == 400
    assert 'id="id_outcome_error"><li>Say how the attempt went.</li>' in text_of(response)
    assert not overdue_case.contacts.exists()


def test_a_task_without_title_or_deadline_is_refused_beside_each_field(
    client, sign_in, manager, overdue_case
):
    sign_in(manager)

    response = client.post(f"/cases/{overdue_case.pk}/tasks/", {"title": "", "due_at": ""})

    assert response.status_code == 400
    page = text_of(response)
    assert 'id="id_title_error"><li>Say what is to be done.</li>' in page
    assert 'id="id_due_at_error"><li>Give the deadline.</li>' in page
    assert overdue_case.tasks.count() == 1


def test_a_task_is_added_and_done_with_a_note(client, sign_in, manager, overdue_case):
    sign_in(manager)
    due = (timezone.localtime(timezone.now()) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")

    added = client.post(
        f"/cases/{overdue_case.pk}/tasks/",
        {"title": "Bring the housing forms", "due_at": due, "assignee_id": str(manager.pk)},
    )
    assert added.status_code == 302
    task = overdue_case.tasks.get(kind=TaskKind.OTHER)
    assert (task.title, task.assignee) == ("Bring the housing forms", manager)

    done = client.post(
        f"/cases/{overdue_case.pk}/tasks/{task.pk}/done/",
        {f"done-{task.pk}-note": "Dropped off at the door"},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.done_note) == (TaskState.DONE, "Dropped off at the door")


def test_closing_without_a_reason_is_refused_beside_the_reason(
    client, sign_in, manager, overdue_case
):
    sign_in(manager)

    refused = client.post(f"/cases/{overdue_case.pk}/status/", {"status": "closed"})
    assert refused.status_code == 400
    assert 'id="id_case_reason_error"><li>Say why the case is closed.</li>' in text_of(refused)
    overdue_case.refresh_from_db()
    assert overdue_case.status == CaseStatus.OPEN

    closed = client.post(
        f"/cases/{overdue_case.pk}/status/",
        {"status": "closed", "reason": "connected", "note": "Weekly clinic visits"},
    )
    assert closed.status_code == 302
    overdue_case.refresh_from_db()
    assert (overdue_case.status, overdue_case.close_reason) == (CaseStatus.CLOSED, "connected")


def test_goals_are_added_and_updated(client, sign_in, manager, overdue_case):
    sign_in(manager)

    empty = client.post(f"/cases/{overdue_case.pk}/goals/", {"text": "", "status": "not_started"})
    assert empty.status_code == 400
    assert 'id="id_text_error"><li>Say what the goal is.</li>' in text_of(empty)

    client.post(
        f"/cases/{overdue_case.pk}/goals/",
        {"text": "Keep the clinic visit", "status": "not_started"},
    )
    goal = overdue_case.goals.get()
    updated = client.post(
        f"/cases/{overdue_case.pk}/goals/{goal.pk}/",
        {
            f"goal-{goal.pk}-text": "Keep the clinic visit",
            f"goal-{goal.pk}-status": "in_progress",
            f"goal-{goal.pk}-progress_note": "Booked for Monday",
        },
    )
    assert updated.status_code == 302
    goal.refresh_from_db()
    assert (goal.status, goal.progress_note) == ("in_progress", "Booked for Monday")


def test_a_flag_is_cleared(client, sign_in, desk, manager, overdue_case):
    sign_in(manager)
    for _attempt in range(3):
        actions.log_contact(
            overdue_case, actions.ContactIn("phone", "no_answer"), acting_user=manager
        )
    page = text_of(client.get(f"/cases/{overdue_case.pk}/"))
    assert 'data-testid="flag-unreached"' in page
    assert "Clear flag" in page

    response = client.post(f"/cases/{overdue_case.pk}/flags/clear/", {"flag": "unreached"})

    assert response.status_code == 302
    overdue_case.refresh_from_db()
    assert overdue_case.unreached_at is None


# Who must not see a case -------------------------------------------------------------


def test_an_officer_gets_404_on_a_case_page(client, sign_in, make_user, overdue_case):
    officer = make_user(Role.OFFICER)
    sign_in(officer)
    assert client.get(f"/cases/{overdue_case.pk}/").status_code == 404
    assert client.get(f"/cases/{overdue_case.pk}/safety-plan/print/").status_code == 404
    response = client.post(
        f"/cases/{overdue_case.pk}/contacts/", {"method": "phone", "outcome": "reached"}
    )
    assert response.status_code == 404
    assert not overdue_case.contacts.exists()
    assert not AuditEntry.objects.filter(
        action__in=[events.CASE_VIEWED, events.SAFETY_PLAN_VIEWED], actor_id=officer.pk
    ).exists()


def test_a_case_manager_off_the_care_team_and_queue_gets_404(
    client, sign_in, make_user, program, overdue_case
):
    from coresponder.accounts.models import Agency

    other = Agency.objects.create(program=program, name="Other clinic", kind="behavioral_health")
    outsider = make_user(Role.CASE_MANAGER, agency=other)
    sign_in(outsider)

    assert client.get(f"/cases/{overdue_case.pk}/").status_code == 404
    assert client.get(f"/cases/{overdue_case.pk}/safety-plan/").status_code == 404
    assert client.get(f"/cases/{overdue_case.pk}/safety-plan/print/").status_code == 404
    response = client.post(
        f"/cases/{overdue_case.pk}/contacts/", {"method": "phone", "outcome": "reached"}
    )
    assert response.status_code == 404
    assert not overdue_case.contacts.exists()
    assert overdue_case.number not in text_of(client.get("/cases/"))


def test_a_partner_sees_the_case_only_with_consent_and_never_its_clinical_part(
    client, sign_in, make_user, agencies, manager, overdue_case
):
    community = agencies["community_organization"]
    partner = make_user(Role.PARTNER, agency=community)
    privacy.add_to_care_team(overdue_case.person, member=partner, acting_user=manager)
    actions.set_goal(overdue_case, text="Keep the clinic visit", acting_user=manager)
    sign_in(partner)

    # without the person's consent: no such case
    assert client.get(f"/cases/{overdue_case.pk}/").status_code == 404

    # with it: the case, but no goals, no safety plan, no forms
    share_care_coordination(overdue_case.person, with_agency=community, recorded_by=manager)
    response = client.get(f"/cases/{overdue_case.pk}/")
    page = text_of(response)
    assert response.status_code == 200
    assert overdue_case.number in page
    assert 'data-testid="goals"' not in page
    assert "Keep the clinic visit" not in page
    assert 'data-testid="safety-plan"' not in page
    assert "Log the contact" not in page


# The safety plan ---------------------------------------------------------------------


def test_the_safety_plan_is_revised_from_a_prefilled_form(client, sign_in, manager, overdue_case):
    actions.revise_safety_plan(
        overdue_case.person, answers=PLAN, note="First written", acting_user=manager
    )
    sign_in(manager)
    url = f"/cases/{overdue_case.pk}/safety-plan/"

    form = text_of(client.get(url))
    assert "Crisis line — 988</textarea>" in form
    assert "Not sleeping</textarea>" in form
    assert "Filled in from revision 1." in form

    saved = client.post(
        url,
        {
            "warning_signs": "Not sleeping\r\nSkipping meals",
            "internal_coping": "Walk the dog",
            "professionals": "Crisis line — 988\r\nClinic - 555-0100",
            "safe_environment": "Medicines kept by a neighbour",
            "worth_living_for": "My sister",
            "note": "Added a warning sign",
        },
    )

    assert saved.status_code == 302
    assert saved.url == f"/cases/{overdue_case.pk}/#safety-plan"
    latest = SafetyPlanRevision.objects.filter(person=overdue_case.person).first()
    assert latest.number == 2
    assert latest.answers["warning_signs"] == ["Not sleeping", "Skipping meals"]
    assert latest.answers["professionals"] == [
        {"name": "Crisis line", "phone": "988"},
        {"name": "Clinic", "phone": "555-0100"},
    ]
    page = text_of(client.get(f"/cases/{overdue_case.pk}/"))
    assert 'data-testid="plan-revision" data-number="2"' in page
    assert "Added a warning sign" in page


def test_a_plan_missing_a_required_step_is_refused_beside_it(
    client, sign_in, manager, overdue_case
):
    sign_in(manager)
    response = client.post(
        f"/cases/{overdue_case.pk}/safety-plan/", {"warning_signs": "Not sleeping"}
    )
    assert response.status_code == 400
    assert 'id="id_internal_coping_error"' in text_of(response)
    assert not SafetyPlanRevision.objects.filter(person=overdue_case.person).exists()


def test_the_printable_plan_is_plain_and_audited(client, sign_in, manager, overdue_case):
    actions.revise_safety_plan(
        overdue_case.person,
        answers={**PLAN, "worth_living_for": "My sister"},
        note="",
        acting_user=manager,
    )
    sign_in(manager)

    response = client.get(f"/cases/{overdue_case.pk}/safety-plan/print/")

    page = text_of(response)
    assert response.status_code == 200
    assert 'class="mainnav"' not in page
    assert "call or text 988" in page
    assert page.count("Step ") == 6
    assert "My sister" in page
    assert re.search(r'data-testid="print-revision">Revision 1, written', page)
    assert '<a href="tel:988">988</a>' in page
    entry = AuditEntry.objects.filter(action=events.SAFETY_PLAN_VIEWED).latest("seq")
    assert entry.object_id == str(overdue_case.person_id)
    assert entry.detail["channel"] == "page:safety_plan_print"


def test_a_supervisor_reads_the_plan_but_is_offered_no_revision(
    client, sign_in, make_user, agencies, manager, overdue_case
):
    supervisor = make_user(Role.SUPERVISOR, agency=agencies["behavioral_health"])
    actions.revise_safety_plan(overdue_case.person, answers=PLAN, note="", acting_user=manager)
    sign_in(supervisor)
    page = text_of(client.get(f"/cases/{overdue_case.pk}/"))
    assert 'data-testid="safety-plan"' in page
    assert f'href="/cases/{overdue_case.pk}/safety-plan/"' not in page
    assert client.get(f"/cases/{overdue_case.pk}/safety-plan/").status_code == 403
    assert client.get(f"/cases/{overdue_case.pk}/safety-plan/print/").status_code == 200


# The caseload ------------------------------------------------------------------------


def test_the_caseload_shows_each_managers_load_and_assigns_from_the_queue(
    client, sign_in, make_user, agencies, manager, overdue_case, queued_case
):
    supervisor = make_user(Role.SUPERVISOR, agency=agencies["behavioral_health"])
    sign_in(supervisor)

    page = text_of(client.get("/cases/caseload/"))
    assert page.count('data-testid="load-row"') == 1
    assert manager.full_name in page
    assert re.search(r'data-testid="open">1<', page)
    assert re.search(r'data-testid="overdue">1<', page)
    assert re.search(r'data-testid="unassigned-count"><span class="stat__value">1<', page)
    assert page.count('data-testid="queue-row"') == 1
    assert queued_case.number in page
    assert "Demo Bravo" not in page  # the queue lists cases, not persons

    response = client.post(
        "/cases/caseload/assign/", {"case": str(queued_case.pk), "case_manager": str(manager.pk)}
    )

    assert response.status_code == 302
    queued_case.refresh_from_db()
    assert queued_case.case_manager == manager
    assert 'data-testid="queue-empty"' in text_of(client.get("/cases/caseload/"))


def test_the_caseload_is_for_supervisors(client, sign_in, manager, queued_case):
    sign_in(manager)
    assert client.get("/cases/caseload/").status_code == 403
    response = client.post(
        "/cases/caseload/assign/", {"case": str(queued_case.pk), "case_manager": str(manager.pk)}
    )
    assert response.status_code == 403
    queued_case.refresh_from_db()
    assert queued_case.case_manager is None


# The person page ---------------------------------------------------------------------


def test_the_person_page_links_to_the_open_case_for_those_who_may_see_it(
    client, sign_in, make_user, manager, overdue_case
):
    sign_in(manager)
    page = text_of(client.get(f"/people/{overdue_case.person_id}/"))
    assert f'<a href="/cases/{overdue_case.pk}/" data-testid="open-case">Open the case</a>' in page

    officer = make_user(Role.OFFICER)
    sign_in(officer)
    page = text_of(client.get(f"/people/{overdue_case.person_id}/"))
    assert 'data-testid="open-case"' not in page
    assert str(overdue_case.pk) not in page


def test_a_closed_case_is_not_linked_from_the_person_page(client, sign_in, manager, overdue_case):
    actions.set_status(overdue_case, status="closed", reason="goals_met", acting_user=manager)
    sign_in(manager)
    page = text_of(client.get(f"/people/{overdue_case.person_id}/"))
    assert 'data-testid="open-case"' not in page
    assert Case.objects.filter(pk=overdue_case.pk, status="closed").exists()
