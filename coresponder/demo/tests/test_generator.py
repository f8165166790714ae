from __future__ import annotations

import pytest
from django.core.management import call_command

from coresponder.accounts.models import Agency, Program, Role, User
from coresponder.demo.generator import DEMO_PASSWORD, ROLE_LOGINS, build_demo_program
from coresponder.privacy.audit import verify_chain

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple]:
    return sorted(
        (user.username, user.full_name, user.agency.name, tuple(sorted(user.roles)))
        for user in User.objects.all()
    )


def remove_demo_program() -> None:
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


def test_every_user_creation_is_audited():
    build_demo_program()

    assert verify_chain().entries == User.objects.count()


def test_the_demo_command_prints_a_log_in_for_every_role(capsys):
    call_command("demo", "--no-serve")

    out = capsys.readouterr().out
    for username, _role, _agency, _title in ROLE_LOGINS:
        assert f"  {username} " in out
    assert DEMO_PASSWORD in out
