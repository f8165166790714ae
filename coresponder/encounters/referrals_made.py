"""What an encounter asks of referrals, which sits above it.

A referral is made from an encounter: referrals imports encounters (rights, the record it
is made on), so encounters may not import referrals back (docs/architecture.md: a lower
app never imports a higher one). Two things of an encounter need its referrals: a
voluntary-referral disposition stands on a referral made (`made_on`), and the encounter's
page shows what became of its referrals (`outcomes`). Encounters names the two questions
here; referrals answers them when the app is ready (`ReferralsConfig.ready` registers
`referrals.access.referrals_of_encounters`). With referrals not installed no referral
was made and there are no outcomes to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import Encounter


class Referrals(Protocol):
    def made_on(self, encounter: Encounter) -> bool:
        """Whether a referral was sent on the encounter and stands."""

    def outcomes(self, user, encounter: Encounter, *, channel: str, request=None) -> list[Any]:
        """What became of the encounter's referrals, as far as `user` may read each,
        through the read gate (which audits each outcome shown)."""


class _NoReferrals:
    def made_on(self, encounter: Encounter) -> bool:
        return False

    def outcomes(self, user, encounter: Encounter, *, channel: str, request=None) -> list[Any]:
        return []


_answer: list[Referrals] = [_NoReferrals()]


def register(referrals: Referrals) -> None:
    if not isinstance(_answer[0], _NoReferrals | type(referrals)):
        raise ImproperlyConfigured("Encounters ask one app about referrals; two answered.")
    _answer[0] = referrals


def made_on(encounter: Encounter) -> bool:
    return _answer[0].made_on(encounter)


def outcomes(user, encounter: Encounter, *, channel: str, request=None) -> list[Any]:
    return _answer[0].outcomes(user, encounter, channel=channel, request=request)
