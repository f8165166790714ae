"""A team's status on a call, as a state machine. Pure: the dispatch actions store it.

available → dispatched → en route → on scene → officer cleared → (transporting →)
available; out of service from and back to available. The officer may clear while the
clinician stays: "officer cleared" is a status of its own, between on scene and available.

A move pressed by mistake is taken back within 30 seconds (`check_undo`), judged by the time
passed in: the team returns to the status it left, on the same call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum


class Status(StrEnum):
    AVAILABLE = "available"
    DISPATCHED = "dispatched"
    EN_ROUTE = "en_route"
    ON_SCENE = "on_scene"
    OFFICER_CLEARED = "officer_cleared"
    TRANSPORTING = "transporting"
    OUT_OF_SERVICE = "out_of_service"


WORDS = {
    Status.AVAILABLE: "available",
    Status.DISPATCHED: "dispatched",
    Status.EN_ROUTE: "en route",
    Status.ON_SCENE: "on scene",
    Status.OFFICER_CLEARED: "officer cleared, clinician on scene",
    Status.TRANSPORTING: "transporting",
    Status.OUT_OF_SERVICE: "out of service",
}

# From each status, where a team may go next.
MOVES: dict[Status, frozenset[Status]] = {
    Status.AVAILABLE: frozenset({Status.DISPATCHED, Status.OUT_OF_SERVICE}),
    Status.DISPATCHED: frozenset({Status.EN_ROUTE, Status.ON_SCENE, Status.AVAILABLE}),
    Status.EN_ROUTE: frozenset({Status.ON_SCENE, Status.AVAILABLE}),
    Status.ON_SCENE: frozenset({Status.OFFICER_CLEARED, Status.TRANSPORTING, Status.AVAILABLE}),
    Status.OFFICER_CLEARED: frozenset({Status.TRANSPORTING, Status.AVAILABLE}),
    Status.TRANSPORTING: frozenset({Status.AVAILABLE}),
    Status.OUT_OF_SERVICE: frozenset({Status.AVAILABLE}),
}
# Statuses in which a team is tied to a call.
ON_A_CALL = frozenset(
    {
        Status.DISPATCHED,
        Status.EN_ROUTE,
        Status.ON_SCENE,
        Status.OFFICER_CLEARED,
        Status.TRANSPORTING,
    }
)


class IllegalMove(ValueError):
    """A status change the state machine refuses, with the reason in words."""


def check_move(current: Status, wanted: Status, *, has_call: bool) -> None:
    """Raises IllegalMove, saying why, unless a team in `current` may move to `wanted`."""
    if wanted == current:
        raise IllegalMove(f"The team is already {WORDS[current]}.")
    if wanted not in MOVES[current]:
        allowed = ", ".join(WORDS[s] for s in sorted(MOVES[current], key=list(Status).index))
        raise IllegalMove(
            f"A team that is {WORDS[current]} cannot become {WORDS[wanted]}; "
            f"it can become: {allowed}."
        )
    if wanted == Status.DISPATCHED and not has_call:
        raise IllegalMove("A team is dispatched to a call: name the call.")
    if wanted in ON_A_CALL - {Status.DISPATCHED} and not has_call:
        raise IllegalMove(f"A team {WORDS[wanted]} must be on a call.")


UNDO_WINDOW = timedelta(seconds=30)


def check_undo(
    move_from: Status,
    move_to: Status,
    *,
    current: Status,
    made_at: datetime,
    now: datetime,
    latest: bool,
    is_undo: bool,
) -> None:
    """Raises IllegalMove, saying why, unless the move from `move_from` to `move_to`, made at
    `made_at`, may be taken back at `now`: it is the team's latest move, the team is still
    where it took it, it is not itself an undo, and no more than 30 seconds have passed.
    Every move may be taken back but a dispatch, which the desk stands down instead."""
    if is_undo:
        raise IllegalMove("An undo is not undone: move the status instead.")
    if move_to == Status.DISPATCHED:
        raise IllegalMove("A dispatch is not undone: stand the team down (available) instead.")
    if not latest or current != move_to:
        raise IllegalMove("The team has moved since: move the status instead.")
    if now - made_at > UNDO_WINDOW:
        raise IllegalMove("More than 30 seconds have passed: move the status instead.")
