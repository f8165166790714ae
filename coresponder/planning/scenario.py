"""A staffing scenario as a planner writes it (TOML), checked whole before anything runs.

```toml
name = "Two more evening teams"
replications = 20        # at least 2; the intervals narrow as their square root
seed = 22                # the same seed, history and scenario give the same figures

[history]                # the period the demand and the service times are fitted from
start = 2026-01-01
end = 2027-01-01         # exclusive
replay = false           # true: the period's own calls, in order, instead of rates
growth = 1.10            # demand × 1.10 (growth, a new 988 line)

[rota]
program = true           # the program's own teams and their shifts in the week of `week`
week = 2026-12-07        # default: the last week of the history period

[rules]
wait_limit_minutes = 30  # then the call falls back to police only or EMS
answered_within_minutes = 20
patrol_minutes = 90      # a patrol unit's time each call a team answers saves
team_hour_cost = 140     # in the program's currency, per team on duty per hour
regions_share = true

[[teams]]                # teams added to (or, with program = false, instead of) the rota
name = "Evening 1"
crew = ["officer", "clinician"]   # officer, clinician, emt
base = [39.74, -104.99]           # latitude, longitude; optional

[[teams.shifts]]         # one table per shift pattern
days = "Mon-Fri"         # or ["Mon", "Wed"]
start = "16:00"
hours = 10
break_after_hours = 5    # a break, optional
break_minutes = 30
```
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from datetime import date

from coresponder.core.geography import Place

from .model import EMT, WEEK, Rules, TeamPlan

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CREW = frozenset({"officer", "clinician", EMT})
MOST_REPLICATIONS = 1000


class ScenarioError(ValueError):
    """A scenario that cannot run, with the reason in words."""


@dataclass(frozen=True)
class Scenario:
    name: str
    history_start: date
    history_end: date
    replay: bool
    growth: float
    program_rota: bool
    rota_week: date | None
    teams: tuple[TeamPlan, ...]
    rules: Rules
    replications: int
    seed: int


def _days(value, where: str) -> list[int]:
    if isinstance(value, list):
        names = [str(v).strip().lower()[:3] for v in value]
    elif isinstance(value, str) and "-" in value:
        first, last = (part.strip().lower()[:3] for part in value.split("-", 1))
        if first not in DAYS or last not in DAYS:
            raise ScenarioError(f"{where}: days {value!r} are not Mon–Sun.")
        a, b = DAYS.index(first), DAYS.index(last)
        return list(range(a, b + 1)) if a <= b else [*range(a, 7), *range(b + 1)]
    elif isinstance(value, str):
        names = [value.strip().lower()[:3]]
    else:
        raise ScenarioError(f'{where}: days are a range such as "Mon-Fri" or a list.')
    if any(name not in DAYS for name in names):
        raise ScenarioError(f"{where}: days {value!r} are not Mon–Sun.")
    return [DAYS.index(name) for name in names]


def shift_windows(shift: dict, where: str) -> list[tuple[int, int]]:
    """A shift on given days as [start, end) minutes of the week, a break cut out."""
    if not isinstance(shift, dict):
        raise ScenarioError(f"{where}: a shift is a table with days, start and hours.")
    unknown = set(shift) - {"days", "start", "hours", "break_after_hours", "break_minutes"}
    if unknown:
        raise ScenarioError(f"{where}: unknown shift setting {sorted(unknown)[0]!r}.")
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", str(shift.get("start", "")))
    if not match:
        raise ScenarioError(f'{where}: start is a time such as "16:00".')
    start = int(match[1]) * 60 + int(match[2])
    hours = shift.get("hours")
    if not isinstance(hours, int | float) or not 0 < hours <= 24:
        raise ScenarioError(f"{where}: hours is a number above 0 and at most 24.")
    length = round(hours * 60)
    pieces = [(0, length)]
    if "break_minutes" in shift:
        after, minutes = shift.get("break_after_hours"), shift["break_minutes"]
        if not isinstance(after, int | float) or not isinstance(minutes, int):
            raise ScenarioError(f"{where}: a break needs break_after_hours and break_minutes.")
        cut = round(after * 60)
        if not 0 < cut < cut + minutes < length:
            raise ScenarioError(f"{where}: the break must fall inside the shift.")
        pieces = [(0, cut), (cut + minutes, length)]
    windows = []
    for day in _days(shift.get("days", "Mon-Sun"), where):
        base = day * 1440 + start
        windows += [((base + a) % WEEK, (base + a) % WEEK + (b - a)) for a, b in pieces]
    return windows


def _team(raw, number: int) -> TeamPlan:
    where = f"team {number}"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where}: a team is a table with name, crew and shifts.")
    name = str(raw.get("name", "")).strip()
    if not name:
        raise ScenarioError(f"{where}: a team needs a name.")
    where = f"team {name!r}"
    crew = raw.get("crew")
    if not isinstance(crew, list) or not crew or not set(crew) <= CREW:
        raise ScenarioError(f"{where}: crew is a list of officer, clinician and emt.")
    base = None
    if "base" in raw:
        point = raw["base"]
        if (
            not isinstance(point, list)
            or len(point) != 2
            or not all(isinstance(v, int | float) for v in point)
            or not (-90 <= point[0] <= 90 and -180 <= point[1] <= 180)
        ):
            raise ScenarioError(f"{where}: base is [latitude, longitude].")
        base = Place(float(point[0]), float(point[1]))
    shifts = raw.get("shifts")
    if not isinstance(shifts, list) or not shifts:
        raise ScenarioError(f"{where}: shifts is a list of at least one shift.")
    windows = []
    for position, shift in enumerate(shifts, start=1):
        windows += shift_windows(shift, f"{where}, shift {position}")
    try:
        return TeamPlan(
            name,
            frozenset(crew),
            shifts=tuple(sorted(windows)),
            base=base,
            region=str(raw.get("region", "")),
        )
    except ValueError as error:
        raise ScenarioError(str(error)) from None


def _number(table: dict, key: str, default, *, low=0.0, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < low:
        raise ScenarioError(f"{where}: {key} is a number of at least {low:g}.")
    return float(value)


def parse_scenario(text: str) -> Scenario:
    """The scenario in `text`, or ScenarioError saying the first thing wrong with it."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"The scenario is not valid TOML: {error}.") from None
    unknown = set(raw) - {"name", "replications", "seed", "history", "rota", "rules", "teams"}
    if unknown:
        raise ScenarioError(f"Unknown setting {sorted(unknown)[0]!r}.")
    name = str(raw.get("name", "")).strip()
    if not name or len(name) > 120:
        raise ScenarioError("A scenario needs a name of at most 120 characters.")
    replications = raw.get("replications", 20)
    if not isinstance(replications, int) or not 2 <= replications <= MOST_REPLICATIONS:
        raise ScenarioError(f"replications is a whole number from 2 to {MOST_REPLICATIONS}.")
    seed = raw.get("seed", 1)
    if not isinstance(seed, int) or seed < 0:
        raise ScenarioError("seed is a whole number of at least 0.")

    history = raw.get("history")
    if not isinstance(history, dict):
        raise ScenarioError("[history] with start and end dates is needed.")
    start, end = history.get("start"), history.get("end")
    if not isinstance(start, date) or not isinstance(end, date) or end <= start:
        raise ScenarioError("[history]: start and end are dates (2026-01-01), end after start.")
    replay = history.get("replay", False)
    if not isinstance(replay, bool):
        raise ScenarioError("[history]: replay is true or false.")
    growth = _number(history, "growth", 1.0, low=0.01, where="[history]")

    rota = raw.get("rota", {})
    if not isinstance(rota, dict):
        raise ScenarioError("[rota] is a table.")
    program_rota = rota.get("program", True)
    week = rota.get("week")
    if not isinstance(program_rota, bool) or (week is not None and not isinstance(week, date)):
        raise ScenarioError("[rota]: program is true or false; week is a date.")

    rules_table = raw.get("rules", {})
    if not isinstance(rules_table, dict):
        raise ScenarioError("[rules] is a table.")
    where = "[rules]"
    limit = rules_table.get("wait_limit_minutes")
    rules = Rules(
        wait_limit=math.inf
        if limit is None
        else _number(rules_table, "wait_limit_minutes", 0, where=where),
        answered_within=_number(rules_table, "answered_within_minutes", 20, where=where),
        patrol_minutes=_number(rules_table, "patrol_minutes", 0, where=where),
        team_hour_cost=_number(rules_table, "team_hour_cost", 0, where=where),
        regions_share=bool(rules_table.get("regions_share", True)),
    )
    teams_raw = raw.get("teams", [])
    if not isinstance(teams_raw, list):
        raise ScenarioError("[[teams]] is a list of teams.")
    teams = tuple(_team(team, n) for n, team in enumerate(teams_raw, start=1))
    if not program_rota and not teams:
        raise ScenarioError("Without the program's rota the scenario needs its own [[teams]].")
    return Scenario(
        name=name,
        history_start=start,
        history_end=end,
        replay=replay,
        growth=growth,
        program_rota=program_rota,
        rota_week=week,
        teams=teams,
        rules=rules,
        replications=replications,
        seed=seed,
    )
