"""Each role's home leads with its own queue and its counts (issue 18, item 6): the case
manager's overdue cases, the partner's waiting referrals, the desk's open calls and teams."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role
from coresponder.cases import actions as cases
from coresponder.cases.models import OpenedBecause
from coresponder.core.models import AuditEntry
from coresponder.dispatch import actions as dispatch
from coresponder.people.actions import NameIn, PersonIn, register_person
from coresponder.people.tests.fixtures import share_care_coordination
from coresponder.referrals import actions as referrals
from coresponder.referrals.access import Principal

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def stat(page: str, testid: str) -> str:
    found = re.search(
        rf'data-testid="{testid}"[^>]*>\s*<span class="stat__value[^"]*">([^<]*)<', page
    )
    assert found, f"no {testid} on the page"
    return found.group(1)


# The case manager ---------------------------------------------------------------------


@pytest.fixture
def manager(make_user, agencies):
    return make_user(Role.CASE_MANAGER, agency=agencies["behavioral_health"])


def a_case(desk, manager, given: str, *, opened_hours_ago: float, mine: bool = True):
    person = register_person(PersonIn(names=[NameIn(family="Home", given=given)]), acting_user=desk)
    return cases.open_case(
        person,
        because=OpenedBecause.BY_HAND,
        acting_user=manager,
        case_manager=manager if mine else None,
        now=timezone.now() - timedelta(hours=opened_hours_ago),
    )


def test_the_case_managers_home_leads_with_overdue_cases_and_the_counts(
    client, sign_in, desk, manager
):
    # given two overdue cases of the manager's (first contact was due within 72 hours),
    # one opened today, and one waiting in the agency's queue
    late = a_case(desk, manager, "Alpha", opened_hours_ago=80)
    later = a_case(desk, manager, "Bravo", opened_hours_ago=100)
    a_case(desk, manager, "Charlie", opened_hours_ago=1)
    a_case(desk, manager, "Delta", opened_hours_ago=2, mine=False)
    sign_in(manager)
    reads_before = AuditEntry.objects.count()

    # when the manager opens the home page
    page = text_of(client.get("/"))

    # then the follow-up queue comes first, with its counts, linked to the worklist's tabs
    queue = page.index('data-testid="home-follow-up"')
    assert queue < page.index("Your colleagues at")
    assert stat(page, "home-overdue") == "2"
    assert stat(page, "home-new") == "2"
    assert stat(page, "home-open") == "4"
    assert 'href="/cases/?group=overdue"' in page
    # and the overdue cases by name, the longest overdue first, each a link to the case
    overdue = re.findall(r'data-testid="home-overdue-case"><a href="/cases/([0-9a-f-]+)/">', page)
    assert overdue == [str(later.pk), str(late.pk)]
    assert "Home, Bravo" in page or "Bravo Home" in page
    assert "Charlie" not in page  # not overdue: counted, not listed
    # the names shown were read through the gate: one entry per person listed
    assert AuditEntry.objects.count() - reads_before == 2


def test_a_case_manager_with_nothing_overdue_is_told_so(client, sign_in, desk, manager):
    a_case(desk, manager, "Echo", opened_hours_ago=1)
    sign_in(manager)

    page = text_of(client.get("/"))

    assert stat(page, "home-overdue") == "0"
    assert "Nothing overdue." in page


# The partner --------------------------------------------------------------------------


def test_the_partners_home_counts_the_referrals_waiting_for_it(
    client, sign_in, on_scene, harbor, elsewhere
):
    # given four referrals sent to Harbor (one received, one accepted), one to Elm Street
    sent = []
    for partner in (harbor, harbor, harbor, harbor, elsewhere):
        scene = on_scene(emt=False)
        share_care_coordination(
            scene.person, with_agency=partner.agency, recorded_by=scene.clinician
        )
        sent.append(
            referrals.send_referral(
                scene.encounter,
                service=partner.service,
                need="A bed tonight",
                acting_user=scene.clinician,
            )
        )
    principal = Principal(user=harbor.user)
    referrals.move_referral(sent[1], to="received", principal=principal)
    referrals.move_referral(sent[2], to="accepted", principal=principal)
    sign_in(harbor.user)

    # when the partner opens the home page
    page = text_of(client.get("/"))

    # then its queue comes first, counted, naming no one
    assert page.index('data-testid="home-partner-referrals"') < page.index("Your colleagues at")
    assert stat(page, "home-referrals-new") == "2"
    assert stat(page, "home-referrals-received") == "1"
    assert stat(page, "home-referrals-to-book") == "1"
    assert 'href="/referrals/partner/?state=waiting"' in page
    assert (
        "Demo"
        not in page.split('data-testid="home-partner-referrals"', 1)[1].split("</article>", 1)[0]
    )


# The dispatcher -----------------------------------------------------------------------


def test_the_desks_home_shows_open_calls_and_teams_not_a_table_of_agencies(
    client, sign_in, desk, make_team, take_call
):
    # given two teams on duty, one sent to a P1 call, and a second call waiting
    busy = make_team("CRT Busy")
    make_team("CRT Free")
    urgent = take_call(screening=["attempt_in_progress"], address="9 Alder Court")
    waiting = take_call(address="12 Birch Lane")
    dispatch.dispatch_team(urgent, busy, acting_user=desk)
    sign_in(desk)

    # when the desk opens the home page
    page = text_of(client.get("/"))

    # then the open calls, most urgent first, and the teams with their status
    assert "Agencies of the program" not in page
    assert stat(page, "home-open-calls") == "2"
    assert stat(page, "home-waiting") == "1"
    calls = re.findall(r'data-testid="home-call" data-reference="([^"]+)"', page)
    assert calls == [urgent.reference, waiting.reference]
    assert "9 Alder Court" in page
    teams = dict(
        re.findall(r'data-testid="home-team" data-team="([^"]+)" data-status="([a-z_]+)"', page)
    )
    assert teams == {"CRT Busy": "dispatched", "CRT Free": "available"}
