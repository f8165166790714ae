"""What each role's home page shows. Later domains add their sections here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coresponder.accounts import events as audit_events
from coresponder.accounts.models import Agency, ApiToken, Role, RoleGrant, User
from coresponder.calls.access import view_calls
from coresponder.calls.models import Call, CallState
from coresponder.cases.access import worklist
from coresponder.core.models import AuditEntry
from coresponder.dispatch.teams import on_duty, team_of
from coresponder.privacy.models import BreakGlassGrant
from coresponder.referrals.access import Principal, partner_counts


@dataclass(frozen=True)
class RoleHome:
    heading: str
    purpose: str
    sections: list[Callable[[User], dict]] = field(default_factory=list)


def program_agencies(user: User) -> dict:
    agencies = (
        Agency.objects.filter(program=user.program)
        .annotate(
            staff=Count("users", filter=Q(users__is_active=True), distinct=True),
            officers=Count("users", filter=Q(users__role_grants__role=Role.OFFICER), distinct=True),
            clinicians=Count(
                "users", filter=Q(users__role_grants__role=Role.CLINICIAN), distinct=True
            ),
        )
        .order_by("kind", "name")
    )
    return {"template": "core/home/program_agencies.html", "agencies": agencies}


def agency_colleagues(user: User) -> dict:
    colleagues = (
        User.objects.filter(agency=user.agency, is_active=True)
        .prefetch_related("role_grants")
        .order_by("full_name")
    )
    return {
        "template": "core/home/agency_colleagues.html",
        "colleagues": colleagues,
        "agency": user.agency,
    }


def role_coverage(user: User) -> dict:
    counts = dict(
        RoleGrant.objects.filter(user__agency__program=user.program, user__is_active=True)
        .values_list("role")
        .annotate(n=Count("id"))
        .values_list("role", "n")
    )
    rows = [{"role": role.label, "count": counts.get(role.value, 0)} for role in Role]
    tokens = ApiToken.objects.for_program(user.program).active().count()
    return {
        "template": "core/home/role_coverage.html",
        "rows": rows,
        "active_tokens": tokens,
        "uncovered": [row["role"] for row in rows if row["count"] == 0],
    }


def sign_in_activity(user: User) -> dict:
    """Sign-ins of the supervisor's own agency over a week: who, and what failed."""
    since = timezone.now() - timedelta(days=7)
    recent = AuditEntry.objects.filter(occurred_at__gte=since)
    usernames = list(User.objects.filter(agency=user.agency).values_list("username", flat=True))
    return {
        "template": "core/home/sign_in_activity.html",
        "signed_in": recent.filter(agency_id=user.agency_id, action=audit_events.LOGGED_IN).count(),
        "failed": recent.filter(
            action=audit_events.LOGIN_FAILED, detail__username__in=usernames
        ).count(),
        "locked": recent.filter(
            action=audit_events.LOCKED_OUT, detail__username__in=usernames
        ).count(),
        "latest": recent.filter(
            agency_id=user.agency_id,
            action__in=[audit_events.LOGGED_IN, audit_events.SESSION_ENDED],
        ).order_by("-seq")[:8],
    }


def emergency_access_reviews(user: User) -> dict:
    waiting = BreakGlassGrant.objects.filter(person__program=user.program, reviewed_at__isnull=True)
    return {"template": "core/home/emergency_access.html", "waiting": waiting.count()}


HOME_CALLS = 8  # the most urgent open calls on the desk's home; the board has them all


