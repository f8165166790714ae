"""The follow-up clock (`actions.sweep`, `coresponder cases sweep`): a task for a referral
left unanswered, one reminder for a task come due, and the referral's moves as the case
sees them. Time moves by the `now` passed to the sweep, never by sleeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from coresponder.accounts.models import ApiToken, Role
from coresponder.cases import actions
from coresponder.cases.models import Case, OpenedBecause, Task, TaskKind, TaskState
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal
from coresponder.referrals.tests.referral_fixtures import CONTACT, NEED

pytestmark = pytest.mark.django_db


def case_of(scene, *, case_manager=None) -> Case:
    """The scene's person's follow-up case, opened by hand by the scene's clinician."""
    case = actions.open_case(
        scene.person, because=OpenedBecause.BY_HAND, acting_user=scene.clinician
    )
    if case_manager is not None:
        actions.assign_case(case, case_manager=case_manager, acting_user=case_manager)
        case.refresh_from_db()
    return case


def send(scene, partner):
    share_care_coordination(scene.person, with_agency=partner.agency, recorded_by=scene.clinician)
    return referrals.send_referral(
        scene.encounter,
        service=partner.service,
        need=NEED,
        contact=CONTACT,
        acting_user=scene.clinician,
    )


def partner_moves(referral, partner, to: str, **fields):
    token = ApiToken.objects.select_related("agency").get(agency=partner.agency)
    return referrals.move_referral(referral, to=to, principal=Principal(token=token), **fields)


def referral_tasks(case: Case):
    return case.tasks.filter(kind=TaskKind.REFERRAL)


def test_an_unanswered_referral_gets_a_task_once_past_24_hours(scene, harbor):
    # given a person with an open case, and a referral sent to Harbor
    case = case_of(scene)
    referral = send(scene, harbor)

    # when the clock runs before the 24 hours are out
    assert actions.sweep(now=referral.sent_at + timedelta(hours=23)).referral_tasks == 0
    assert not referral_tasks(case).exists()

    # then past them, one task for the referral
    assert actions.sweep(now=referral.sent_at + timedelta(hours=25)).referral_tasks == 1
    [task] = referral_tasks(case)
    assert (task.referral_id, task.state) == (referral.pk, TaskState.OPEN)
    assert task.title == "Referral to Harbor House crisis beds not accepted in 24 h"

    # and a second run makes no second
    assert actions.sweep(now=referral.sent_at + timedelta(hours=50)).referral_tasks == 0
    assert referral_tasks(case).count() == 1


def test_a_referral_of_a_person_without_an_open_case_makes_no_task(scene, harbor):
    referral = send(scene, harbor)
    assert actions.sweep(now=referral.sent_at + timedelta(hours=25)).referral_tasks == 0
    assert not Task.objects.exists()


def test_a_task_come_due_sends_its_assignee_one_reminder_without_the_person(
    scene, make_user, mailoutbox, django_capture_on_commit_callbacks, settings
):
    # given a case manager's case whose first contact is due in 72 hours
    settings.COR_SITE_URL = "https://cor.example"
    manager = make_user(Role.CASE_MANAGER)
    manager.email = "case-manager@example.org"
    manager.save(update_fields=["email"])
    case = case_of(scene, case_manager=manager)
    task = case.tasks.get(kind=TaskKind.FIRST_CONTACT)
    assert task.assignee == manager

    # when the clock runs before it is due
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.sweep(now=task.due_at - timedelta(hours=1)).reminders == 0
    assert mailoutbox == []

    # then once it is due, one message to the assignee
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.sweep(now=task.due_at + timedelta(minutes=1)).reminders == 1
    [mail] = mailoutbox
    assert mail.to == ["case-manager@example.org"]
    assert mail.subject == f"A follow-up task is due: case {case.number}"
    assert "First follow-up contact" in mail.body
    assert "https://cor.example/cases/" in mail.body
    # and it carries nothing of the person
    for secret in ("Scene", "Demo", str(scene.person.pk)):
        assert secret not in mail.subject
        assert secret not in mail.body

    # and never a second time
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.sweep(now=task.due_at + timedelta(hours=5)).reminders == 0
    assert len(mailoutbox) == 1
    task.refresh_from_db()
    assert task.reminded_at == task.due_at + timedelta(minutes=1)


def test_a_declined_referral_asks_for_another_service_and_accepting_closes_the_wait(
    scene, harbor, elsewhere
):
    # given an open case, a referral to Harbor and one to Elm left unanswered past 24 hours
    case = case_of(scene)
    to_harbor = send(scene, harbor)
    to_elm = send(scene, elsewhere)
    actions.sweep(now=to_elm.sent_at + timedelta(hours=25))
    waiting = referral_tasks(case).get(referral=to_elm)
    assert referral_tasks(case).count() == 2

    # when Harbor declines
    partner_moves(to_harbor, harbor, "declined", reason="No beds this week")

    # then a task to find another service, due within a day
    fallout = referral_tasks(case).get(
        referral=to_harbor, title="Referral declined: find another service"
    )
    assert fallout.state == TaskState.OPEN

    # when Elm accepts
    partner_moves(to_elm, elsewhere, "accepted")

    # then the task waiting for its answer is done, and the fallout stays open
    waiting.refresh_from_db()
    fallout.refresh_from_db()
    assert (waiting.state, waiting.done_note) == (TaskState.DONE, "The partner answered")
    assert fallout.state == TaskState.OPEN


def test_the_sweep_command_says_what_it_did(scene, harbor, capsys):
    case = case_of(scene)
    referral = send(scene, harbor)
    # A referral sent two days ago, and the case's first contact already due.
    from coresponder.referrals.models import Referral

    Referral.objects.filter(pk=referral.pk).update(sent_at=referral.sent_at - timedelta(hours=48))
    case.tasks.update(due_at=case.opened_at - timedelta(minutes=1))

    call_command("cases", "sweep")

    assert capsys.readouterr().out == (
        "Referral tasks: 1 made for referrals not accepted in time\n"
        "Reminders: 2 sent for tasks come due\n"
    )
    call_command("cases", "sweep")
    assert capsys.readouterr().out == (
        "Referral tasks: 0 made for referrals not accepted in time\n"
        "Reminders: 0 sent for tasks come due\n"
    )


def test_the_rules_command_lists_the_rules_in_force(program, capsys):
    call_command("cases", "rules")
    out = capsys.readouterr().out
    assert out.startswith("Follow-up rules of Test County Co-Responder Program (the defaults")
    assert "  referred (voluntary): first contact within 72 h\n" in out
    assert "Repeat crisis: 3 calls in 90 days\n" in out

    from coresponder.cases.models import FollowUpRule, FollowUpSettings

    FollowUpRule.objects.create(
        program=program, disposition="resolved_on_scene", contact_within_hours=24
    )
    FollowUpSettings.objects.create(program=program, repeat_calls=4, repeat_days=60)
    call_command("cases", "rules", "--program", "test-county")
    out = capsys.readouterr().out
    assert "(the defaults" not in out
    assert "referred (voluntary)" not in out
    assert "first contact within 24 h\n" in out
    assert "Repeat crisis: 4 calls in 60 days\n" in out
