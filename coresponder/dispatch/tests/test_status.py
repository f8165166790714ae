from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest

from coresponder.dispatch.status import (
    MOVES,
    IllegalMove,
    Status,
    check_move,
    check_undo,
)

A_CALL_THROUGH = [
    Status.DISPATCHED,
    Status.EN_ROUTE,
    Status.ON_SCENE,
    Status.OFFICER_CLEARED,
    Status.TRANSPORTING,
    Status.AVAILABLE,
]


def test_a_call_walks_through_every_status_and_back_to_available():
    current = Status.AVAILABLE
    for wanted in A_CALL_THROUGH:
        check_move(current, wanted, has_call=True)
        current = wanted
    assert current == Status.AVAILABLE


def test_the_officer_clears_while_the_clinician_stays():
    check_move(Status.ON_SCENE, Status.OFFICER_CLEARED, has_call=True)
    check_move(Status.OFFICER_CLEARED, Status.AVAILABLE, has_call=True)


@pytest.mark.parametrize(
    ("current", "wanted", "reason"),
    [
        (
            Status.AVAILABLE,
            Status.ON_SCENE,
            "A team that is available cannot become on scene; it can become: dispatched, "
            "out of service.",
        ),
        (
            Status.OUT_OF_SERVICE,
            Status.DISPATCHED,
            "A team that is out of service cannot become dispatched; it can become: available.",
        ),
        (
            Status.TRANSPORTING,
            Status.ON_SCENE,
            "A team that is transporting cannot become on scene; it can become: available.",
        ),
        (Status.ON_SCENE, Status.ON_SCENE, "The team is already on scene."),
    ],
)
def test_illegal_moves_are_refused_with_the_reason(current, wanted, reason):
    with pytest.raises(IllegalMove) as refused:
        check_move(current, wanted, has_call=True)

    assert str(refused.value) == reason


def test_dispatch_needs_a_call():
    with pytest.raises(IllegalMove, match="name the call"):
        check_move(Status.AVAILABLE, Status.DISPATCHED, has_call=False)


def test_every_pair_of_statuses_is_either_a_move_or_refused():
    for current, wanted in product(Status, Status):
        legal = wanted in MOVES[current]
        try:
            check_move(current, wanted, has_call=True)
        except IllegalMove:
            assert not legal, (current, wanted)
        else:
            assert legal, (current, wanted)


# Undo: a move taken back within 30 seconds, by the time passed in -----------------------

T0 = datetime(2026, 6, 10, 22, 0, tzinfo=UTC)


def undo(move_from, move_to, *, current=None, after=timedelta(seconds=10), **kwargs):
    check_undo(
        move_from,
        move_to,
        current=move_to if current is None else current,
        made_at=T0,
        now=T0 + after,
        latest=kwargs.get("latest", True),
        is_undo=kwargs.get("is_undo", False),
    )


@pytest.mark.parametrize(
    ("move_from", "move_to"),
    [
        (current, wanted)
        for current, allowed in MOVES.items()
        for wanted in sorted(allowed, key=list(Status).index)
        if wanted != Status.DISPATCHED
    ],
)
def test_every_move_but_a_dispatch_is_undone_within_thirty_seconds(move_from, move_to):
    undo(move_from, move_to, after=timedelta(seconds=30))


def test_past_thirty_seconds_it_is_too_late():
    with pytest.raises(IllegalMove, match="More than 30 seconds have passed"):
        undo(Status.EN_ROUTE, Status.ON_SCENE, after=timedelta(seconds=30, microseconds=1))


def test_a_dispatch_is_not_undone_here():
    with pytest.raises(IllegalMove, match="stand the team down"):
        undo(Status.AVAILABLE, Status.DISPATCHED)


def test_a_move_followed_by_another_is_not_undone():
    with pytest.raises(IllegalMove, match="The team has moved since"):
        undo(Status.EN_ROUTE, Status.ON_SCENE, latest=False, current=Status.OFFICER_CLEARED)


def test_an_undo_is_not_undone():
    with pytest.raises(IllegalMove, match="An undo is not undone"):
        undo(Status.ON_SCENE, Status.EN_ROUTE, is_undo=True)
