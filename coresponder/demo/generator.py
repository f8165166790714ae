"""A synthetic county co-responder program, the same every time for the same seed.

Staff are named by role and number ("Officer 3"), never with invented personal names.
Later domains extend `build_demo_program` with their records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from coresponder.accounts import actions as accounts
from coresponder.accounts.models import Agency, Program, Role, User

from .calls import build_demo_dispatch
from .cases import build_demo_cases
from .directory import build_demo_directory
from .encounters import build_demo_encounters
from .history import HistorySummary, build_demo_history
from .outcomes import build_demo_outcomes
from .people import build_demo_people
from .referrals import build_demo_referrals

DEMO_PROGRAM_SLUG = "demo-county"
DEMO_PASSWORD = "demo-coresponder-2026"  # noqa: S105 - printed for the demo on purpose

Kind = Agency.Kind

AGENCIES = [
    ("Demo County Sheriff's Office", Kind.LAW_ENFORCEMENT),
    ("Demo City Police Department", Kind.LAW_ENFORCEMENT),
    ("Demo County Behavioral Health", Kind.BEHAVIORAL_HEALTH),
    ("Demo Fire & EMS", Kind.FIRE_EMS),
    ("Demo Regional Hospital", Kind.HOSPITAL),
    ("Demo Housing & Recovery Network", Kind.COMMUNITY_ORGANIZATION),
]

# The one log-in per role printed for the demo: username, role, agency, job title.
ROLE_LOGINS = [
    ("dispatcher", Role.DISPATCHER, "Demo County Sheriff's Office", "Call-taker"),
    ("officer", Role.OFFICER, "Demo City Police Department", "CIT officer"),
    ("clinician", Role.CLINICIAN, "Demo County Behavioral Health", "Crisis clinician, LCSW"),
    ("emt", Role.EMT, "Demo Fire & EMS", "Paramedic"),
    ("casemanager", Role.CASE_MANAGER, "Demo County Behavioral Health", "Case manager"),
    ("partner", Role.PARTNER, "Demo Housing & Recovery Network", "Intake coordinator"),
    ("supervisor", Role.SUPERVISOR, "Demo County Behavioral Health", "Program manager"),
    ("evaluator", Role.EVALUATOR, "Demo County Behavioral Health", "Program evaluator"),
    ("admin", Role.ADMINISTRATOR, "Demo County Behavioral Health", "Program administrator"),
]

# Further staff, counted by seed: (role, agencies they may belong to, fewest, most).
ROSTER = [
    (Role.OFFICER, ["Demo County Sheriff's Office", "Demo City Police Department"], 4, 8),
    (Role.CLINICIAN, ["Demo County Behavioral Health"], 3, 6),
    (Role.EMT, ["Demo Fire & EMS"], 1, 3),
    (Role.DISPATCHER, ["Demo County Sheriff's Office"], 1, 3),
    (Role.CASE_MANAGER, ["Demo County Behavioral Health", "Demo Regional Hospital"], 1, 3),
]


@dataclass
class DemoProgram:
    program: Program
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # username, role, agency
    created: bool = True
    history: HistorySummary | None = None


def demo_program_exists() -> bool:
    return Program.objects.filter(slug=DEMO_PROGRAM_SLUG).exists()


def role_logins() -> list[tuple[str, str, str]]:
    return [(username, role.label, agency) for username, role, agency, _title in ROLE_LOGINS]


def build_demo_program(
    *, now: datetime, seed: int = 2026, password: str = DEMO_PASSWORD, history: bool = True
) -> DemoProgram:
    """Create the demo program as it stands at `now`, or return the existing one untouched.

    Everything the demo holds is placed in time from `now` (the command passes the clock's
    time, tests a fixed one), and what the demo promises — teams on duty, live calls, every
    state of a referral, case and plan — holds by construction at any hour of any day.
    `history=False` leaves out the year of calls before the demo's day (demo/history.py),
    for tests that look only at the day and would rather not wait for the year."""
    existing = Program.objects.filter(slug=DEMO_PROGRAM_SLUG).first()
    if existing is not None:
        return DemoProgram(existing, role_logins(), created=False)
    rng = random.Random(seed)
    with transaction.atomic():
        program = Program.objects.create(
            name="Demo County Co-Responder Program",
            slug=DEMO_PROGRAM_SLUG,
            time_zone="America/Denver",
        )
        agencies = {
            name: Agency.objects.create(program=program, name=name, kind=kind)
            for name, kind in AGENCIES
        }
        for username, role, agency, title in ROLE_LOGINS:
            roles = [role]
            if role == Role.SUPERVISOR:
                roles.append(Role.CLINICIAN)  # program managers often still go out
            _create(
                username=username,
                full_name=f"Demo {role.label}",
                agency=agencies[agency],
                roles=roles,
                title=title,
                password=password,
            )
        for role, agency_names, fewest, most in ROSTER:
            for number in range(2, 2 + rng.randint(fewest, most)):
                agency = agencies[rng.choice(agency_names)]
                _create(
                    username=f"{role.value.replace('_', '')}{number}",
                    full_name=f"{role.label} {number}",
                    agency=agency,
                    roles=[role],
                    title=str(role.label),
                    password=password,
                )
        build_demo_people(program, rng=rng, now=now)
        planned = build_demo_dispatch(program, rng=rng, now=now)
        build_demo_encounters(program, rng=rng, planned=planned, now=now)
        build_demo_directory(program, rng=rng, now=now)
        build_demo_referrals(program, rng=rng, now=now)
        build_demo_cases(program, rng=rng, now=now)
        year = build_demo_history(program, rng=rng, now=now) if history else None
        build_demo_outcomes(program)
    return DemoProgram(program, role_logins(), created=True, history=year)


def _create(
    *, username: str, full_name: str, agency: Agency, roles: list[str], title: str, password: str
) -> User:
    return accounts.create_user(
        username=username,
        full_name=full_name,
        agency=agency,
        roles=roles,
        title=title,
        password=password,
        email=f"{username}@demo.invalid",
        acting_user=None,
    )
