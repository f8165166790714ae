"""What follows a completed encounter: the one place `complete_encounter` hands it on.

Follow-up (`cases`) sits above encounters: a case points at the encounter that opened it
and reads its response plans, so cases imports encounters, and encounters may not import
cases back (DESIGN.md: a lower app never imports a higher one). So encounters names the
step here, and cases gives it when the app is ready (`CasesConfig.ready` registers
`cases.actions.open_case_for_encounter`). Unlike a signal, the step is called by name in
`complete_encounter`, there is exactly one, and completing an encounter with none given
fails rather than silently opening no case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import Encounter


class FollowUp(Protocol):
    """Runs inside the transaction that completes the encounter: what it writes commits
    with the completion, or neither does."""

    def __call__(self, encounter: Encounter, /) -> object: ...


class _Step:
    def __init__(self) -> None:
        self.follow_up: FollowUp | None = None

    def register(self, follow_up: FollowUp) -> None:
        if self.follow_up not in (None, follow_up):
            raise ImproperlyConfigured("A completed encounter has one follow-up; two were given.")
        self.follow_up = follow_up


_step = _Step()
register = _step.register


def registered() -> FollowUp | None:
    return _step.follow_up


def encounter_completed(encounter: Encounter) -> None:
    """Hands the completed encounter to follow-up (some dispositions open a case)."""
    if _step.follow_up is None:
        raise ImproperlyConfigured(
            "No follow-up is registered for completed encounters: is coresponder.cases "
            "in INSTALLED_APPS?"
        )
    _step.follow_up(encounter)
