"""Programs, agencies and users for tests, made through the real actions."""

from __future__ import annotations

import itertools

import pytest

from coresponder.accounts import actions
from coresponder.accounts.models import Agency, Program, Role, User

PASSWORD = "correct-horse-battery-staple"
_numbers = itertools.count(1)


@pytest.fixture
def program(db) -> Program:
    return Program.objects.create(name="Test County Co-Responder Program", slug="test-county")


@pytest.fixture
def agencies(program) -> dict[str, Agency]:
    return {
        kind: Agency.objects.create(program=program, name=f"Test {label}", kind=kind)
        for kind, label in Agency.Kind.choices
    }


AGENCY_FOR_ROLE = {
    Role.DISPATCHER: Agency.Kind.LAW_ENFORCEMENT,
    Role.OFFICER: Agency.Kind.LAW_ENFORCEMENT,
    Role.CLINICIAN: Agency.Kind.BEHAVIORAL_HEALTH,
    Role.EMT: Agency.Kind.FIRE_EMS,
    Role.CASE_MANAGER: Agency.Kind.BEHAVIORAL_HEALTH,
    Role.PARTNER: Agency.Kind.COMMUNITY_ORGANIZATION,
    Role.SUPERVISOR: Agency.Kind.BEHAVIORAL_HEALTH,
    Role.EVALUATOR: Agency.Kind.BEHAVIORAL_HEALTH,
    Role.ADMINISTRATOR: Agency.Kind.BEHAVIORAL_HEALTH,
}


@pytest.fixture
def make_user(agencies):
    def make(
        *roles: str,
        agency: Agency | None = None,
        password: str = PASSWORD,
        username: str | None = None,
    ) -> User:
        roles = roles or (Role.CLINICIAN,)
        agency = agency or agencies[AGENCY_FOR_ROLE[roles[0]]]
        number = next(_numbers)
        return actions.create_user(
            username=username or f"{roles[0]}{number}",
            full_name=f"{Role(roles[0]).label} {number}",
            agency=agency,
            roles=roles,
            password=password,
            acting_user=None,
        )

    return make


@pytest.fixture
def admin_user(make_user) -> User:
    return make_user(Role.ADMINISTRATOR)


@pytest.fixture
def sign_in(client):
    """Signs a user in through the real log-in page."""

    def do(user: User, password: str = PASSWORD):
        response = client.post("/login/", {"username": user.username, "password": password})
        assert response.status_code == 302, response.content
        return client

    return do


@pytest.fixture(autouse=True)
def _forget_what_dispatch_read():
    """Each test starts with no team facts kept from another test's rolled-back program."""
    from coresponder.dispatch import teams

    teams.forget()
