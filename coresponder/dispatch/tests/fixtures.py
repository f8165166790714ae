"""A desk and two on-duty teams in a small service area, made through the real actions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import timezone

from coresponder.accounts.models import Role, TrainingRecord
from coresponder.calls import actions as calls
from coresponder.dispatch import actions as dispatch
from coresponder.dispatch.models import MemberRole, ServiceArea

# Two bases a few kilometres apart in a city grid; calls are placed near one or the other.
NORTH_BASE = (39.7640, -104.9950)
SOUTH_BASE = (39.7090, -104.9870)
NEAR_NORTH = (39.7600, -104.9900)
_numbers = itertools.count(1)


@pytest.fixture
def desk(make_user):
    return make_user(Role.DISPATCHER)


@pytest.fixture
def service_area(program):
    return ServiceArea.objects.create(
        program=program,
        name="Test service area",
        boundary=[[39.78, -105.02], [39.78, -104.96], [39.69, -104.96], [39.69, -105.02]],
    )


def _certify(user, course: str, *, expires: date, by) -> None:
    TrainingRecord.objects.create(
        user=user,
        course=course,
        completed_on=expires - timedelta(days=700),
        expires_on=expires,
        provider="Test academy",
        recorded_by=by,
    )


@pytest.fixture
def make_team(program, agencies, make_user, service_area):
    """A team of an officer and a clinician (CIT and licence current), on shift now."""

    def make(
        name: str | None = None,
        *,
        base=NORTH_BASE,
        languages=(),
        specialities=(),
        emt: bool = False,
        cit: bool = True,
        on_shift: bool = True,
    ):
        number = next(_numbers)
        officer, clinician = make_user(Role.OFFICER), make_user(Role.CLINICIAN)
        for user in (officer, clinician):
            user.email = f"{user.username}@example.org"
            user.save(update_fields=["email"])
        far = timezone.localdate() + timedelta(days=365)
        if cit:
            _certify(officer, "cit_40", expires=far, by=officer)
        _certify(clinician, "clinical_licence", expires=far, by=clinician)
        members = [(officer, MemberRole.OFFICER), (clinician, MemberRole.CLINICIAN)]
        if emt:
            members.append((make_user(Role.EMT), MemberRole.EMT))
        team = dispatch.create_team(
            program,
            name=name or f"Team {number}",
            agency=agencies["law_enforcement"],
            base_latitude=base[0],
            base_longitude=base[1],
            service_area=service_area,
            languages=languages,
            specialities=specialities,
            members=members,
            acting_user=None,
        )
        if on_shift:
            now = timezone.now()
            dispatch.add_shift(
                team,
                starts_at=now - timedelta(hours=2),
                ends_at=now + timedelta(hours=8),
                acting_user=None,
            )
        team.officer, team.clinician = officer, clinician
        return team

    return make


@pytest.fixture
def take_call(desk):
    """Takes a call at the desk; keyword arguments go into `CallIn`."""

    def take(**fields):
        fields.setdefault("source", "911")
        fields.setdefault("concerns", ["suicidal"])
        fields.setdefault("address", "1400 Test Street")
        fields.setdefault("latitude", NEAR_NORTH[0])
        fields.setdefault("longitude", NEAR_NORTH[1])
        by = fields.pop("by", None) or desk
        return calls.take_call(calls.CallIn(**fields), acting_user=by)

    return take


@pytest.fixture
def stranger(db):
    """A dispatcher of another program, who must find nothing of this one."""
    from coresponder.accounts import actions as accounts
    from coresponder.accounts.models import Agency, Program
    from coresponder.testing.fixtures import PASSWORD

    other = Program.objects.create(name="Other program", slug="other")
    agency = Agency.objects.create(program=other, name="Other police", kind="law_enforcement")
    return accounts.create_user(
        username="other-desk",
        full_name="Dispatcher 99",
        agency=agency,
        roles=[Role.DISPATCHER],
        password=PASSWORD,
        acting_user=None,
    )
