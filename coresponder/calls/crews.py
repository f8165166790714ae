"""Who is on a call: the two questions calls asks of dispatch, which sits above it.

Dispatch sends teams to calls, so dispatch imports calls, and calls may not import
dispatch back (docs/architecture.md: a lower app never imports a higher one). Reading a
call (is this responder's team on it?) and closing one (is any team still on it?) need
the answer, so calls names the two questions here and dispatch answers them when the app
is ready (`DispatchConfig.ready` registers `dispatch.teams.crews`). Without dispatch there
are no teams: no responder works a call through one and none is left on a call.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from .models import Call


class Crews(Protocol):
    def calls_sent_to(self, user, call_ids: Iterable) -> set:
        """The ids among `call_ids` of the calls a team of `user` was ever sent to."""

    def teams_on(self, call: Call) -> list[str]:
        """The names of the teams on `call` now (the caller holds the call's row lock)."""


class _NoTeams:
    def calls_sent_to(self, user, call_ids: Iterable) -> set:
        return set()

    def teams_on(self, call: Call) -> list[str]:
        return []


_answer: list[Crews] = [_NoTeams()]


def register(crews: Crews) -> None:
    if not isinstance(_answer[0], _NoTeams | type(crews)):
        raise ImproperlyConfigured("Calls ask one app about teams; two answered.")
    _answer[0] = crews


def calls_sent_to(user, call_ids: Iterable) -> set:
    return _answer[0].calls_sent_to(user, call_ids)


def teams_on(call: Call) -> list[str]:
    return _answer[0].teams_on(call)
