"""The simulation's rules, one at a time, on calls placed by hand (a replay) and service
times of one known length, so that every wait is known exactly."""

from __future__ import annotations

import random

import pytest

from coresponder.core.geography import Place
from coresponder.dispatch.recommendation import estimate_minutes
from coresponder.planning.model import (
    EMS,
    WEEK,
    Arrival,
    CallKind,
    Demand,
    Inputs,
    Rules,
    Service,
    TeamPlan,
    Visit,
    simulate,
)
from coresponder.planning.replications import replicate

CO = frozenset({"officer", "clinician"})
CLINICIAN = frozenset({"clinician"})
ROUTINE = CallKind("welfare_check", 3, CO)
URGENT = CallKind("suicidal", 1, CO)
MEDICAL = CallKind("suicidal", 1, CO, fallback=EMS)


def run(arrivals, teams, *, kinds=(ROUTINE, URGENT), rules=None, minutes=10.0, places=()):
    inputs = Inputs(
        demand=Demand(kinds=kinds, replay=tuple(arrivals), places=places),
        service=Service(visits={"": (Visit(on_scene=minutes),)}),
        teams=tuple(teams),
        rules=rules or Rules(),
        horizon=WEEK,
    )
    return simulate(inputs, random.Random(0))


def test_the_most_urgent_waiting_call_goes_first_then_the_oldest():
    # given one team busy until minute 10, and a routine call then an urgent one waiting
    arrivals = [Arrival(0, 0), Arrival(1, 0), Arrival(2, 1), Arrival(3, 0)]

    # when it is simulated
    result = run(arrivals, [TeamPlan("A", CO)])

    # then the urgent call (waiting since 2) goes at 10, then the routine ones in order
    assert result.answered == 4
    assert sorted(result.waits) == [8.0, 19.0, 27.0]  # 10−2, 20−1, 30−3
    assert result.zero_waits == 1
    assert result.wait_sum == 54.0
    assert result.waited == 3


def test_a_call_past_the_wait_limit_falls_back_and_is_counted_by_its_hour():
    # given a wait limit of 5 minutes and one team busy for 10
    arrivals = [Arrival(0, 0), Arrival(61, 0), Arrival(62, 0), Arrival(63, 2)]

    # when it is simulated
    result = run(arrivals, [TeamPlan("A", CO)], kinds=(ROUTINE, URGENT, MEDICAL),
                 rules=Rules(wait_limit=5))  # fmt: skip

    # then the two calls behind the one answered at 61 fall back, police only or EMS
    assert result.answered == 2
    assert result.fallbacks == {"police_only": 1, "ems": 1}
    assert result.unmet_by_hour[1] == 2
    assert sum(result.unmet_by_hour) == 2
    assert result.calls_by_hour[0] == 1
    assert result.calls_by_hour[1] == 3


def test_a_team_takes_calls_only_on_shift_and_after_its_break():
    # given a team on duty 60–120 and 130–200 (a ten-minute break)
    team = TeamPlan("A", CO, shifts=((60, 120), (130, 200)))
    arrivals = [Arrival(0, 0), Arrival(121, 0)]

    # when it is simulated
    result = run(arrivals, [team])

    # then the first call waits for the shift, the second for the end of the break
    assert sorted(result.waits) == [9.0, 60.0]
    duty = [sum(hours) for hours in result.duty]
    assert duty == [130.0]
    assert sum(result.busy[0]) == 20.0


def test_a_shift_over_sunday_midnight_covers_monday_morning():
    team = TeamPlan("night", CO, shifts=((WEEK - 60, WEEK + 60),))

    result = run([Arrival(30, 0), Arrival(WEEK - 30, 0)], [team])

    assert result.answered == 2
    assert result.zero_waits == 2


