from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from freezegun import freeze_time

from coresponder.accounts import events as accounts_events
from coresponder.accounts.models import Agency, Program, Role, User
from coresponder.demo.generator import DEMO_PASSWORD, ROLE_LOGINS, build_demo_program
from coresponder.people.models import Person
from coresponder.privacy.audit import verify_chain
from coresponder.privacy.classification import DataClass
from coresponder.privacy.models import AuditEntry
from coresponder.privacy.policy import Action, decide
from coresponder.referrals.access import (
    Principal,
    agency_circumstances,
    agency_requester,
    referrals_for_partner,
)
from coresponder.referrals.loop import State, check_move
from coresponder.referrals.models import MODELS as DIRECTORY_MODELS
from coresponder.referrals.models import Referral, ReferralEvent

pytestmark = pytest.mark.django_db

# These tests look at the demo's day and build it without the year before it
# (`history=False`); the demo command, and so its tests here, build the year too.
# test_history.py looks at the year.
#
# The demo is built at a fixed reference time with the clock frozen there (the actions it
# calls stamp their own times), so nothing here depends on when the suite runs; and
# `test_the_demo_keeps_its_promises_at_any_hour` builds it at hours and days chosen to
# break a demo that sampled its way to what it shows.
DEMO_NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def demo_clock():
    with freeze_time(DEMO_NOW, tick=True) as clock:
        yield clock


def snapshot() -> list[tuple]:
    return sorted(
        (user.username, user.full_name, user.agency.name, tuple(sorted(user.roles)))
        for user in User.objects.all()
    )


def remove_demo_program() -> None:
    from coresponder.accounts.models import TrainingRecord
    from coresponder.calls.models import Call, CallSequence, TriageRuleSet
    from coresponder.cases.models import Case, SafetyPlanRevision
    from coresponder.dispatch.models import Notification, ServiceArea, StatusEvent, Team
    from coresponder.encounters.models import Encounter, ResponsePlan
    from coresponder.referrals.models import PartnerLink, Referral

    for model in (Case, SafetyPlanRevision, Referral, PartnerLink):
        model.objects.all().delete()
    for model in (Encounter, ResponsePlan):
        model.objects.all().delete()
    for model in (StatusEvent, Notification, Team, ServiceArea, TrainingRecord):
        model.objects.all().delete()
    for model in (Call, CallSequence, TriageRuleSet):
        model.objects.all().delete()
    Person.objects.all().delete()
    for model in reversed(DIRECTORY_MODELS.values()):
        model.objects.all().delete()
    User.objects.all().delete()
    Agency.objects.all().delete()
    Program.objects.all().delete()


def test_the_same_seed_builds_the_same_program():
    # given
    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = snapshot()

    # when the program is removed and built again
    remove_demo_program()
    build_demo_program(now=DEMO_NOW, seed=7, history=False)

    # then
    assert snapshot() == first


def test_another_seed_builds_another_roster():
    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = snapshot()
    remove_demo_program()

    build_demo_program(now=DEMO_NOW, seed=8, history=False)

    assert snapshot() != first


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


def test_the_demo_command_prints_log_ins_and_what_it_built_in_figures(capsys):
    # One run of the whole command (a year of history included) for every line it prints.
    from coresponder.analytics.models import CallFact
    from coresponder.referrals.models import Location, Service, ServiceCapacity

    call_command("demo", "--no-serve")

    out = capsys.readouterr().out
    for username, _role, _agency, _title in ROLE_LOGINS:
        assert f"  {username} " in out
    assert DEMO_PASSWORD in out
    # What was built, in figures: calls, encounters, plans.
    assert re.search(r"\d+ calls, \d+ encounters \(\d+ complete, \d+ in progress\)", out)
    assert "response plans: 2 approved, 1 past review, 1 draft." in out
    assert re.search(r"referrals: \d+ \(\d+ sent, .*, \d+ information given\)", out)
    services = Service.objects.count()
    locations = Location.objects.count()
    full = ServiceCapacity.objects.filter(available=0).count()
    assert f"directory: {services} services at {locations} locations, {full} full" in out
    assert services >= 40
    assert re.search(
        r"cases: \d+ \(\d+ open, \d+ active, \d+ on hold, \d+ closed\), \d+ waiting in the "
        r"queue, \d+ repeat crises, \d+ unreached; tasks: \d+ overdue, \d+ due today; "
        r"\d+ contacts\.",
        out,
    ), out
    assert re.search(r"history: \d+ calls from ", out)
    facts = CallFact.objects.count()
    assert facts > 2000
    assert f"outcomes: {facts:,} calls in the KPI facts" in out


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


