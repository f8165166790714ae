from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts import events as accounts_events
from coresponder.accounts.models import Agency, Program, Role, User
from coresponder.core.audit import verify_chain
from coresponder.core.models import AuditEntry
from coresponder.demo.generator import DEMO_PASSWORD, build_demo_program
from coresponder.people.models import Person
from coresponder.privacy.classification import DataClass
from coresponder.privacy.policy import Action, decide
from coresponder.referrals.access import (
    Principal,
    agency_circumstances,
    agency_requester,
    referrals_for_partner,
)
from coresponder.referrals.loop import State, check_move
from coresponder.referrals.models import Referral, ReferralEvent

from .readings import DEMO_NOW, assert_a_realistic_day, directory_picture

pytestmark = pytest.mark.django_db

# These tests read the demo's day, built once for the module without the year before it
# (`history=False`) and rolled back at the end; test_history.py reads the year, and
# test_demo_builds.py holds the tests that build their own demo (other seeds, other hours,
# the demo command).
#
# The demo is built at a fixed reference time with the clock frozen there and running on
# from it (the actions it calls stamp their own times), so nothing here depends on when
# the suite runs. Each test asks for the demo as a caller would (`build_demo_program`),
# and is handed the one already built.


@pytest.fixture(scope="module", autouse=True)
def demo_day(django_db_setup, django_db_blocker):
    with (
        freeze_time(DEMO_NOW, tick=True),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield build_demo_program(now=DEMO_NOW, history=False)
        transaction.set_rollback(True)


def test_every_role_has_a_log_in_that_works(client):
    demo = build_demo_program(now=DEMO_NOW, history=False)

    assert sorted(role for _username, role, _agency in demo.logins) == sorted(
        role.label for role in Role
    )
    for username, _role, _agency in demo.logins:
        response = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        assert response.status_code == 302, username
        home = client.get("/")
        assert home.status_code == 200
        client.post("/logout/")


def test_every_agency_kind_is_in_the_program():
    demo = build_demo_program(now=DEMO_NOW, history=False)

    kinds = set(demo.program.agencies.values_list("kind", flat=True))

    assert kinds == set(Agency.Kind.values)


def test_building_twice_keeps_the_first_program():
    build_demo_program(now=DEMO_NOW, history=False)
    count = User.objects.count()

    again = build_demo_program(now=DEMO_NOW, history=False)

    assert not again.created
    assert User.objects.count() == count


def test_staff_are_named_by_role_and_number_never_invented_names():
    build_demo_program(now=DEMO_NOW, history=False)

    for user in User.objects.all():
        label = user.full_name.removeprefix("Demo ").rstrip("0123456789 ")
        assert label in set(Role.labels), user.full_name


def test_every_user_creation_is_audited_and_the_chain_holds():
    build_demo_program(now=DEMO_NOW, history=False)

    created = AuditEntry.objects.filter(action=accounts_events.USER_CREATED).count()
    assert created == User.objects.count()
    assert verify_chain().ok


def test_the_demo_shows_an_officer_and_a_clinician_different_parts_of_one_person():
    from coresponder.people.access import view_person

    build_demo_program(now=DEMO_NOW, history=False)
    alpha = Person.objects.get(names__family="Alpha")

    officer = view_person(User.objects.get(username="officer"), alpha.pk, channel="test")
    clinician = view_person(User.objects.get(username="clinician"), alpha.pk, channel="test")
    partner = view_person(User.objects.get(username="partner"), alpha.pk, channel="test")

    assert set(officer.sections) == {"operational", "public_safety"}
    assert set(clinician.sections) == {
        "operational",
        "public_safety",
        "clinical",
        "sud_part2",
        "care_coordination",
    }
    assert set(partner.sections) == {"operational", "sud_part2", "care_coordination"}


def test_the_demo_has_consents_in_every_state_and_a_pending_review():
    from coresponder.privacy.models import BreakGlassGrant, Consent

    build_demo_program(now=DEMO_NOW, history=False)

    states = {consent.state() for consent in Consent.objects.all()}
    kinds = set(Consent.objects.values_list("kind", flat=True))
    assert states == {"in_force", "revoked", "expired"}
    assert kinds == {"general", "part2"}
    assert BreakGlassGrant.objects.filter(reviewed_at__isnull=True).count() == 1


def test_the_demo_has_a_working_desk_and_a_realistic_day_of_calls():
    from coresponder.calls.models import Call
    from coresponder.dispatch.models import Team
    from coresponder.dispatch.teams import on_duty, team_of

    demo = build_demo_program(now=DEMO_NOW, history=False)
    program = demo.program
    now = timezone.now()
    assert on_duty(program, now).count() >= 2
    assert_a_realistic_day(program, now)
    # The officer's team is on a call now, which the field view shows.
    officer = User.objects.get(username="officer")
    team = team_of(officer)
    assert team is not None
    assert team.call_id is not None
    assert Team.objects.filter(program=program, call__isnull=False).count() >= 1
    assert Call.objects.of_program(program).open().exists()
    # Earlier calls are history: closed, each with its team's status events.
    closed = Call.objects.of_program(program).filter(state="closed").first()
    assert closed.status_events.filter(to_status="on_scene").exists()
    assert verify_chain().ok


def calls_dispatched(program) -> dict:
    """Each call a team was sent to, with the statuses its team went through."""
    from coresponder.dispatch.models import StatusEvent

    statuses: dict = {}
    for call_id, status in StatusEvent.objects.filter(call__program=program).values_list(
        "call_id", "to_status"
    ):
        statuses.setdefault(call_id, set()).add(status)
    return {call_id: seen for call_id, seen in statuses.items() if "dispatched" in seen}


def test_every_dispatched_call_has_an_encounter_that_agrees_with_its_record():
    from coresponder.calls.models import Call
    from coresponder.encounters import actions
    from coresponder.encounters.dispositions import TRANSPORTS
    from coresponder.encounters.models import Encounter

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program
    dispatched = calls_dispatched(program)

    # when
    encounters = {
        e.call_id: e
        for e in Encounter.objects.filter(program=program)
        .select_related("call", "program")
        .prefetch_related("sections", "assessments")
    }

    # then every call a team went to has its encounter, and only those
    assert set(encounters) == set(dispatched)
    assert not Encounter.objects.filter(call__state="resolved_by_phone").exists()
    states = dict(Call.objects.filter(pk__in=dispatched).values_list("pk", "state"))
    complete = [e for e in encounters.values() if e.state == "complete"]
    assert len(complete) >= 30
    for call_id, encounter in encounters.items():
        if states[call_id] == "dispatched":  # the last hour's calls: work in progress
            assert (encounter.state, encounter.disposition) == ("draft", ""), call_id
        else:
            assert states[call_id] == "closed"
            assert encounter.state == "complete", call_id
            assert encounter.created_at < encounter.completed_at  # written at past times
    # and each complete one passes the disposition's checks against the rest of its record
    for encounter in complete:
        as_recorded = actions.DispositionIn(
            disposition=encounter.disposition,
            destination=encounter.destination,
            legal_basis=encounter.legal_basis,
            hold_criteria=list(encounter.hold_criteria),
            interventions=list(encounter.interventions),
        )
        assert actions.problems_with_disposition(encounter, as_recorded) == {}, encounter.pk
        transported = "transporting" in dispatched[encounter.call_id]
        assert transported == (encounter.disposition in TRANSPORTS), encounter.disposition
        sections = {s.kind: s for s in encounter.sections.all()}
        assert all(s.state == "signed" and s.signed_at for s in sections.values())
        if encounter.disposition == "unable_to_locate":
            assert set(sections) <= {"safety"}
            assert not encounter.assessments.all()
        else:
            assert "clinical" in sections
        if encounter.disposition in ("arrest", "citation"):
            assert sections["safety"].content["charges"]
        if encounter.disposition == "emergency_hold":
            assert encounter.legal_basis
            assert encounter.hold_criteria
        if encounter.disposition == "referred_voluntary":
            assert encounter.destination.startswith("Demo ")


def test_the_outcomes_are_those_of_a_co_responder_program():
    from coresponder.encounters import instruments
    from coresponder.encounters.dispositions import Disposition
    from coresponder.encounters.models import Assessment, Encounter

    program = build_demo_program(now=DEMO_NOW, history=False).program
    complete = Encounter.objects.filter(program=program, state="complete")

    # The mix of dispositions, against the published figures (COAST: 40% / 33% / 3%).
    mix = Counter(complete.values_list("disposition", flat=True))
    total = sum(mix.values())
    share = {d: mix[d] / total for d in Disposition}
    assert set(mix) == set(Disposition)  # every outcome has an example
    assert 0.25 <= share["resolved_on_scene"] <= 0.55
    assert 0.20 <= share["referred_voluntary"] + share["transported_voluntary"] <= 0.45
    assert 0 < share["citation"] + share["arrest"] < 0.10
    # Screens: the stored level is the instrument's score of the stored answers.
    screens = list(
        Assessment.objects.filter(
            encounter__program=program, instrument__key="cssrs-screener"
        ).select_related("instrument")
    )
    parsed = screens[0].instrument.parsed()
    for screen in screens:
        result = instruments.score(parsed, screen.answers)
        assert (screen.level, screen.label) == (result.level, result.label), screen.answers
        if screen.complete:
            assert instruments.problems_with(parsed, screen.answers) == {}
    screened = {s.encounter_id: s.level for s in screens if s.complete}
    assert set(screened.values()) == {"none", "low", "moderate", "high"}
    # Most people found on a call about suicide or self-harm were screened.
    about_suicide = [
        e.pk
        for e in complete.exclude(disposition="unable_to_locate").select_related("call")
        if {"suicidal", "self_harm"} & set(e.call.concerns)
    ]
    assert sum(pk in screened for pk in about_suicide) >= 0.5 * len(about_suicide)
    plans = Assessment.objects.filter(
        encounter__program=program, instrument__key="stanley-brown-safety-plan"
    ).select_related("encounter")
    assert plans.exists()
    assert all("safety_planning" in plan.encounter.interventions for plan in plans)


def test_the_team_on_scene_has_a_draft_encounter_in_progress():
    from coresponder.dispatch.teams import team_of
    from coresponder.encounters import events
    from coresponder.encounters.models import Encounter

    build_demo_program(now=DEMO_NOW, history=False)
    officer = User.objects.get(username="officer")

    team = team_of(officer)
    encounter = Encounter.objects.get(call=team.call)
    assert (encounter.state, encounter.disposition) == ("draft", "")
    sections = {s.kind: s for s in encounter.sections.all()}
    assert {"safety", "clinical"} <= set(sections)
    assert all(s.state == "draft" for s in sections.values())
    assert sections["safety"].written_by == officer
    assert sections["clinical"].written_by.username == "clinician"
    assert "plan" not in sections["clinical"].content  # still being written
    # Written through the actions: each save is in the audit log, and the chain holds.
    saved = AuditEntry.objects.filter(action=events.SECTION_SAVED)
    assert saved.filter(actor_id=officer.pk).exists()
    assert verify_chain().ok


def test_people_in_repeated_crisis_have_response_plans_in_every_state():
    from django.utils import timezone

    from coresponder.encounters.models import ResponsePlan

    build_demo_program(now=DEMO_NOW, history=False)
    today = timezone.localdate()

    plans = list(ResponsePlan.objects.select_related("drafted_by", "approved_by"))
    approved = [p for p in plans if p.state == "approved"]
    assert len([p for p in approved if not p.is_expired(today)]) == 2
    assert len([p for p in approved if p.is_expired(today)]) == 1
    assert len([p for p in plans if p.state == "draft"]) == 1
    assert len([p for p in plans if p.state == "superseded"]) == 1
    assert len({p.person_id for p in plans}) == 4
    for plan in approved:
        assert plan.drafted_by.username == "clinician"
        assert plan.approved_by.username == "supervisor"
    for plan in plans:
        for contact in plan.contacts:
            assert re.fullmatch(r"555-01\d\d", contact["phone"]), contact
    # Planned for the people called about most.
    calls_of = Counter(Person.objects.filter(calls__isnull=False).values_list("pk", flat=True))
    planned = {p.person_id for p in plans}
    assert min(calls_of[p] for p in planned) >= max(
        (n for p, n in calls_of.items() if p not in planned), default=0
    )


def test_the_directory_has_every_kind_of_service_each_placed_in_the_county_with_hours():
    from coresponder.demo.calls import BOUNDARY
    from coresponder.referrals.models import Service, ServiceKind

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program

    # when
    services = list(
        Service.objects.filter(program=program).prefetch_related(
            "service_at_locations__location", "schedules", "languages"
        )
    )

    # then every kind is offered, by about fifty services
    assert 40 <= len(services) <= 60
    assert {s.kind for s in services} == set(ServiceKind.values)
    assert all(s.name.startswith("Demo ") for s in services)
    lats = [lat for lat, _lon in BOUNDARY]
    lons = [lon for _lat, lon in BOUNDARY]
    for service in services:
        places = [sal.location for sal in service.service_at_locations.all()]
        assert places, service.name
        for place in places:
            assert place.location_type == "physical"
            assert min(lats) <= place.latitude <= max(lats), place.name
            assert min(lons) <= place.longitude <= max(lons), place.name
            assert inside(BOUNDARY, float(place.latitude), float(place.longitude)), place.name
        schedules = list(service.schedules.all())
        assert schedules, service.name
        for schedule in schedules:
            assert schedule.freq in {"WEEKLY", "MONTHLY"}
            assert schedule.byday
            assert schedule.opens_at < schedule.closes_at
        assert service.languages.all(), service.name
    # crisis units and detox are open around the clock, every day
    by_name = {s.name: s for s in services}
    for name in ("Demo County Crisis Stabilization Unit", "Demo Withdrawal Management Center"):
        (always,) = by_name[name].schedules.all()
        assert always.byday == "MO,TU,WE,TH,FR,SA,SU"
        assert (always.opens_at.isoformat(), always.closes_at.isoformat()) == (
            "00:00:00",
            "23:59:00",
        )
    codes = {lang.code for s in services for lang in s.languages.all()}
    assert codes == {"en", "es", "vi", "ase"}
    # and eligibility is structured where it narrows who may come
    assert any(s.veterans for s in services)
    assert any(s.sex == "female" and s.kind == "shelter_housing" for s in services)
    assert any((s.minimum_age, s.maximum_age) == (12, 17) for s in services)
    assert any((s.minimum_age, s.maximum_age) == (12, 24) for s in services)


def inside(polygon, lat: float, lon: float) -> bool:
    """Ray casting: whether the point is inside the polygon of [lat, lon] corners."""
    crossings = 0
    for (lat1, lon1), (lat2, lon2) in zip(polygon, polygon[1:] + polygon[:1], strict=True):
        if (lon1 > lon) != (lon2 > lon):
            at = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < at:
                crossings += 1
    return crossings % 2 == 1


def test_beds_and_same_day_slots_are_counted_and_some_services_are_full():
    from datetime import timedelta

    from django.utils import timezone

    from coresponder.referrals.models import ServiceCapacity

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program

    # when
    capacities = list(
        ServiceCapacity.objects.filter(program=program).select_related("service", "unit")
    )

    # then
    units = {(c.service.kind, c.unit.name) for c in capacities}
    for kind in ("crisis_stabilization", "detox", "inpatient_psychiatric", "shelter_housing"):
        assert (kind, "Beds") in units, kind
    for kind in ("outpatient_therapy", "substance_use_treatment", "youth_counseling"):
        assert (kind, "Same-day slots") in units, kind
    assert all(c.unit.name != "Beds" for c in capacities if c.service.kind == "outpatient_therapy")
    full = [c for c in capacities if c.available == 0]
    assert 3 <= len(full) < len(capacities) / 2
    assert all(c.maximum and 0 <= c.available <= c.maximum for c in capacities)
    now = timezone.now()
    assert all(now - timedelta(hours=5) < c.updated <= now for c in capacities)


def test_the_demo_directory_is_valid_hsds_3_and_round_trips(tmp_path):
    from coresponder.referrals.actions import export_hsds_package, import_hsds_package

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program
    other = Program.objects.create(name="Neighbouring County Program", slug="neighbouring")

    # when
    exported = export_hsds_package(tmp_path / "demo", program=program)
    report = import_hsds_package(tmp_path / "demo", program=other)

    # then every row is accepted, with no warning, and comes back field by field
    assert report.warnings == []
    assert sum(report.updated.values()) == 0
    assert report.created == exported.rows
    assert exported.rows["service"] == len(directory_picture(program)["service"])
    assert directory_picture(other) == directory_picture(program)


def test_the_services_the_encounters_name_are_in_the_directory():
    from coresponder.demo.directory import destination_names
    from coresponder.demo.encounters import DEFAULT_REFERRALS, REFERRALS
    from coresponder.encounters.models import Encounter
    from coresponder.referrals.models import Service

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program
    names = set(Service.objects.filter(program=program).values_list("name", flat=True))

    # then every named destination and referral is a service of the directory
    referrals = {name for group in REFERRALS.values() for name in group} | set(DEFAULT_REFERRALS)
    assert referrals <= set(destination_names())
    assert set(destination_names()) <= names
    used = set(
        Encounter.objects.filter(program=program)
        .exclude(destination="")
        .values_list("destination", flat=True)
    )
    assert used - names == {"Demo County Detention Center"} & used  # a jail is no service


def test_the_demo_has_referrals_in_every_state_of_the_loop():
    # when
    demo = build_demo_program(now=DEMO_NOW, history=False)

    # then
    states = Counter(Referral.objects.filter(program=demo.program).values_list("state", flat=True))
    assert set(states) == {state.value for state in State}
    # The waiting ones were sent through the actions, by the demo clinician and partner.
    assert Referral.objects.filter(sent_by__username="clinician", state=State.SENT).exists()
    assert ReferralEvent.objects.filter(by_user__username="partner").exists()
    scheduled = Referral.objects.get(state=State.SCHEDULED)
    assert timezone.now() < scheduled.appointment_at < timezone.now() + timedelta(days=6)
    actions = Counter(
        AuditEntry.objects.filter(action__startswith="referrals.").values_list("action", flat=True)
    )
    assert actions["referrals.partner_linked"] == 4
    assert actions["referrals.referral_sent"] == 4
    assert actions["referrals.referral_moved"] == 5
    assert actions["referrals.information_given"] == 1


def test_every_demo_referral_is_a_legal_walk_of_the_loop_ending_in_its_state():
    build_demo_program(now=DEMO_NOW, history=False)

    for referral in Referral.objects.prefetch_related("events"):
        events = list(referral.events.order_by("at", "id"))
        first, moves = events[0], events[1:]
        assert first.from_state == ""
        assert first.to_state == (
            State.INFORMATION_GIVEN
            if referral.kind == Referral.Kind.INFORMATION_GIVEN
            else State.SENT
        )
        current = State(first.to_state)
        for event in moves:
            assert event.from_state == current
            check_move(current, State(event.to_state))
            current = State(event.to_state)
        assert current == referral.state
        assert events[-1].at == referral.moved_at
        assert first.at == referral.sent_at
        assert all(event.at <= timezone.now() for event in events)


def test_no_demo_referral_holds_details_of_a_person_who_did_not_consent():
    build_demo_program(now=DEMO_NOW, history=False)

    detailed = Referral.objects.exclude(need="", contact="").select_related("agency")
    assert detailed.count() == Referral.objects.filter(kind=Referral.Kind.REFERRAL).count()
    for referral in detailed:
        circumstances = agency_circumstances(referral.agency, [referral.person_id])
        decision = decide(
            agency_requester(referral.agency),
            DataClass.CARE_COORDINATION,
            Action.READ,
            circumstances[referral.person_id],
        )
        assert decision, referral
    told = Referral.objects.filter(kind=Referral.Kind.INFORMATION_GIVEN)
    assert told.exists()
    assert not told.exclude(need="", contact="", agency=None).exists()


def test_the_demo_partner_sees_only_its_agencys_referrals():
    # given
    build_demo_program(now=DEMO_NOW, history=False)
    partner = User.objects.get(username="partner")

    # when
    shown = referrals_for_partner(Principal(user=partner), channel="api:referrals")

    # then
    expected = Referral.objects.filter(agency=partner.agency, kind=Referral.Kind.REFERRAL)
    assert sorted(str(view.id) for view in shown) == sorted(
        str(pk) for pk in expected.values_list("pk", flat=True)
    )
    assert expected.count() == Referral.objects.filter(kind=Referral.Kind.REFERRAL).count()
    assert {view.state for view in shown} == {state.value for state in State} - {
        State.INFORMATION_GIVEN.value
    }


def test_the_demo_has_cases_in_every_status_on_a_worklist_with_every_group():
    from coresponder.cases import access
    from coresponder.cases.models import (
        Case,
        CaseStatus,
        CloseReason,
        ContactAttempt,
        ContactOutcome,
        Goal,
        GoalStatus,
        OpenedBecause,
        SafetyPlanRevision,
    )

    # given
    program = build_demo_program(now=DEMO_NOW, history=False).program
    casemanager = User.objects.get(username="casemanager")
    supervisor = User.objects.get(username="supervisor")

    # when
    worklist = access.worklist(casemanager, channel="test")
    queue = access.worklist(supervisor, channel="test")

    # then every status, several reasons for closing
    cases = Case.objects.filter(program=program)
    assert set(cases.values_list("status", flat=True)) == set(CaseStatus.values)
    reasons = set(cases.filter(status="closed").values_list("close_reason", flat=True))
    assert {CloseReason.GOALS_MET, CloseReason.CONNECTED, CloseReason.DECLINED} <= reasons
    assert set(cases.values_list("opened_because", flat=True)) == set(OpenedBecause.values)
    # assigned to the demo case managers, and some waiting in the queue
    assert cases.filter(case_manager=casemanager, status__in=["open", "active"]).exists()
    assert cases.exclude(case_manager=casemanager).filter(case_manager__isnull=False).exists()
    assert cases.filter(case_manager__isnull=True, status="open").count() >= 2
    # every contact outcome, both flags, goals in every state, a revised safety plan
    outcomes = ContactAttempt.objects.filter(case__program=program)
    assert set(outcomes.values_list("outcome", flat=True)) == set(ContactOutcome.values)
    assert cases.filter(unreached_at__isnull=False, status="open").exists()
    assert cases.filter(repeat_crisis_at__isnull=False).count() >= 2
    goals = Goal.objects.filter(case__program=program)
    assert set(goals.values_list("status", flat=True)) == set(GoalStatus.values)
    assert SafetyPlanRevision.objects.filter(number=2).count() >= 1
    # and the case manager's worklist has something in every group
    assert all(worklist.counts[group] > 0 for group in access.GROUPS), worklist.counts
    assert worklist.total == len(worklist.rows)
    assert queue.counts["new"] > 0
