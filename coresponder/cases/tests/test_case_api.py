"""Cases through the API: each endpoint's happy path; bad bodies refused naming each field
with nothing written; and what must not be seen: an officer finds no case, a partner on
the care team sees it only with the person's consent and never its clinical parts, and the
worklist lists only the cases the caller may read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from uuid import uuid4

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Role
from coresponder.cases import events
from coresponder.cases.models import (
    Case,
    ContactAttempt,
    FollowUpSettings,
    Goal,
    SafetyPlanRevision,
    Task,
    TaskState,
)
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions as encounters
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.privacy import actions as privacy
from coresponder.privacy import events as privacy_events
from coresponder.privacy.models import AccessRelation, ReadWindow

pytestmark = pytest.mark.django_db

PLAN = {
    "warning_signs": ["Not sleeping"],
    "internal_coping": ["Walk the dog"],
    "professionals": [{"name": "988 Lifeline", "phone": "988"}],
    "safe_environment": ["Medicines kept by a neighbour"],
}


def send(client, method: str, url: str, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")


def finish(scene, disposition: str = "referred_voluntary") -> Case:
    encounters.set_disposition(
        scene.encounter,
        encounters.DispositionIn(disposition, destination="Crisis walk-in clinic"),
        acting_user=scene.clinician,
    )
    encounters.complete_encounter(scene.encounter, acting_user=scene.clinician)
    return Case.objects.get(person=scene.person)


@dataclass
class Followed:
    scene: object
    case: Case
    manager: object

    def url(self, tail: str = "") -> str:
        return f"/api/v1/cases/{self.case.pk}{tail}"


@pytest.fixture
def followed(on_scene, make_user) -> Followed:
    """A completed encounter that opened a case in the clinician's agency's queue, and a
    case manager of that agency."""
    scene = on_scene()
    case = finish(scene)
    manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    return Followed(scene, case, manager)


def written(case: Case) -> tuple:
    """Everything an endpoint of the case could write, to show nothing was."""
    case = Case.objects.get(pk=case.pk)
    return (
        case.status,
        case.case_manager_id,
        case.revision,
        Task.objects.filter(case=case).count(),
        Task.objects.filter(case=case, state=TaskState.OPEN).count(),
        ContactAttempt.objects.filter(case=case).count(),
        Goal.objects.filter(case=case).count(),
        SafetyPlanRevision.objects.filter(person_id=case.person_id).count(),
    )


def name_of(user) -> str:
    return user.full_name or user.username


def audits(action: str, case: Case) -> int:
    return AuditEntry.objects.filter(action=action, object_id=str(case.person_id)).count()


def worklist_reads(case: Case) -> int:
    """Person reads written by the worklist (one per row shown)."""
    return AuditEntry.objects.filter(
        action=privacy_events.PERSON_READ,
        object_id=str(case.person_id),
        detail__channel__startswith="worklist:",
    ).count()


# --- the worklist -------------------------------------------------------------------------


def test_the_worklist_lists_the_callers_cases_with_counts(client, sign_in, followed):
    sign_in(followed.manager)

    response = client.get("/api/v1/cases")

    assert response.status_code == 200, response.content
    body = response.json()
    [item] = body["items"]
    assert item["id"] == str(followed.case.pk)
    assert item["number"] == followed.case.number
    assert item["status"] == "open"
    assert item["person"]["id"] == str(followed.scene.person.pk)
    assert item["person"]["name"]
    assert item["case_manager"] == ""
    assert item["next_task"] == "First follow-up contact"
    assert (item["overdue"], item["due_today"], item["last_contact_at"]) == (0, 0, None)
    assert item["flags"] == []
    assert body["counts"] == {"overdue": 0, "due_today": 0, "new": 1, "flagged": 0}
    assert (body["total"], body["group"], body["sort"]) == (1, "", "due")
    assert worklist_reads(followed.case) == 1


def test_the_worklist_filters_by_group_and_status(client, sign_in, followed):
    sign_in(followed.manager)

    assert client.get("/api/v1/cases?group=flagged").json()["items"] == []
    assert len(client.get("/api/v1/cases?group=new&sort=name").json()["items"]) == 1
    assert client.get("/api/v1/cases?status=active").json()["items"] == []
    refused = client.get("/api/v1/cases?group=everything&sort=random")
    assert refused.status_code == 422
    assert set(refused.json()["fields"]) == {"group", "sort"}


def test_the_worklist_lists_only_cases_the_caller_may_see(
    client, sign_in, on_scene, followed, make_user, agencies
):
    # given a second case in the same queue whose care team the queue has left
    other = on_scene()
    hidden = finish(other)
    relation = AccessRelation.objects.in_force().get(
        person=other.person, kind=AccessRelation.Kind.FOLLOW_UP_QUEUE, agency=hidden.queue
    )
    privacy.end_relation(relation, acting_user=None)
    # and a case manager of another behavioural-health agency
    elsewhere = type(agencies["behavioral_health"]).objects.create(
        program=followed.case.program, name="Other clinic", kind="behavioral_health"
    )
    stranger = make_user(Role.CASE_MANAGER, agency=elsewhere)

    # when each asks for their worklist
    sign_in(followed.manager)
    mine = client.get("/api/v1/cases").json()
    sign_in(stranger)
    theirs = client.get("/api/v1/cases").json()

    # then
    assert [item["id"] for item in mine["items"]] == [str(followed.case.pk)]
    assert mine["total"] == 1
    assert theirs["items"] == []
    assert worklist_reads(hidden) == 0
    sign_in(followed.manager)
    assert client.get(f"/api/v1/cases/{hidden.pk}").status_code == 404


def test_the_worklist_is_for_case_workers(client, sign_in, followed):
    sign_in(followed.scene.officer)

    response = client.get("/api/v1/cases")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_the_worklist_takes_as_many_queries_for_three_cases_as_for_one(
    client, sign_in, on_scene, followed
):
    sign_in(followed.manager)

    def queries() -> int:
        ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/api/v1/cases").status_code == 200
        return len(captured)

    one = queries()
    finish(on_scene())
    finish(on_scene())
    assert len(client.get("/api/v1/cases").json()["items"]) == 3
    assert queries() == one


def test_an_agency_token_may_not_read_cases(followed, agencies):
    token = create_api_token(
        agency=agencies["behavioral_health"], name="Clinic system", acting_user=None
    ).secret
    machine = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    assert machine.get("/api/v1/cases").status_code == 403
    assert machine.get(followed.url()).status_code == 403


# --- opening and reading a case -----------------------------------------------------------


def test_a_case_is_opened_by_hand_once(client, sign_in, on_scene, make_user):
    scene = on_scene()
    manager = make_user(Role.CASE_MANAGER, agency=scene.clinician.agency)
    sign_in(manager)
    body = {"person_id": str(scene.person.pk), "case_manager_id": manager.pk}

    opened = send(client, "post", "/api/v1/cases", body)
    again = send(client, "post", "/api/v1/cases", body)

    assert opened.status_code == 201, opened.content
    case = Case.objects.get(person=scene.person)
    assert opened.json()["id"] == str(case.pk)
    assert opened.json()["opened_because"] == "by_hand"
    assert opened.json()["case_manager_id"] == manager.pk
    assert [task["kind"] for task in opened.json()["tasks"]] == ["first_contact"]
    assert again.status_code == 409, again.content
    assert case.number in again.json()["message"]
    assert Case.objects.filter(person=scene.person).count() == 1
    assert audits(events.CASE_OPENED, case) == 1


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"person_id"}),
        (
            {"person_id": "not-an-id", "case_manager_id": "someone"},
            {"person_id", "case_manager_id"},
        ),
    ],
)
def test_a_bad_opening_is_refused_naming_each_field(
    client, sign_in, on_scene, make_user, body, fields
):
    scene = on_scene()
    sign_in(make_user(Role.CASE_MANAGER, agency=scene.clinician.agency))

    response = send(client, "post", "/api/v1/cases", body)

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"
    assert set(response.json()["fields"]) == fields
    assert not Case.objects.exists()


def test_opening_for_someone_not_a_case_manager_is_refused(client, sign_in, on_scene, make_user):
    scene = on_scene()
    sign_in(make_user(Role.CASE_MANAGER, agency=scene.clinician.agency))
    body = {"person_id": str(scene.person.pk), "case_manager_id": scene.officer.pk}

    response = send(client, "post", "/api/v1/cases", body)
    unknown = send(client, "post", "/api/v1/cases", {"person_id": str(uuid4())})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"case_manager_id"}
    assert unknown.status_code == 404
    assert not Case.objects.exists()


def test_the_case_reads_whole_for_the_clinician(client, sign_in, followed):
    sign_in(followed.scene.clinician)

    response = client.get(followed.url())

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == str(followed.case.pk)
    assert body["person"]["id"] == str(followed.scene.person.pk)
    assert (body["status"], body["status_label"]) == ("open", "Open")
    assert body["opened_because"] == "encounter"
    assert body["goals"] == []
    assert body["safety_plan"] == []
    assert {"operational", "care_coordination", "clinical"} <= set(body["readable"])
    assert [task["kind"] for task in body["tasks"]] == ["first_contact"]
    assert body["flags"] == []
    assert any(entry["kind"] == "call" for entry in body["timeline"])
    assert audits(events.CASE_VIEWED, followed.case) == 1


def test_an_officer_finds_no_case_and_writes_nothing(client, sign_in, followed):
    before = written(followed.case)
    task = followed.case.tasks.get()
    sign_in(followed.scene.officer)

    reads = [client.get(followed.url(tail)) for tail in ("", "/tasks", "/contacts", "/safety-plan")]
    writes = [
        send(client, "patch", followed.url(), {"status": "active"}),
        send(client, "post", followed.url("/contacts"), {"method": "phone", "outcome": "reached"}),
        send(client, "post", followed.url("/goals"), {"text": "Find housing"}),
        send(client, "post", f"/api/v1/tasks/{task.pk}/done", {}),
        send(client, "post", followed.url("/safety-plan"), {"answers": PLAN}),
    ]

    assert [response.status_code for response in reads + writes] == [404] * 9
    assert all(response.json()["code"] == "not_found" for response in reads + writes)
    assert written(followed.case) == before
    assert audits(events.CASE_VIEWED, followed.case) == 0


@pytest.fixture
def partner(make_user, followed):
    """A partner organisation's user put on the person's care team by hand."""
    user = make_user(Role.PARTNER)
    privacy.grant_relation(
        followed.scene.person,
        kind=AccessRelation.Kind.CARE_TEAM,
        user=user,
        source="partner on the care team",
        acting_user=followed.scene.clinician,
    )
    return user


def test_a_partner_on_the_care_team_without_consent_finds_no_case(
    client, sign_in, followed, partner
):
    sign_in(partner)

    assert client.get(followed.url()).status_code == 404
    assert client.get(followed.url("/tasks")).status_code == 404
    assert client.get(followed.url("/safety-plan")).status_code == 404
    assert audits(events.CASE_VIEWED, followed.case) == 0


def test_a_partner_with_consent_sees_the_case_but_never_its_clinical_parts(
    client, sign_in, followed, partner
):
    # given the person's consent sharing care coordination with the partner's agency
    share_care_coordination(
        followed.scene.person, with_agency=partner.agency, recorded_by=followed.scene.clinician
    )
    actions_body = {"method": "phone", "outcome": "reached", "note": "Agreed to a visit"}
    sign_in(followed.scene.clinician)
    assert send(client, "post", followed.url("/contacts"), actions_body).status_code == 201
    assert send(client, "post", followed.url("/goals"), {"text": "Find housing"}).status_code == 201
    assert send(client, "post", followed.url("/safety-plan"), {"answers": PLAN}).status_code == 201
    before = written(followed.case)
    goal = Goal.objects.get(case=followed.case)

    # when the partner reads and tries to write
    sign_in(partner)
    read = client.get(followed.url())
    plan = client.get(followed.url("/safety-plan"))
    contacts = client.get(followed.url("/contacts"))
    goal_write = send(client, "post", followed.url("/goals"), {"text": "Another"})
    goal_patch = send(client, "patch", followed.url(f"/goals/{goal.pk}"), {"status": "achieved"})
    plan_write = send(client, "post", followed.url("/safety-plan"), {"answers": {}})
    contact_write = send(client, "post", followed.url("/contacts"), actions_body)

    # then the case shows, its clinical parts never
    assert read.status_code == 200, read.content
    body = read.json()
    assert body["goals"] is None
    assert body["safety_plan"] is None
    assert "clinical" not in body["readable"]
    assert body["readable"]["care_coordination"].startswith("consent:")
    assert not any(entry["data_class"] == "clinical" for entry in body["timeline"])
    assert [contact["note"] for contact in body["contacts"]] == ["Agreed to a visit"]
    assert contacts.status_code == 200
    assert plan.status_code == 403
    assert [goal_write.status_code, goal_patch.status_code, plan_write.status_code] == [403] * 3
    assert contact_write.status_code == 403
    assert written(followed.case) == before
    assert not AuditEntry.objects.filter(
        action=events.SAFETY_PLAN_VIEWED, actor_id=partner.pk
    ).exists()


# --- status, assignment and flags ---------------------------------------------------------


def test_a_case_is_closed_with_a_reason(client, sign_in, followed):
    sign_in(followed.manager)

    without = send(client, "patch", followed.url(), {"status": "closed"})
    unknown = send(client, "patch", followed.url(), {"status": "finished", "reason": "bored"})
    assert written(followed.case)[0] == "open"
    on_hold = send(client, "patch", followed.url(), {"status": "on_hold"})
    closed = send(
        client,
        "patch",
        followed.url(),
        {"status": "closed", "reason": "connected", "note": "Attends the clinic weekly"},
    )
    again = send(client, "patch", followed.url(), {"status": "closed", "reason": "connected"})

    assert without.status_code == 400
    assert set(without.json()["fields"]) == {"reason"}
    assert unknown.status_code == 422
    assert set(unknown.json()["fields"]) == {"status", "reason"}
    assert on_hold.status_code == 200, on_hold.content
    assert (on_hold.json()["status"], on_hold.json()["status_label"]) == ("on_hold", "On hold")
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["status"], body["close_reason"]) == ("closed", "connected")
    assert body["close_note"] == "Attends the clinic weekly"
    assert body["closed_at"] is not None
    assert [task.state for task in followed.case.tasks.all()] == [TaskState.CANCELLED]
    assert again.status_code == 404  # the queue left the care team with the case closed
    assert audits(events.CASE_CLOSED, followed.case) == 1


def test_the_case_manager_still_reads_the_case_they_closed(client, sign_in, followed):
    sign_in(followed.manager)
    send(client, "post", followed.url("/assign"), {"case_manager_id": followed.manager.pk})
    send(client, "patch", followed.url(), {"status": "closed", "reason": "goals_met"})

    again = send(client, "patch", followed.url(), {"status": "closed", "reason": "goals_met"})
    read = client.get(followed.url())

    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert read.status_code == 200
    assert (read.json()["status"], read.json()["close_reason"]) == ("closed", "Goals met")
    assert [task["state"] for task in read.json()["tasks"]] == ["cancelled"]


def test_a_supervisor_assigns_the_case(client, sign_in, followed, make_user):
    supervisor = make_user(Role.SUPERVISOR, agency=followed.scene.clinician.agency)
    sign_in(supervisor)
    before = written(followed.case)

    wrong = send(
        client, "post", followed.url("/assign"), {"case_manager_id": followed.scene.officer.pk}
    )
    garbled = send(client, "post", followed.url("/assign"), {"case_manager_id": "someone"})
    assert written(followed.case) == before
    assigned = send(
        client, "post", followed.url("/assign"), {"case_manager_id": followed.manager.pk}
    )

    assert wrong.status_code == 400
    assert set(wrong.json()["fields"]) == {"case_manager_id"}
    assert garbled.status_code == 422
    assert set(garbled.json()["fields"]) == {"case_manager_id"}
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["case_manager_id"] == followed.manager.pk
    assert assigned.json()["tasks"][0]["assignee"] == name_of(followed.manager)


def test_a_flag_is_cleared_once(client, sign_in, followed, program):
    FollowUpSettings.objects.create(program=program, failed_attempts_flag=1)
    sign_in(followed.manager)
    logged = send(
        client, "post", followed.url("/contacts"), {"method": "phone", "outcome": "no_answer"}
    )
    assert logged.status_code == 201, logged.content
    assert client.get(followed.url()).json()["flags"] == ["unreached"]
    assert client.get("/api/v1/cases?group=flagged").json()["items"][0]["flags"] == ["unreached"]

    cleared = send(client, "post", followed.url("/flags/unreached/clear"))
    again = send(client, "post", followed.url("/flags/unreached/clear"))
    unknown = send(client, "post", followed.url("/flags/sunny/clear"))

    assert cleared.status_code == 200, cleared.content
    assert cleared.json()["flags"] == []
    assert again.status_code == 409
    assert unknown.status_code == 422
    assert set(unknown.json()["fields"]) == {"flag"}


# --- tasks --------------------------------------------------------------------------------


def test_tasks_are_listed_added_and_done(client, sign_in, followed):
    sign_in(followed.manager)
    due = (timezone.now() + timedelta(days=2)).isoformat()

    added = send(
        client,
        "post",
        followed.url("/tasks"),
        {"title": "Call the shelter", "due_at": due, "assignee_id": followed.manager.pk},
    )
    listed = client.get(followed.url("/tasks"))
    done = send(client, "post", f"/api/v1/tasks/{added.json()['id']}/done", {"note": "Bed held"})
    again = client.post(  # no body at all
        f"/api/v1/tasks/{added.json()['id']}/done", "", content_type="application/json"
    )

    assert added.status_code == 201, added.content
    assert (added.json()["title"], added.json()["kind"]) == ("Call the shelter", "other")
    assert added.json()["standing"] == "later"
    assert added.json()["assignee"] == name_of(followed.manager)
    assert listed.status_code == 200
    assert [task["kind"] for task in listed.json()] == ["other", "first_contact"]  # by due
    assert done.status_code == 200, done.content
    kinds = [(task["kind"], task["state"]) for task in client.get(followed.url("/tasks")).json()]
    assert kinds == [("first_contact", "open"), ("other", "done")]  # open ones first
    assert (done.json()["state"], done.json()["done_note"]) == ("done", "Bed held")
    assert again.status_code == 409, again.content
    assert audits(events.TASK_DONE, followed.case) == 1


def test_a_deadline_with_an_offset_no_zone_has_is_kept_as_the_same_instant(
    client, sign_in, followed
):
    # given a deadline whose offset (+23:07) Python allows and PostgreSQL cannot store
    sign_in(followed.manager)

    # when a task is added with it
    added = send(
        client,
        "post",
        followed.url("/tasks"),
        {"title": "Call the shelter", "due_at": "2030-05-05T19:06:35+23:07"},
    )

    # then it is taken, at that instant (in UTC), on either database
    assert added.status_code == 201, added.content
    task = followed.case.tasks.get(kind="other")
    assert task.due_at.isoformat() == "2030-05-04T19:59:35+00:00"
    assert audits(events.TASK_ADDED, followed.case) == 1


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({}, 422, {"title", "due_at"}),
        ({"title": "", "due_at": "2030-01-01T09:00:00"}, 422, {"title", "due_at"}),
        ({"title": "x" * 201, "due_at": "tomorrow"}, 422, {"title", "due_at"}),
        (
            {"title": "Call", "due_at": "2030-01-01T09:00:00Z", "assignee_id": -1},
            400,
            {"assignee_id"},
        ),
    ],
)
def test_a_bad_task_is_refused_naming_each_field(client, sign_in, followed, body, status, fields):
    sign_in(followed.manager)
    before = written(followed.case)

    response = send(client, "post", followed.url("/tasks"), body)

    assert response.status_code == status, response.content
    assert set(response.json()["fields"]) == fields
    assert written(followed.case) == before


def test_a_task_of_a_case_the_caller_may_not_see_is_not_found(client, sign_in, followed, partner):
    task = followed.case.tasks.get()
    sign_in(partner)

    response = send(client, "post", f"/api/v1/tasks/{task.pk}/done", {"note": "Done"})
    unknown = send(client, "post", f"/api/v1/tasks/{uuid4()}/done", {})

    assert response.status_code == 404
    assert response.json() == unknown.json()
    assert Task.objects.get(pk=task.pk).state == TaskState.OPEN


# --- contacts -----------------------------------------------------------------------------


def test_reaching_the_person_is_logged_and_closes_the_first_contact(client, sign_in, followed):
    sign_in(followed.manager)

    first = send(
        client, "post", followed.url("/contacts"), {"method": "text", "outcome": "no_answer"}
    )
    reached = send(
        client,
        "post",
        followed.url("/contacts"),
        {"method": "phone", "outcome": "reached", "note": "Agreed to a visit"},
    )
    listed = client.get(followed.url("/contacts"))

    assert first.status_code == 201, first.content
    assert reached.status_code == 201, reached.content
    assert (reached.json()["method"], reached.json()["outcome_label"]) == ("phone", "Reached")
    assert reached.json()["note"] == "Agreed to a visit"
    assert [contact["outcome"] for contact in listed.json()] == ["reached", "no_answer"]
    case = client.get(followed.url()).json()
    assert case["status"] == "active"
    assert [task["state"] for task in case["tasks"]] == ["done"]


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"method": "pigeon", "outcome": "maybe"}, 422, {"method", "outcome"}),
        ({"method": "phone", "outcome": "reached", "at": "2025-03-01T14:05:00"}, 422, {"at"}),
        ({"method": "phone", "outcome": "reached", "note": "x" * 4001}, 422, {"note"}),
        ({"method": "phone", "outcome": "reached", "at": "2999-01-01T00:00:00Z"}, 422, {"at"}),
    ],
)
def test_a_bad_contact_is_refused_naming_each_field(
    client, sign_in, followed, body, status, fields
):
    sign_in(followed.manager)
    before = written(followed.case)

    response = send(client, "post", followed.url("/contacts"), body)

    assert response.status_code == status, response.content
    assert set(response.json()["fields"]) == fields
    assert written(followed.case) == before
    assert audits(events.CONTACT_LOGGED, followed.case) == 0


# --- goals and the safety plan ------------------------------------------------------------


def test_a_goal_is_set_and_its_progress_recorded(client, sign_in, followed):
    sign_in(followed.scene.clinician)

    added = send(
        client,
        "post",
        followed.url("/goals"),
        {"text": "Find stable housing", "target_date": "2030-06-30"},
    )
    goal_id = added.json()["id"]
    progressed = send(
        client,
        "patch",
        followed.url(f"/goals/{goal_id}"),
        {"status": "in_progress", "progress_note": "On the housing list"},
    )

    assert added.status_code == 201, added.content
    assert added.json()["status"] == "not_started"
    assert progressed.status_code == 200, progressed.content
    assert progressed.json() == {
        "id": goal_id,
        "text": "Find stable housing",
        "status": "in_progress",
        "status_label": "In progress",
        "progress_note": "On the housing list",
        "target_date": "2030-06-30",
    }
    assert [goal["text"] for goal in client.get(followed.url()).json()["goals"]] == [
        "Find stable housing"
    ]


def test_a_bad_goal_is_refused_and_another_case_s_goal_not_found(
    client, sign_in, followed, on_scene
):
    sign_in(followed.scene.clinician)
    other = finish(on_scene())
    send(client, "post", followed.url("/goals"), {"text": "Find stable housing"})
    goal = Goal.objects.get(case=followed.case)
    before = written(followed.case)

    empty = send(client, "post", followed.url("/goals"), {"text": "", "status": "winning"})
    wrong = send(client, "patch", followed.url(f"/goals/{goal.pk}"), {"status": "winning"})
    elsewhere = send(client, "patch", f"/api/v1/cases/{other.pk}/goals/{goal.pk}", {"text": "x"})

    assert empty.status_code == 422
    assert set(empty.json()["fields"]) == {"text", "status"}
    assert wrong.status_code == 422
    assert set(wrong.json()["fields"]) == {"status"}
    # the other case reaches the clinician through the queue only: its goals (clinical)
    # are not theirs to read, so they learn nothing of the goal's id either
    assert elsewhere.status_code == 403
    assert written(followed.case) == before
    assert Goal.objects.get(pk=goal.pk).text == "Find stable housing"


def test_the_safety_plan_is_revised_and_read_newest_first(client, sign_in, followed):
    sign_in(followed.scene.clinician)

    first = send(client, "post", followed.url("/safety-plan"), {"answers": PLAN})
    same = send(client, "post", followed.url("/safety-plan"), {"answers": PLAN})
    revised = {**PLAN, "internal_coping": ["Walk the dog", "Music"]}
    second = send(
        client, "post", followed.url("/safety-plan"), {"answers": revised, "note": "Added music"}
    )
    listed = client.get(followed.url("/safety-plan"))

    assert first.status_code == 201, first.content
    assert (first.json()["number"], first.json()["answers"]) == (1, PLAN)
    assert same.status_code == 409
    assert second.status_code == 201
    assert listed.status_code == 200
    assert [(r["number"], r["note"]) for r in listed.json()] == [
        (2, "Added music"),
        (1, "First written"),
    ]
    assert listed.json()[0]["answers"] == revised
    assert audits(events.SAFETY_PLAN_VIEWED, followed.case) == 1


@pytest.mark.parametrize(
    ("body", "status", "fields"),
    [
        ({"answers": "all good"}, 422, {"answers"}),
        ({"answers": PLAN, "note": "x" * 301}, 422, {"note"}),
        ({"answers": {**PLAN, "warning_signs": "not a list"}}, 400, {"warning_signs"}),
    ],
)
def test_a_bad_safety_plan_is_refused_naming_each_field(
    client, sign_in, followed, body, status, fields
):
    sign_in(followed.scene.clinician)

    response = send(client, "post", followed.url("/safety-plan"), body)

    assert response.status_code == status, response.content
    assert fields <= set(response.json()["fields"])
    assert not SafetyPlanRevision.objects.exists()


def test_a_session_write_needs_its_csrf_token(followed):
    from coresponder.testing.fixtures import PASSWORD

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/login/")
    signed_in = browser.post(
        "/login/",
        {
            "username": followed.manager.username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": page.context["csrf_token"],
        },
    )
    assert signed_in.status_code == 302
    before = written(followed.case)

    response = send(
        browser, "post", followed.url("/contacts"), {"method": "phone", "outcome": "reached"}
    )

    assert response.status_code == 403
    assert written(followed.case) == before
    assert browser.get(followed.url()).status_code == 200
