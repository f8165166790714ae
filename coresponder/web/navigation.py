"""The navigation each role sees: one list, filtered by the user's roles."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from coresponder.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    roles: frozenset[str] | None = None  # None: every signed-in user

    def visible_to(self, user) -> bool:
        return self.roles is None or user.has_role(*self.roles)


NAV_ITEMS = [
    NavItem(_("Home"), "web:home"),
    NavItem(_("Board"), "dispatch:board", frozenset({Role.DISPATCHER, Role.SUPERVISOR})),
    NavItem(
        _("New call"), "calls:intake", frozenset({Role.DISPATCHER, Role.OFFICER, Role.SUPERVISOR})
    ),
    NavItem(_("My team"), "dispatch:field", frozenset({Role.OFFICER, Role.CLINICIAN, Role.EMT})),
    NavItem(
        _("Calls"),
        "calls:index",
        frozenset(
            {
                Role.DISPATCHER,
                Role.OFFICER,
                Role.CLINICIAN,
                Role.EMT,
                Role.CASE_MANAGER,
                Role.SUPERVISOR,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavItem(
        _("People"),
        "people:index",
        frozenset(
            {
                Role.DISPATCHER,
                Role.OFFICER,
                Role.CLINICIAN,
                Role.EMT,
                Role.CASE_MANAGER,
                Role.SUPERVISOR,
                Role.PARTNER,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavItem(
        _("Directory"),
        "referrals:directory",
        frozenset(
            {
                Role.DISPATCHER,
                Role.OFFICER,
                Role.CLINICIAN,
                Role.EMT,
                Role.CASE_MANAGER,
                Role.SUPERVISOR,
                Role.ADMINISTRATOR,
            }
        ),
    ),
    NavItem(
        _("Cases"),
        "cases:worklist",
        frozenset({Role.CASE_MANAGER, Role.CLINICIAN, Role.SUPERVISOR}),
    ),
    NavItem(_("Referrals to us"), "partner_referrals:page", frozenset({Role.PARTNER})),
    NavItem(
        _("Outcomes"),
        "analytics:dashboard",
        frozenset({Role.SUPERVISOR, Role.EVALUATOR, Role.ADMINISTRATOR}),
    ),
    NavItem(
        _("Training"),
        "accounts:training_compliance",
        frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    ),
    NavItem(
        _("Triage overrides"),
        "calls:overrides",
        frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMINISTRATOR}),
    ),
    NavItem(_("Emergency access review"), "privacy:review_queue", frozenset({Role.SUPERVISOR})),
    NavItem(_("Import calls"), "interop:import_calls", frozenset({Role.ADMINISTRATOR})),
    NavItem(_("Match model"), "people:matching_model", frozenset({Role.ADMINISTRATOR})),
    NavItem(_("API tokens"), "accounts:api_tokens", frozenset({Role.ADMINISTRATOR})),
    NavItem(_("API docs"), "api:openapi-view", frozenset({Role.ADMINISTRATOR})),
    NavItem(_("Administration"), "admin:index", frozenset({Role.ADMINISTRATOR})),
]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    path = request.path
    items = []
    for item in NAV_ITEMS:
        if item.visible_to(user):
            url = reverse(item.url_name)
            current = path == url if url == "/" else path.startswith(url)
            items.append({"label": item.label, "url": url, "current": current})
    # /calls/new/ is under /calls/ too: only the closest item is the current one.
    closest = max((len(i["url"]) for i in items if i["current"]), default=0)
    for item in items:
        item["current"] = item["current"] and len(item["url"]) == closest
    return {"nav_items": items}
