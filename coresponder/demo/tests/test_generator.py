from __future__ import annotations

import pytest
from django.core.management import call_command

from coresponder.accounts import events as accounts_events
from coresponder.accounts.models import Agency, Program, Role, User
from coresponder.demo.generator import DEMO_PASSWORD, ROLE_LOGINS, build_demo_program
from coresponder.people.models import Person
from coresponder.privacy.audit import verify_chain
from coresponder.privacy.models import AuditEntry

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return sorted(
        (user.username, user.full_name, user.agency.name, tuple(sorted(user.roles)))
        for user in User.objects.all()
    )


def remove_demo_program() -> None:
    from coresponder.accounts.models import TrainingRecord
    from coresponder.calls.models import Call, CallSequence, TriageRuleSet
    from coresponder.dispatch.models import Notification, ServiceArea, StatusEvent, Team

    for model in (StatusEvent, Notification, Team, ServiceArea, TrainingRecord):
        model.objects.all().delete()
    for model in (Call, CallSequence, TriageRuleSet):
        model.objects.all().delete()
    Person.objects.all().delete()
    User.objects.all().delete()
    Agency.objects.all().delete()
    Program.objects.all().delete()


def test_the_same_seed_builds_the_same_program():
    # given
    build_demo_program(seed=7)
    first = snapshot()

    # when the program is removed and built again
    remove_demo_program()
    build_demo_program(seed=7)

    # then
    assert snapshot() == first


def test_another_seed_builds_another_roster():
    build_demo_program(seed=7)
    first = snapshot()
    remove_demo_program()

    build_demo_program(seed=8)

    assert snapshot() != first


def test_every_role_has_a_log_in_that_works(client):
    demo = build_demo_program()

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
    demo = build_demo_program()

    kinds = set(demo.program.agencies.values_list("kind", flat=True))

    assert kinds == set(Agency.Kind.values)


def test_building_twice_keeps_the_first_program():
    build_demo_program()
    count = User.objects.count()

    again = build_demo_program()

    assert not again.created
    assert User.objects.count() == count


def test_staff_are_named_by_role_and_number_never_invented_names():
    build_demo_program()

    for user in User.objects.all():
        label = user.full_name.removeprefix("Demo ").rstrip("0123456789 ")
        assert label in set(Role.labels), user.full_name


def test_every_user_creation_is_audited_and_the_chain_holds():
    build_demo_program()

    created = AuditEntry.objects.filter(action=accounts_events.USER_CREATED).count()
    assert created == User.objects.count()
    assert verify_chain().ok


def test_the_demo_command_prints_a_log_in_for_every_role(capsys):
    call_command("demo", "--no-serve")

    out = capsys.readouterr().out
    for username, _role, _agency, _title in ROLE_LOGINS:
        assert f"  {username} " in out
    assert DEMO_PASSWORD in out


def test_the_demo_shows_an_officer_and_a_clinician_different_parts_of_one_person():
    from coresponder.people.access import view_person

    build_demo_program()
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

    build_demo_program()

    states = {consent.state() for consent in Consent.objects.all()}
    kinds = set(Consent.objects.values_list("kind", flat=True))
    assert states == {"in_force", "revoked", "expired"}
    assert kinds == {"general", "part2"}
    assert BreakGlassGrant.objects.filter(reviewed_at__isnull=True).count() == 1


def test_the_demo_has_a_working_desk_and_a_realistic_day_of_calls():
    from collections import Counter
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from coresponder.calls.models import Call
    from coresponder.dispatch.models import Team
    from coresponder.dispatch.teams import on_duty, team_of

    demo = build_demo_program()
    program = demo.program
    now = timezone.now()
    assert on_duty(program, now).count() >= 2
    calls = list(Call.objects.of_program(program))
    assert 50 <= len(calls) <= 100
    zone = ZoneInfo(program.time_zone)
    hours = Counter(call.received_at.astimezone(zone).hour for call in calls)
    evening = sum(hours[h] for h in range(16, 22))
    small_hours = sum(hours[h] for h in range(0, 6))
    assert evening > 2 * small_hours
    concerns = Counter(c for call in calls for c in call.concerns)
    assert concerns.most_common(1)[0][0] in {"suicidal", "depression_isolation"}
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