def assert_a_realistic_day(program, now) -> None:
    """Busy evenings, quiet small hours, suicidal thoughts the leading concern: what the
    demo's day holds by construction, whatever the hour it was built."""
    from zoneinfo import ZoneInfo

    from coresponder.calls.models import Call

    calls = list(Call.objects.of_program(program))
    assert 50 <= len(calls) <= 100
    assert all(now - timedelta(hours=24) <= call.received_at < now for call in calls)
    zone = ZoneInfo(program.time_zone)
    hours = Counter(call.received_at.astimezone(zone).hour for call in calls)
    evening = sum(hours[h] for h in range(16, 22))
    small_hours = sum(hours[h] for h in range(0, 6))
    assert evening > 2 * small_hours, hours
    concerns = Counter(c for call in calls for c in call.concerns)
    assert concerns.most_common(1)[0][0] == "suicidal", concerns


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


def directory_picture(program) -> dict[str, dict[str, dict]]:
    """Every field of every directory row, links as the HSDS ids they name."""
    skipped = {"id", "program", "created_at", "updated_at"}
    picture = {}
    for table, model in DIRECTORY_MODELS.items():
        fields = [f for f in model._meta.concrete_fields if f.name not in skipped]
        names = [f"{f.name}__hsds_id" if f.is_relation else f.name for f in fields]
        rows = model.objects.filter(program=program).values(*names)
        picture[table] = {row["hsds_id"]: row for row in rows}
    return picture


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


def test_the_same_seed_builds_the_same_directory():
    from coresponder.referrals.models import ServiceCapacity

    build_demo_program(now=DEMO_NOW, seed=7, history=False)
    first = directory_picture(Program.objects.get())
    remove_demo_program()

    build_demo_program(now=DEMO_NOW, seed=7, history=False)

    again = directory_picture(Program.objects.get())
    for picture in (first, again):  # the times free places were counted follow the clock
        for row in picture["service_capacity"].values():
            row.pop("updated")
    assert again == first
    assert ServiceCapacity.objects.filter(available=0).count() >= 3


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


# Hours and days that a demo sampling its way to what it shows would trip on: the quietest
# hour, shift changes, local midnight, the last minute of a year, and both daylight-saving
# changes in the program's zone (America/Denver), each with another seed.
ANY_HOUR = [
    ("2026-06-10T09:00:00+00:00", 2026),  # 03:00, the quietest hour
    ("2026-06-10T13:00:00+00:00", 7),  # 07:00, night shift hands over to day
    ("2026-06-10T20:00:00+00:00", 8),  # 14:00, swing shift comes on
    ("2026-06-11T04:00:00+00:00", 2026),  # 22:00, night shift comes on
    ("2026-06-11T06:00:00+00:00", 9),  # local midnight
    ("2027-01-01T06:59:00+00:00", 2026),  # 23:59 on 31 December
    ("2026-03-08T09:30:00+00:00", 11),  # 03:30, the morning clocks went forward
    ("2026-11-01T08:30:00+00:00", 12),  # the second 01:30, the night clocks went back
    # Two of the seven in forty times of a day at which the demo, when it drew its way to
    # its referrals, had none left waiting in "sent" (04:36 and 15:42).
    ("2026-06-10T10:36:00+00:00", 2026),
    ("2026-06-10T21:42:00+00:00", 2026),
]


@pytest.mark.slow
@pytest.mark.parametrize(("at", "seed"), ANY_HOUR)
def test_the_demo_keeps_its_promises_at_any_hour(at, seed, demo_clock):
    from coresponder.calls.models import Call
    from coresponder.dispatch.teams import on_duty, team_of
    from coresponder.encounters.models import Encounter, ResponsePlan
    from coresponder.privacy.models import BreakGlassGrant, Consent

    # given the clock at that hour
    now = datetime.fromisoformat(at)
    demo_clock.move_to(now)

    # when
    program = build_demo_program(now=now, seed=seed, history=False).program

    # then the desk works: teams on duty, the demo log-ins' team on scene, calls in hand
    assert on_duty(program, now).count() >= 2
    team = team_of(User.objects.get(username="officer"))
    assert team.call_id is not None
    encounter = Encounter.objects.get(call=team.call)
    assert (encounter.state, encounter.disposition) == ("draft", "")
    assert Call.objects.of_program(program).open().count() >= 2
    assert_a_realistic_day(program, now)
    # every state of the referral loop, the waiting ones sent by the demo clinician
    states = Counter(Referral.objects.filter(program=program).values_list("state", flat=True))
    assert set(states) == {state.value for state in State}
    assert Referral.objects.filter(sent_by__username="clinician", state=State.SENT).exists()
    scheduled = Referral.objects.get(state=State.SCHEDULED)
    assert now < scheduled.appointment_at < now + timedelta(days=6)
    partner = User.objects.get(username="partner")
    shown = referrals_for_partner(Principal(user=partner), channel="test")
    assert {view.state for view in shown} == {s.value for s in State} - {State.INFORMATION_GIVEN}
    # consents in every state, a break-the-glass access to review, plans in every state
    assert {consent.state() for consent in Consent.objects.all()} == {
        "in_force",
        "revoked",
        "expired",
    }
    assert BreakGlassGrant.objects.filter(reviewed_at__isnull=True).count() == 1
    plans = Counter(ResponsePlan.objects.values_list("state", flat=True))
    assert (plans["approved"], plans["draft"], plans["superseded"]) == (3, 1, 1)
    assert verify_chain().ok
