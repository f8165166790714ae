"""A case manager's day in Chromium: the worklist shows an overdue first contact; the
case page logs a failed attempt, then reaching the person, which closes the task; the
safety plan gets a new line as revision 2 and prints. Screenshots at 1280 and 390 px.
Time is set by the actions' `now`, never slept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from coresponder.accounts.models import Role
from coresponder.cases import actions
from coresponder.cases.models import OpenedBecause, SafetyPlanRevision, TaskState
from coresponder.encounters.tests.browser.field_helpers import fits, sign_in
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.testing.browser import screenshot_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE, NARROW = (1280, 900), (390, 844)
PLAN = {
    "warning_signs": ["Not sleeping", "Staying in my room all day"],
    "internal_coping": ["Walk the dog", "Music with headphones"],
    "distraction": [{"name": "Library on Main Street", "phone": ""}],
    "help_people": [{"name": "Sister", "phone": "555-0142"}],
    "professionals": [
        {"name": "988 Suicide & Crisis Lifeline", "phone": "988"},
        {"name": "Crisis walk-in clinic", "phone": "555-0100"},
    ],
    "safe_environment": ["Medicines kept by a neighbour"],
    "worth_living_for": "My dog and my sister",
}


def shoot(page, name: str) -> None:
    page.screenshot(path=screenshot_dir() / f"cases-{name}.png", full_page=True)


def both_widths(page_at, base_url: str, user, path: str, name: str) -> None:
    """The page at 390 px, screenshotted, fitting the screen."""
    narrow = page_at(*NARROW)
    sign_in(narrow, base_url, user)
    narrow.goto(f"{base_url}{path}")
    shoot(narrow, f"{name}-390")
    assert fits(narrow), f"{path} scrolls sideways at 390 px"


def test_a_case_managers_day(live_server, page_at, desk, make_user, agencies):
    # given a case manager whose case's first contact was due four hours ago, with the
    # safety plan written on scene, and another case waiting unassigned in the queue
    manager = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    supervisor = make_user(Role.SUPERVISOR, agency=agencies["behavioral_health"])
    person = register_person(
        PersonIn(names=[NameIn(family="Scene", given="Demo Alpha")]), acting_user=desk
    )
    case = actions.open_case(
        person,
        because=OpenedBecause.BY_HAND,
        acting_user=manager,
        case_manager=manager,
        now=timezone.now() - timedelta(hours=76),
    )
    actions.revise_safety_plan(person, answers=PLAN, note="Written on scene", acting_user=manager)
    actions.open_case(
        register_person(
            PersonIn(names=[NameIn(family="Scene", given="Demo Bravo")]), acting_user=desk
        ),
        because=OpenedBecause.BY_HAND,
        acting_user=manager,
        now=timezone.now() - timedelta(hours=2),
    )
    colleague = make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])
    for given in ("Demo Charlie", "Demo Delta", "Demo Echo"):
        actions.open_case(
            register_person(
                PersonIn(names=[NameIn(family="Scene", given=given)]), acting_user=desk
            ),
            because=OpenedBecause.BY_HAND,
            acting_user=colleague,
            case_manager=colleague,
            now=timezone.now() - timedelta(hours=80),
        )
    base = live_server.url

    # when the case manager opens their worklist
    page = page_at(*WIDE)
    sign_in(page, base, manager)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    row = page.get_by_test_id("worklist-row").filter(has_text=case.number)
    expect(row.get_by_test_id("next-task")).to_contain_text("Overdue")
    expect(row.get_by_test_id("next-task")).to_contain_text("First follow-up contact")
    expect(page.get_by_test_id("tab-overdue")).to_contain_text("1")
    shoot(page, "worklist-1280")
    both_widths(page_at, base, manager, "/cases/", "worklist")

    # and opens the case, logs a failed attempt, then reaching the person
    row.get_by_role("link", name=case.number).click()
    expect(page.get_by_test_id("case-number")).to_have_text(case.number)
    expect(page.get_by_test_id("task").filter(has_text="First follow-up contact")).to_contain_text(
        "Overdue"
    )
    shoot(page, "case-1280")
    both_widths(page_at, base, manager, f"/cases/{case.pk}/", "case")

    contacts = page.get_by_test_id("contacts")
    contacts.get_by_label("Method").select_option("phone")
    contacts.get_by_label("Outcome").select_option("no_answer")
    page.get_by_role("button", name="Log the contact").click()
    expect(page.get_by_role("status")).to_contain_text("Contact logged.")
    expect(page.get_by_test_id("contact")).to_have_count(1)
    expect(page.get_by_test_id("task")).to_have_count(1)

    contacts.get_by_label("Method").select_option("visit")
    contacts.get_by_label("Outcome").select_option("reached")
    contacts.get_by_label("Notes").fill("At home; agreed to a clinic visit on Monday")
    page.get_by_role("button", name="Log the contact").click()
    expect(page.get_by_test_id("contact")).to_have_count(2)
    expect(page.get_by_test_id("contact").first).to_contain_text("Visit: reached")

    # then the first-contact task is closed and the case is active
    expect(page.get_by_test_id("task")).to_have_count(0)
    expect(page.get_by_test_id("tasks")).to_contain_text("No open task.")
    expect(
        page.get_by_test_id("done-task").filter(has_text="First follow-up contact")
    ).to_have_count(1)
    expect(page.get_by_test_id("case-status")).to_have_text("Active")
    assert case.tasks.get().state == TaskState.DONE

    # when the plan is revised with one new line
    page.get_by_test_id("safety-plan").get_by_role("link", name="Revise").click()
    warning = page.get_by_label("1. Warning signs", exact=False)
    expect(warning).to_have_value("Not sleeping\nStaying in my room all day")
    warning.fill("Not sleeping\nStaying in my room all day\nGiving things away")
    page.get_by_label("What changed").fill("Added a warning sign")
    shoot(page, "safety-plan-form-1280")
    page.get_by_role("button", name="Save as a new revision").click()

    # then revision 2 is current and in the history
    expect(page.get_by_role("status")).to_contain_text("revision 2")
    history = page.get_by_test_id("plan-history")
    expect(history.get_by_test_id("plan-revision").first).to_contain_text("Revision 2")
    expect(history.get_by_test_id("plan-revision").first).to_contain_text("Added a warning sign")
    expect(history.get_by_test_id("plan-revision")).to_have_count(2)
    expect(page.get_by_test_id("safety-plan")).to_contain_text("Giving things away")
    latest = SafetyPlanRevision.objects.filter(person=person).first()
    assert latest.number == 2
    assert latest.answers["warning_signs"][-1] == "Giving things away"

    # and the printable plan shows the six steps, 988 and the revision
    page.get_by_test_id("safety-plan").get_by_role("link", name="Print").click()
    expect(page.get_by_role("heading", name="My safety plan")).to_be_visible()
    expect(page.get_by_test_id("crisis-line")).to_contain_text("988")
    expect(page.get_by_test_id("print-revision")).to_contain_text("Revision 2")
    expect(page.locator(".mainnav")).to_have_count(0)
    shoot(page, "print-1280")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    shoot(page, "print-as-printed")
    page.emulate_media(media="screen")
    both_widths(page_at, base, manager, f"/cases/{case.pk}/safety-plan/print/", "print")

    # and the supervisor's caseload reads at a glance
    boss = page_at(*WIDE)
    sign_in(boss, base, supervisor)
    boss.goto(f"{base}/cases/caseload/")
    expect(boss.get_by_test_id("load-row")).to_have_count(2)
    expect(boss.get_by_test_id("queue-row")).to_have_count(1)
    shoot(boss, "caseload-1280")
    both_widths(page_at, base, supervisor, "/cases/caseload/", "caseload")
