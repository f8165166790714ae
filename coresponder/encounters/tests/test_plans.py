"""Response plan pages: a clinician drafts, a supervisor approves, each reader sees their part.

Officers see the safety summary (safety concerns, triggers, what calms) on the plan page,
the person page, the call page and the intake's candidates; clinicians see the whole plan;
anyone else nothing. Every read that shows a plan is audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts.models import Role
from coresponder.core.models import AuditEntry
from coresponder.encounters import actions
from coresponder.encounters.events import PLAN_APPROVED, PLAN_SAVED, PLAN_VIEWED
from coresponder.encounters.models import PlanState, ResponsePlan
from coresponder.people import actions as people
from coresponder.privacy import actions as privacy
from coresponder.privacy.models import AccessRelation, ReadWindow

pytestmark = pytest.mark.django_db

SAFETY = "Swung a broom at a deputy in March"
TRIGGERS = "Sirens and flashing lights"
CALMING = "Talk about the Broncos; sit down first"
BASELINE = "Quiet, paces the porch and hums"
ESCALATED = "Barricades himself in the bathroom"
STRATEGIES = ["Call his sister first", "Offer the walk-in crisis centre"]
CONTACT = {"name": "Sister (emergency contact)", "role": "family", "phone": "555-0142"}
CLINICAL = [BASELINE, ESCALATED, *STRATEGIES, CONTACT["name"], CONTACT["phone"]]
SUMMARY = [SAFETY, TRIGGERS, CALMING]


def plan_in(**changes) -> actions.PlanIn:
    values = {
        "review_by": timezone.localdate() + timedelta(days=180),
        "safety_concerns": SAFETY,
        "triggers": TRIGGERS,
        "calming": CALMING,
        "baseline": BASELINE,
        "escalated": ESCALATED,
        "strategies": list(STRATEGIES),
        "contacts": [dict(CONTACT)],
    }
    return actions.PlanIn(**{**values, **changes})


def approved_plan(person, *, author, approver, **changes) -> ResponsePlan:
    plan = actions.save_plan(person, plan_in(**changes), acting_user=author)
    return actions.approve_plan(plan, acting_user=approver)


def form(**changes) -> dict:
    """The draft form as a browser posts it: two contact rows, the second left empty."""
    data = {
        "safety_concerns": SAFETY,
        "triggers": TRIGGERS,
        "calming": CALMING,
        "baseline": BASELINE,
        "escalated": ESCALATED,
        "strategies": "\r\n".join([STRATEGIES[0], "", STRATEGIES[1]]),
        "review_by": (timezone.localdate() + timedelta(days=90)).isoformat(),
        "contacts-TOTAL_FORMS": "2",
        "contacts-INITIAL_FORMS": "0",
        "contacts-0-name": CONTACT["name"],
        "contacts-0-role": CONTACT["role"],
        "contacts-0-phone": CONTACT["phone"],
        "contacts-1-name": "",
        "contacts-1-role": "",
        "contacts-1-phone": "",
    }
    return {**data, **changes}


def entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("seq"))


def page(client, path: str, **params) -> str:
    response = client.get(path, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# Drafting and approving -----------------------------------------------------------------


def test_a_clinician_drafts_a_plan_on_the_page(client, crew, person, sign_in):
    # given a clinician on the person's care team
    sign_in(crew["clinician"])
    assert "Draft a plan" in page(client, f"/encounters/plans/{person.pk}/")

    # when they fill in the form
    response = client.post(f"/encounters/plans/{person.pk}/draft/", form())

    # then a draft is saved as written, strategies in order, the empty row left out
    plan = ResponsePlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/plans/{person.pk}/#plan-{plan.pk}"
    assert (plan.state, plan.drafted_by, plan.approved_by) == (
        PlanState.DRAFT,
        crew["clinician"],
        None,
    )
    assert plan.strategies == STRATEGIES
    assert plan.contacts == [CONTACT]
    assert plan.review_by == timezone.localdate() + timedelta(days=90)
    assert [e.object_id for e in entries(PLAN_SAVED)] == [str(person.pk)]
    # and the page shows it as a draft awaiting approval, not as the plan in force
    shown = page(client, f"/encounters/plans/{person.pk}/")
    assert "Draft awaiting approval" in shown
    assert "No approved response plan to show you." in shown
    for text in [*SUMMARY, *CLINICAL]:
        assert text in shown


def test_a_draft_is_edited_on_the_page(client, crew, person, sign_in):
    plan = actions.save_plan(person, plan_in(), acting_user=crew["clinician"])
    sign_in(crew["clinician"])
    edit = f"/encounters/plans/{person.pk}/draft/{plan.pk}/"

    filled = page(client, edit)
    assert CONTACT["name"] in filled
    assert f"{STRATEGIES[0]}\n{STRATEGIES[1]}" in filled

    response = client.post(edit, form(calming="A quiet room and a glass of water"))

    plan.refresh_from_db()
    assert response.status_code == 302
    assert (plan.calming, plan.revision, plan.state) == (
        "A quiet room and a glass of water",
        2,
        PlanState.DRAFT,
    )
    assert ResponsePlan.objects.count() == 1


def test_a_supervisor_approves_and_the_plan_before_is_superseded(client, crew, person, sign_in):
    # given a plan in force and a new draft revising it
    clinician, supervisor = crew["clinician"], crew["supervisor"]
    old = approved_plan(person, author=clinician, approver=supervisor)
    new = actions.save_plan(
        person, plan_in(calming="Let him finish his cigarette"), acting_user=clinician
    )
    sign_in(supervisor)
    assert ">Approve</button>" in page(client, f"/encounters/plans/{person.pk}/")

    # when the supervisor approves the draft
    response = client.post(f"/encounters/plans/{person.pk}/{new.pk}/approve/")

    # then it is in force and the old one superseded
    old.refresh_from_db()
    new.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"/encounters/plans/{person.pk}/"
    assert (old.state, new.state) == (PlanState.SUPERSEDED, PlanState.APPROVED)
    assert new.approved_by == supervisor
    shown = page(client, response["Location"])
    assert "Plan in force" in shown
    assert "Let him finish his cigarette" in shown
    assert CALMING not in shown
    assert "Draft awaiting approval" not in shown


def test_the_author_cannot_approve_their_own_plan(client, person, make_user, sign_in):
    # given a supervisor who is also a clinician on the care team, and drafted the plan
    both = make_user(Role.SUPERVISOR, Role.CLINICIAN)
    privacy.grant_relation(
        person, kind=AccessRelation.Kind.CARE_TEAM, user=both, source="test", acting_user=None
    )
    plan = actions.save_plan(person, plan_in(), acting_user=both)
    sign_in(both)

    # when they approve it
    response = client.post(f"/encounters/plans/{person.pk}/{plan.pk}/approve/")

    # then they are refused beside the draft, and nothing changed
    assert response.status_code == 403
    assert "A plan is approved by someone other than its author." in response.content.decode()
    plan.refresh_from_db()
    assert (plan.state, plan.approved_by) == (PlanState.DRAFT, None)
    assert entries(PLAN_APPROVED) == []


def test_an_officer_cannot_draft_or_approve(client, crew, person, sign_in):
    plan = actions.save_plan(person, plan_in(), acting_user=crew["clinician"])
    sign_in(crew["officer"])

    assert client.get(f"/encounters/plans/{person.pk}/draft/").status_code == 403
    assert client.post(f"/encounters/plans/{person.pk}/draft/", form()).status_code == 403
    assert client.post(f"/encounters/plans/{person.pk}/{plan.pk}/approve/").status_code == 403

    assert list(ResponsePlan.objects.values_list("state", flat=True)) == [PlanState.DRAFT]
    assert len(entries(PLAN_SAVED)) == 1


def test_validation_errors_are_shown_beside_their_fields_and_nothing_is_saved(
    client, crew, person, sign_in
):
    # given
    sign_in(crew["clinician"])

    # when the form says neither safety nor calming, a past review date, a nameless contact
    response = client.post(
        f"/encounters/plans/{person.pk}/draft/",
        form(
            safety_concerns="",
            calming="   ",
            review_by=(timezone.localdate() - timedelta(days=1)).isoformat(),
            strategies="x" * 501,
            **{"contacts-1-phone": "555-0199"},
        ),
    )

    # then each refusal is shown, what was typed is kept, and nothing is written
    content = response.content.decode()
    assert response.status_code == 400
    assert "The plan was not saved." in content
    assert 'id="id_safety_concerns_error"' in content
    assert "Say the safety concerns, or what calms the person." in content
    assert 'id="id_review_by_error"' in content
    assert "The review date must be in the future." in content
    assert 'id="id_strategies_error"' in content
    assert "Each strategy is a line of at most 500 characters." in content
    assert 'id="contacts_error"' in content
    assert "Each contact needs a name (and a phone or role)." in content
    assert TRIGGERS in content
    assert not ResponsePlan.objects.exists()
    assert entries(PLAN_SAVED) == []


def test_a_bad_date_is_refused_by_the_form(client, crew, person, sign_in):
    sign_in(crew["clinician"])

    response = client.post(f"/encounters/plans/{person.pk}/draft/", form(review_by="soon"))

    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()
    assert not ResponsePlan.objects.exists()


# Who sees what --------------------------------------------------------------------------


def test_an_officer_sees_the_safety_summary_and_nothing_clinical(client, crew, person, sign_in):
    # given an approved plan and a newer draft
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    actions.save_plan(person, plan_in(triggers="Draft-only trigger"), acting_user=crew["clinician"])
    sign_in(crew["officer"])

    # when the officer opens the plan page and the person page
    pages = {
        "plan page": page(client, f"/encounters/plans/{person.pk}/"),
        "person page": page(client, f"/people/{person.pk}/"),
    }

    # then the summary is there, the clinical parts and the draft are not
    for name, content in pages.items():
        for text in SUMMARY:
            assert text in content, f"{text!r} missing from the {name}"
        for text in [*CLINICAL, "Draft-only trigger", "Draft a plan", ">Approve</button>"]:
            assert text not in content, f"{text!r} shown on the {name}"
        assert "its clinical parts are not shown to you" in content
    # (two reads of the same plan in one audit window: one entry, counting both)
    assert [e.detail["whole"] for e in entries(PLAN_VIEWED)] == [False]
    assert ReadWindow.objects.get(entry_seq=entries(PLAN_VIEWED)[0].seq).count == 2
    assert entries(PLAN_VIEWED)[0].fields == sorted(
        ["response_plan:safety_concerns", "response_plan:triggers", "response_plan:calming"]
    )


def test_a_clinician_on_the_care_team_sees_the_whole_plan_on_the_person_page(
    client, crew, person, sign_in
):
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    actions.save_plan(person, plan_in(), acting_user=crew["clinician"])
    sign_in(crew["clinician"])

    content = page(client, f"/people/{person.pk}/")

    for text in [*SUMMARY, *CLINICAL]:
        assert text in content
    assert "1 draft awaiting approval" in content
    assert f'href="/encounters/plans/{person.pk}/"' in content
    assert entries(PLAN_VIEWED)[-1].detail["whole"] is True


def test_a_clinician_with_no_relation_to_the_person_sees_no_plan(
    client, crew, person, make_user, sign_in
):
    # given a plan, and a clinician who has never worked with the person
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    stranger = make_user(Role.CLINICIAN)
    sign_in(stranger)

    # when they open the plan page and the person page
    plan_page = page(client, f"/encounters/plans/{person.pk}/")
    person_page = page(client, f"/people/{person.pk}/")

    # then no part of the plan is shown, nor offered to be drafted, and no plan read audited
    for content in (plan_page, person_page):
        for text in [*SUMMARY, *CLINICAL]:
            assert text not in content
    assert "No approved response plan to show you." in plan_page
    assert "Draft a plan" not in plan_page
    assert 'data-testid="plan-panel"' not in person_page
    assert client.get(f"/encounters/plans/{person.pk}/draft/").status_code == 403
    assert entries(PLAN_VIEWED) == []


def test_an_expired_plan_is_flagged_wherever_it_is_shown(
    client, crew, person, desk, sign_in, make_user
):
    # given a plan to be reviewed in ten days
    review_by = timezone.localdate() + timedelta(days=10)
    approved_plan(
        person, author=crew["clinician"], approver=crew["supervisor"], review_by=review_by
    )
    flag = f"Review overdue since {review_by.day} {review_by:%b %Y}"

    # when a month has passed
    with freeze_time(timezone.now() + timedelta(days=30)):
        sign_in(crew["clinician"])
        plan_page = page(client, f"/encounters/plans/{person.pk}/")
        person_page = page(client, f"/people/{person.pk}/")
        sign_in(desk)
        candidates = page(client, "/calls/new/persons/", family="tango")

    # then each shows the plan with the overdue flag
    for content in (plan_page, person_page, candidates):
        assert flag in content
        assert SAFETY in content
    assert 'data-testid="plan-overdue"' in plan_page
    assert "plan--expired" in person_page


def test_a_current_plan_shows_its_review_date_without_a_flag(client, crew, person, sign_in):
    review_by = timezone.localdate() + timedelta(days=10)
    approved_plan(
        person, author=crew["clinician"], approver=crew["supervisor"], review_by=review_by
    )
    sign_in(crew["officer"])

    content = page(client, f"/encounters/plans/{person.pk}/")

    assert f"Review by {review_by.day} {review_by:%b %Y}" in content
    assert "Review overdue" not in content


# At intake and on the call --------------------------------------------------------------


def test_the_intake_candidates_show_a_dispatcher_the_safety_summary(
    client, crew, person, desk, sign_in
):
    # given an approved plan for Demo Tango and no plan for Demo Tangent
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    people.register_person(
        people.PersonIn(names=[people.NameIn(given="Demo", family="Tangent")]), acting_user=desk
    )
    sign_in(desk)

    # when the call-taker types the name
    fragment = page(client, "/calls/new/persons/", family="tang")

    # then Tango's candidate carries the badge and the summary, and nothing clinical
    assert "Demo Tangent" in fragment
    assert fragment.count('data-testid="plan-badge"') == 1
    for text in SUMMARY:
        assert text in fragment
    for text in CLINICAL:
        assert text not in fragment
    viewed = entries(PLAN_VIEWED)
    assert [(e.object_id, e.detail["channel"]) for e in viewed] == [(str(person.pk), "page:intake")]


def test_the_intake_candidates_cost_the_same_with_one_plan_as_with_three(
    client, crew, person, desk, sign_in
):
    # given three people named Tango-something; one has a plan
    others = [
        people.register_person(
            people.PersonIn(names=[people.NameIn(given="Demo", family=family)]),
            acting_user=desk,
        )
        for family in ("Tangor", "Tangora")
    ]
    for other in others:
        privacy.grant_relation(
            other,
            kind=AccessRelation.Kind.CARE_TEAM,
            user=crew["clinician"],
            source="test",
            acting_user=None,
        )
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    sign_in(desk)

    def queries() -> int:
        ReadWindow.objects.all().delete()  # read windows start afresh: each read writes
        with CaptureQueriesContext(connection) as captured:
            page(client, "/calls/new/persons/", family="tang")
        return len(captured)

    one = queries()
    for other in others:
        approved_plan(other, author=crew["clinician"], approver=crew["supervisor"])
    three = queries()

    assert three == one


def test_the_call_page_shows_the_officer_the_summary_and_the_clinician_the_whole_plan(
    client, on_scene, make_user, sign_in
):
    # given a team on scene, and a plan the team's clinician drafted, approved by a supervisor
    scene = on_scene()
    supervisor = make_user(Role.SUPERVISOR)
    approved_plan(scene.person, author=scene.clinician, approver=supervisor)
    call_page = f"/calls/{scene.call.pk}/"

    # when the officer opens the call
    sign_in(scene.officer)
    officer_sees = page(client, call_page)

    # then they see the summary only
    for text in SUMMARY:
        assert text in officer_sees
    for text in CLINICAL:
        assert text not in officer_sees

    # and the clinician sees it all
    sign_in(scene.clinician)
    clinician_sees = page(client, call_page)
    for text in [*SUMMARY, *CLINICAL]:
        assert text in clinician_sees
    assert [(e.detail["channel"], e.detail["whole"]) for e in entries(PLAN_VIEWED)] == [
        ("page:call", False),
        ("page:call", True),
    ]


def test_a_call_about_a_person_without_a_plan_shows_no_plan(client, on_scene, sign_in):
    scene = on_scene()
    sign_in(scene.officer)

    content = page(client, f"/calls/{scene.call.pk}/")

    assert 'data-testid="plan-panel"' not in content
    assert entries(PLAN_VIEWED) == []


# Audit ----------------------------------------------------------------------------------


def test_the_reads_of_a_plan_are_one_audit_entry_per_window_with_their_count(
    client, crew, person, sign_in
):
    # given
    approved_plan(person, author=crew["clinician"], approver=crew["supervisor"])
    sign_in(crew["clinician"])

    # when the plan is read on four pages
    for path in (
        f"/encounters/plans/{person.pk}/",
        f"/people/{person.pk}/",
        f"/encounters/plans/{person.pk}/draft/",
        f"/encounters/plans/{person.pk}/",
    ):
        page(client, path)

    # then the reads are one entry (the reader's audit window), naming the reader, the
    # person and where it was first read, and the window counts all four
    viewed = entries(PLAN_VIEWED)
    assert [e.detail["channel"] for e in viewed] == ["page:plan"]
    assert ReadWindow.objects.get(entry_seq=viewed[0].seq).count == 4
    assert {(e.actor_id, e.object_type, e.object_id) for e in viewed} == {
        (crew["clinician"].pk, "person", str(person.pk))
    }
    assert all("response_plan:baseline" in e.fields for e in viewed)
