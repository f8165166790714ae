"""A referral's closed loop, as a state machine. Pure: the referral actions store it.

sent → received → accepted → scheduled (an appointment time) → attended; or declined (with
a reason), no-show, withdrawn (by the sender). A referral recorded as "information given"
(the person was told of the service, nothing was sent) has no loop: it never moves.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class State(StrEnum):
    SENT = "sent"
    RECEIVED = "received"
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    ATTENDED = "attended"
    DECLINED = "declined"
    NO_SHOW = "no_show"
    WITHDRAWN = "withdrawn"
    INFORMATION_GIVEN = "information_given"


WORDS = {
    State.SENT: gettext_lazy("sent"),
    State.RECEIVED: gettext_lazy("received"),
    State.ACCEPTED: gettext_lazy("accepted"),
    State.SCHEDULED: gettext_lazy("scheduled"),
    State.ATTENDED: gettext_lazy("attended"),
    State.DECLINED: gettext_lazy("declined"),
    State.NO_SHOW: gettext_lazy("did not attend"),
    State.WITHDRAWN: gettext_lazy("withdrawn"),
    State.INFORMATION_GIVEN: gettext_lazy("information given"),
}

# From each state, where a referral may go next. Scheduled → scheduled rebooks; a no-show
# may be booked again.
MOVES: dict[State, frozenset[State]] = {
    State.SENT: frozenset({State.RECEIVED, State.ACCEPTED, State.DECLINED, State.WITHDRAWN}),
    State.RECEIVED: frozenset({State.ACCEPTED, State.DECLINED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.SCHEDULED, State.ATTENDED, State.WITHDRAWN}),
    State.SCHEDULED: frozenset({State.SCHEDULED, State.ATTENDED, State.NO_SHOW, State.WITHDRAWN}),
    State.NO_SHOW: frozenset({State.SCHEDULED, State.WITHDRAWN}),
    State.ATTENDED: frozenset(),
    State.DECLINED: frozenset(),
    State.WITHDRAWN: frozenset(),
    State.INFORMATION_GIVEN: frozenset(),
}
# Who makes each move: the receiving partner, or the sending side.
PARTNER_MOVES = frozenset(
    {
        State.RECEIVED,
        State.ACCEPTED,
        State.DECLINED,
        State.SCHEDULED,
        State.ATTENDED,
        State.NO_SHOW,
    }
)
SENDER_MOVES = frozenset({State.WITHDRAWN})
CLOSED = frozenset(state for state, moves in MOVES.items() if not moves)
# Waiting for the partner's first answer: reminders go out for these.
UNANSWERED = frozenset({State.SENT})
# Waiting on the partner: to open, to answer, to book. Its queue lists them first.
WAITING = frozenset({State.SENT, State.RECEIVED, State.ACCEPTED})
# The partner's queue, in its order: what waits on it, what it has booked, the no-shows
# it may book again, then the closed.
QUEUE_GROUPS: tuple[frozenset[State], ...] = (
    WAITING,
    frozenset({State.SCHEDULED}),
    frozenset({State.NO_SHOW}),
    CLOSED,
)


class IllegalMove(ValueError):
    """A move the loop refuses, with the reason in words."""


def check_move(current: State, wanted: State) -> None:
    """Raises IllegalMove, saying why, unless a referral in `current` may move to `wanted`."""
    if wanted in MOVES[current]:
        return
    words = {"current": WORDS[current], "wanted": WORDS[wanted]}
    if current == State.INFORMATION_GIVEN:
        raise IllegalMove(
            _("Only information was given about this service; there is no referral to move.")
        )
    if current in CLOSED:
        raise IllegalMove(_("The referral is closed (%(current)s); it moves no more.") % words)
    if wanted in (State.INFORMATION_GIVEN, State.SENT):
        raise IllegalMove(_("A referral cannot go back to %(wanted)s.") % words)
    if wanted in (State.ATTENDED, State.NO_SHOW) and current in (State.SENT, State.RECEIVED):
        raise IllegalMove(
            _("The referral is %(current)s: accept it before marking it %(wanted)s.") % words
        )
    if wanted == State.SCHEDULED:
        raise IllegalMove(
            _("The referral is %(current)s: accept it before booking an appointment.") % words
        )
    raise IllegalMove(_("The referral is %(current)s: it cannot be marked %(wanted)s.") % words)


def access_ends_at(state: State, moved_at: datetime, days_after_attended: int) -> datetime | None:
    """When the receiving partner's access to the person through a referral ends: at once
    when declined or withdrawn, the program's grace period after an attended appointment;
    None while the referral is still open."""
    if state in (State.DECLINED, State.WITHDRAWN):
        return moved_at
    if state == State.ATTENDED:
        return moved_at + timedelta(days=days_after_attended)
    return None
