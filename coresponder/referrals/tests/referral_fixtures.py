"""A partner organisation in the directory, its agency's users and token, and a team on
scene with a person to refer. Directory rows are made directly (they describe services);
everything about people goes through the real actions."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from coresponder.accounts.actions import create_api_token
from coresponder.accounts.models import Agency, Role
from coresponder.referrals import actions
from coresponder.referrals.models import Organization, Service

NEED = "Needs a same-day crisis bed; sleeping rough since Tuesday"
CONTACT = "Mobile 555-0142, mornings; prefers text"


@dataclass
class Partner:
    agency: object
    organization: object
    service: object
    user: object
    token: str

    def client(self) -> Client:
        """A client with no session, sending the agency's token."""
        return Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")


def _directory_entry(program, key: str, name: str):
    organization = Organization.objects.create(
        program=program, hsds_id=f"org-{key}", name=name, description=f"{name}, a partner"
    )
    service = Service.objects.create(
        program=program,
        hsds_id=f"svc-{key}",
        organization=organization,
        name=f"{name} crisis beds",
        status=Service.Status.ACTIVE,
        kind=Service.Kind.CRISIS_STABILIZATION,
    )
    return organization, service


@pytest.fixture
def make_partner(program, make_user, admin_user):
    def make(key: str, name: str, agency: Agency | None = None) -> Partner:
        agency = agency or Agency.objects.create(
            program=program, name=f"{name} (agency)", kind=Agency.Kind.COMMUNITY_ORGANIZATION
        )
        organization, service = _directory_entry(program, key, name)
        actions.link_partner(organization, agency=agency, acting_user=admin_user)
        user = make_user(Role.PARTNER, agency=agency)
        token = create_api_token(agency=agency, name=f"{name} system", acting_user=None).secret
        return Partner(agency, organization, service, user, token)

    return make


@pytest.fixture
def harbor(make_partner):
    return make_partner("harbor", "Harbor House")


@pytest.fixture
def elsewhere(make_partner):
    """Another partner agency of the same program, with its own service."""
    return make_partner("elm", "Elm Street Services")


@pytest.fixture
def scene(on_scene):
    return on_scene()


def send_json(client, method: str, url: str, body=None):
    return getattr(client, method)(url, body or {}, content_type="application/json")
