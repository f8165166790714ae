"""Reading a scenario file: what it says, and each mistake refused with its reason."""

from __future__ import annotations

import math
from datetime import date

import pytest

from coresponder.planning.model import WEEK
from coresponder.planning.scenario import ScenarioError, parse_scenario, shift_windows

GOOD = """
name = "Two more evening teams"
replications = 10
seed = 3

[history]
start = 2026-01-01
end = 2027-01-01
growth = 1.1

[rules]
wait_limit_minutes = 30

[[teams]]
name = "Evening 1"
crew = ["officer", "clinician"]
shifts = [{ days = "Sat-Sun", start = "22:00", hours = 8 }]
"""


def test_a_scenario_reads_whole():
    scenario = parse_scenario(GOOD)

    assert scenario.name == "Two more evening teams"
    assert (scenario.replications, scenario.seed, scenario.growth) == (10, 3, 1.1)
    assert (scenario.history_start, scenario.history_end) == (date(2026, 1, 1), date(2027, 1, 1))
    assert scenario.program_rota is True
    assert scenario.rules.wait_limit == 30
    (team,) = scenario.teams
    assert team.crew == frozenset({"officer", "clinician"})
    # Saturday 22:00 to Sunday 06:00, and Sunday 22:00 past midnight to Monday 06:00
    saturday, sunday = 5 * 1440 + 22 * 60, 6 * 1440 + 22 * 60
    assert team.shifts == ((saturday, saturday + 480), (sunday, sunday + 480))
    assert sunday + 480 > WEEK


def test_a_break_is_cut_out_of_the_shift():
    windows = shift_windows(
        {"days": ["Mon"], "start": "08:00", "hours": 10, "break_after_hours": 4,
         "break_minutes": 30}, "t"
    )  # fmt: skip

    assert windows == [(480, 720), (750, 1080)]


def test_without_a_wait_limit_calls_wait_for_a_team():
    scenario = parse_scenario(GOOD.replace("wait_limit_minutes = 30", ""))

    assert math.isinf(scenario.rules.wait_limit)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("name = ", "title = "), "Unknown setting 'title'"),
        (("replications = 10", "replications = 1"), "replications is a whole number from 2"),
        (("end = 2027-01-01", "end = 2025-01-01"), "end after start"),
        (('"Sat-Sun"', '"Sat-Funday"'), "are not Mon–Sun"),
        (("hours = 8", "hours = 30"), "hours is a number above 0 and at most 24"),
        (('"clinician"]', '"wizard"]'), "crew is a list of officer, clinician and emt"),
        (("growth = 1.1", "growth = -2"), "growth is a number of at least 0.01"),
        (("wait_limit_minutes = 30", 'wait_limit_minutes = "soon"'), "wait_limit_minutes is"),
        (("[history]", "[history"), "not valid TOML"),
    ],
)
def test_each_mistake_is_refused_with_its_reason(change, reason):
    with pytest.raises(ScenarioError, match=reason):
        parse_scenario(GOOD.replace(*change))


def test_a_scenario_of_its_own_teams_needs_teams():
    text = GOOD.split("[[teams]]", maxsplit=1)[0] + "[rota]\nprogram = false\n"

    with pytest.raises(ScenarioError, match="needs its own"):
        parse_scenario(text)