def dispatch_desk(user: User) -> dict:
    """The desk at a glance: the open calls, most urgent first, and the teams on duty with
    their status; counts of each. The calls are read through the gate, as on the board."""
    now = timezone.now()
    open_calls = Call.objects.of_program(user.program).open()
    calls = view_calls(user, list(open_calls.for_board()[:HOME_CALLS]), channel="page:home")
    teams = list(on_duty(user.program, now).select_related("call").order_by("name"))
    teams_by_call: dict = {}
    for team in teams:
        if team.call_id:
            teams_by_call.setdefault(team.call_id, []).append(team.name)
    return {
        "template": "core/home/dispatch_desk.html",
        "open": open_calls.count(),
        "waiting": open_calls.filter(state=CallState.OPEN).count(),
        "on_duty": len(teams),
        "available": sum(team.status == "available" for team in teams),
        "today": Call.objects.of_program(user.program)
        .filter(received_at__gte=now - timedelta(hours=24))
        .count(),
        "calls": [
            {
                "call": call,
                "minutes": int((now - call.received_at).total_seconds() // 60),
                "teams": teams_by_call.get(call.id, []),
            }
            for call in calls
        ],
        "teams": teams,
    }


def follow_up_queue(user: User) -> dict:
    """The case manager's worklist at a glance: its counts, and the overdue cases, the
    longest overdue first (their names read through the gate, as on the worklist)."""
    found = worklist(user, group="overdue", sort="due", per_page=5, channel="page:home")
    return {
        "template": "core/home/follow_up.html",
        "worklist": found,
        "now": timezone.now(),
    }


def partner_referrals(user: User) -> dict:
    """The partner's referrals waiting on it, counted; the partner page lists them."""
    return {
        "template": "core/home/partner_referrals.html",
        "counts": partner_counts(Principal(user=user)),
    }


def your_team(user: User) -> dict:
    team = team_of(user)
    return {"template": "core/home/your_team.html", "team": team}


def program_outcomes(user: User) -> dict:
    """A way to the outcomes dashboard; its figures are computed there, not here."""
    return {"template": "analytics/dashboard/home_card.html"}


def your_account(user: User) -> dict:
    return {"template": "core/home/your_account.html", "account": user}


ROLE_HOMES: dict[str, RoleHome] = {
    Role.DISPATCHER: RoleHome(
        _("Dispatch desk"),
        _("Take crisis calls, decide who goes, and send the right team."),
        [dispatch_desk],
    ),
    Role.OFFICER: RoleHome(
        _("Field — officer"),
        _("Your assigned calls, safety information and the law-enforcement record."),
        [your_team, agency_colleagues],
    ),
    Role.CLINICIAN: RoleHome(
        _("Field — clinician"),
        _("Risk assessments, clinical notes, dispositions, referrals and safety plans."),
        [your_team, agency_colleagues],
    ),
    Role.EMT: RoleHome(
        _("Field — EMS"),
        _("Medical observations and transports on co-responder calls."),
        [your_team, agency_colleagues],
    ),
    Role.CASE_MANAGER: RoleHome(
        _("Follow-up"),
        _("Contact people after a crisis, close referrals, and watch for repeat crises."),
        [follow_up_queue, agency_colleagues],
    ),
    Role.PARTNER: RoleHome(
        _("Partner organisation"),
        _("Referrals the program sends you, with the person's consent, and your capacity."),
        [partner_referrals, agency_colleagues],
    ),
    Role.SUPERVISOR: RoleHome(
        _("Supervision"),
        _("Your agency's staff, sign-in activity and reviews."),
        [
            program_outcomes,
            dispatch_desk,
            emergency_access_reviews,
            sign_in_activity,
            agency_colleagues,
        ],
    ),
    Role.EVALUATOR: RoleHome(
        _("Evaluation"),
        _("De-identified program outcomes. No one's personal record is shown to evaluators."),
        [program_outcomes, program_agencies],
    ),
    Role.ADMINISTRATOR: RoleHome(
        _("Program administration"),
        _("Agencies, users and roles, machine clients, and the audit log."),
        [program_outcomes, role_coverage, program_agencies],
    ),
}


# A user holding several roles sees the most encompassing one first.
ROLE_ORDER = [
    Role.ADMINISTRATOR,
    Role.SUPERVISOR,
    Role.DISPATCHER,
    Role.OFFICER,
    Role.CLINICIAN,
    Role.EMT,
    Role.CASE_MANAGER,
    Role.PARTNER,
    Role.EVALUATOR,
]


def home_for(user: User) -> list[dict]:
    """One block per role the user holds; a section shared by two roles is shown once."""
    blocks, shown = [], set()
    for role in ROLE_ORDER:
        if role.value not in user.roles:
            continue
        home = ROLE_HOMES[role]
        sections = [section for section in home.sections if section not in shown]
        shown.update(sections)
        blocks.append(
            {
                "role": role,
                "heading": home.heading,
                "purpose": home.purpose,
                "sections": [section(user) for section in sections],
            }
        )
    return blocks
