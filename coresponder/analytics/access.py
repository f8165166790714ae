"""Who may see the program's outcomes, and where their figures are computed.

The outcomes are aggregates: no person's record is read to show them. They are still
the program's and not everyone's: supervisors, evaluators and administrators see them.
Evaluators take data out of the program only as the de-identified extract.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from coresponder.accounts.models import Program, Role

from . import facts
from .engines import Engine, OperationalEngine
from .kpis import Filters

OUTCOME_ROLES = (Role.SUPERVISOR, Role.EVALUATOR, Role.ADMINISTRATOR)
EXTRACT_ROLES = (Role.SUPERVISOR, Role.EVALUATOR, Role.ADMINISTRATOR)
# Unit costs and the state's export are the program's own business, not an evaluator's.
PROGRAM_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)


def may_see_outcomes(user) -> bool:
    return user.is_authenticated and user.has_role(*OUTCOME_ROLES)


def may_take_extract(user) -> bool:
    return user.is_authenticated and user.has_role(*EXTRACT_ROLES)


def may_run_program(user) -> bool:
    return user.is_authenticated and user.has_role(*PROGRAM_ROLES)


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied("Outcomes are for supervisors, evaluators and administrators.")


def store_folder() -> Path | None:
    folder = getattr(settings, "COR_ANALYTICS_STORE", "")
    return Path(folder) if folder else None


def engine_for(program: Program) -> Engine:
    """The analytics store when the program keeps one, else its own database, brought up
    to date first (a small program's dashboard is live)."""
    folder = store_folder()
    if folder is not None:
        from .store import Store

        return Store(folder, read_only=True).engine()
    facts.bring_up_to_date(program, unless_within=settings.COR_ANALYTICS_FRESH_SECONDS)
    return OperationalEngine()


class BadFilter(ValueError):
    """A filter the outcomes cannot apply, said in words."""


TEXT_FILTERS = ("source", "concern", "response", "age_band", "sex", "veteran", "outcome_source")
NUMBER_FILTERS = ("agency_id", "team_id")
FILTER_WORDS = {
    "source": _("call source"),
    "concern": _("concern"),
    "response": _("response type"),
    "age_band": _("age band"),
    "sex": _("sex"),
    "veteran": _("veteran status"),
    "outcome_source": _("outcome recorded"),
    "agency_id": _("agency"),
    "team_id": _("team"),
}


def filters_from(program: Program, query, *, start: date, end: date) -> Filters:
    """Filters from a query string; a value the program does not know is refused."""
    from .choices import filter_choices

    known = filter_choices(program)
    values: dict = {}
    for name in TEXT_FILTERS + NUMBER_FILTERS:
        raw = (query.get(name) or "").strip()
        if not raw:
            continue
        choices = {str(value) for value, _label in known[name]}
        if raw not in choices:
            raise BadFilter(
                _("%(filter)s: %(value)s is not one of this program's.")
                % {"filter": FILTER_WORDS[name], "value": repr(raw)}
            )
        values[name] = int(raw) if name in NUMBER_FILTERS else raw
    if end <= start:
        raise BadFilter(_("The period must end after it starts."))
    return Filters(program.pk, start, end, **values)
