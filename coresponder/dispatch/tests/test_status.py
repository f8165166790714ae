from __future__ import annotations

from itertools import product

import pytest

from coresponder.dispatch.status import MOVES, IllegalMove, Status, check_move

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