def test_a_call_goes_to_the_team_that_arrives_first_and_travel_counts_in_the_response():
    # given two free teams, one near the call, one across town
    call_at = Place(39.74, -104.99)
    near = TeamPlan("near", CO, base=Place(39.75, -104.99))
    far = TeamPlan("far", CO, base=Place(39.60, -105.10))

    # when one call comes
    result = run([Arrival(0, 0, call_at)], [far, near], rules=Rules(answered_within=5))

    # then the near team goes: the response is its estimated travel, within five minutes
    travel = estimate_minutes(near.base, call_at)
    assert result.response_sum == pytest.approx(travel)
    assert result.answered_within == 1
    assert sum(result.busy[1]) == pytest.approx(travel + 10)
    assert sum(result.busy[0]) == 0


def test_a_team_without_the_crew_a_call_needs_does_not_take_it():
    # given only a clinician-only team, and a call that needs an officer too
    result = run([Arrival(0, 0)], [TeamPlan("mobile", CLINICIAN)], rules=Rules(wait_limit=15))

    assert result.answered == 0
    assert result.fallbacks["police_only"] == 1


def test_regions_keep_their_calls_unless_they_share():
    kinds = (CallKind("welfare_check", 3, CO, region="north"),)
    south = TeamPlan("south", CO, region="south")

    alone = run([Arrival(0, 0)], [south], kinds=kinds, rules=Rules(wait_limit=15,
                regions_share=False))  # fmt: skip
    shared = run([Arrival(0, 0)], [south], kinds=kinds, rules=Rules(wait_limit=15))

    assert (alone.answered, shared.answered) == (0, 1)


def test_rates_by_hour_of_week_are_followed():
    # given calls only on Mondays 09:00–10:00, at 30 an hour, over four weeks
    rates = tuple(((30.0,) if hour == 9 else (0.0,)) for hour in range(168))
    inputs = Inputs(
        demand=Demand(kinds=(ROUTINE,), rates=rates),
        service=Service(exponential_mean=1.0),
        teams=(TeamPlan("A", CO), TeamPlan("B", CO)),
        horizon=4 * WEEK,
    )

    result = simulate(inputs, random.Random(5))

    # then every call fell in that hour, about 120 of them (Poisson: 120 ± 3 sd is 87–153)
    assert result.calls_by_hour[9] == result.calls
    assert 87 <= result.calls <= 153


def test_results_are_reproducible_from_the_seed_whatever_the_workers():
    rates = tuple((3.0, 1.0) for _ in range(168))
    inputs = Inputs(
        demand=Demand(kinds=(ROUTINE, URGENT), rates=rates),
        service=Service(exponential_mean=20.0),
        teams=(TeamPlan("A", CO), TeamPlan("B", CO)),
        rules=Rules(wait_limit=30),
        horizon=WEEK,
    )

    here = replicate(inputs, replications=4, seed=9, workers=1)
    apart = replicate(inputs, replications=4, seed=9, workers=2)
    other = replicate(inputs, replications=4, seed=10, workers=1)

    assert here.as_dict() == apart.as_dict()
    assert here.as_dict() != other.as_dict()
    share = here.figures["answered_share"]
    assert share.n == 4
    assert 0 < share.low <= share.mean <= share.high < 1


def test_bad_inputs_are_refused_with_the_reason():
    with pytest.raises(ValueError, match="168 hours"):
        Demand(kinds=(ROUTINE,), rates=((1.0,),))
    with pytest.raises(ValueError, match="cannot be negative"):
        Demand(kinds=(ROUTINE,), rates=tuple((-1.0,) for _ in range(168)))
    with pytest.raises(ValueError, match="forward within a week"):
        TeamPlan("A", CO, shifts=((100, 50),))
    with pytest.raises(ValueError, match="at least two replications"):
        replicate(
            Inputs(
                demand=Demand(kinds=(ROUTINE,), replay=(Arrival(0, 0),)),
                service=Service(exponential_mean=1.0),
                teams=(TeamPlan("A", CO),),
            ),
            replications=1,
            seed=1,
        )
