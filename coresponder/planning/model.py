"""The staffing simulation: a program's call demand played against a set of teams.

Pure: its inputs are plain dataclasses (`Inputs`), fitted from the database elsewhere
(`history.py`) or written by hand (the theory checks, a scenario file), and `simulate`
returns one replication's counts. Time is in minutes from a Monday 00:00 in the
program's zone, so minute `m` falls in hour of week `m // 60 % 168`.

One replication, in SimPy (callbacks on timeouts, no process per call: a city-year is
millions of events):

- Calls arrive as a non-homogeneous Poisson process, the rate constant within each hour
  of the week and each kind of call (concern, priority, the crew it needs), or as a
  replay of a real period's arrivals.
- An arriving call goes to the free, on-duty team that can take it (its crew covers the
  call's needs; the team's region, unless regions share) and would arrive first, by the
  dispatch board's own estimate (`dispatch.recommendation.estimate_minutes`).
- With no such team the call waits; a team that comes free or on duty takes the most
  urgent waiting call it can, oldest first within a priority (as dispatch does).
- A call still waiting at the program's wait limit falls back to police only or EMS,
  and is counted, by its hour of the week.
- On-scene, transport and wrap-up times are drawn together from the program's own
  encounters of the call's concern (one real encounter's times per call, so their
  dependence and the disposition stay as they were), or from an exponential for the
  theory checks.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from heapq import heappop, heappush
from itertools import accumulate

import simpy

from coresponder.core.geography import Place
from coresponder.dispatch.recommendation import estimate_minutes

HOUR = 60.0
WEEK = 7 * 24 * 60  # minutes
HOURS_OF_WEEK = 168
ALWAYS = ((0, WEEK),)  # a team on duty round the clock

OFFICER, CLINICIAN, EMT = "officer", "clinician", "emt"
POLICE_ONLY, EMS = "police_only", "ems"


@dataclass(frozen=True)
class CallKind:
    """A kind of call the program gets: what it is about, how urgent, who must go."""

    concern: str
    priority: int  # 1 is the most urgent, as triage says
    needs: frozenset[str]  # crew members the call needs: officer, clinician, emt
    fallback: str = POLICE_ONLY  # who goes when no team can
    region: str = ""  # where it comes from; "" for anywhere


@dataclass(frozen=True)
class Arrival:
    """One call of a replayed period."""

    minute: float
    kind: int  # index into Demand.kinds
    place: Place | None = None


@dataclass(frozen=True)
class Demand:
    """The calls: `rates[h][k]` calls per hour of kind `k` in hour of week `h`, or `replay`."""

    kinds: tuple[CallKind, ...]
    rates: tuple[tuple[float, ...], ...] = ()
    replay: tuple[Arrival, ...] = ()
    # Where calls come from, with weights; none: travel is not modelled.
    places: tuple[tuple[Place, float], ...] = ()
    growth: float = 1.0  # multiplies every rate (demand growth, a new 988 line)

    def __post_init__(self):
        if not self.kinds:
            raise ValueError("A demand needs at least one kind of call.")
        if self.rates and len(self.rates) != HOURS_OF_WEEK:
            raise ValueError("Rates are given for each of the 168 hours of the week.")
        if any(len(row) != len(self.kinds) for row in self.rates):
            raise ValueError("Each hour's rates give one rate per kind of call.")
        if any(rate < 0 for row in self.rates for rate in row):
            raise ValueError("A rate of calls cannot be negative.")
        if not self.rates and not self.replay:
            raise ValueError("A demand is either rates by hour of week or a replay.")
        if self.growth <= 0:
            raise ValueError("Demand growth multiplies the rates: it must be above zero.")


@dataclass(frozen=True)
class Visit:
    """One encounter's times, in minutes: on scene, then transport and wrap-up."""

    on_scene: float
    after: float = 0.0
    disposition: str = ""


@dataclass(frozen=True)
class Service:
    """How long a team is held once on scene: the program's encounters by concern, or an
    exponential with this mean (the theory checks)."""

    visits: Mapping[str, tuple[Visit, ...]] = field(default_factory=dict)
    exponential_mean: float | None = None

    def __post_init__(self):
        if self.exponential_mean is None and not any(self.visits.values()):
            raise ValueError("Service needs the encounters' times or an exponential mean.")
        if self.exponential_mean is not None and self.exponential_mean <= 0:
            raise ValueError("A mean service time must be above zero.")


@dataclass(frozen=True)
class TeamPlan:
    name: str
    crew: frozenset[str]
    # On duty in these [start, end) minutes of the week; an end past WEEK wraps to Monday.
    # A break is the gap between two windows.
    shifts: tuple[tuple[int, int], ...] = ALWAYS
    base: Place | None = None
    region: str = ""

    def __post_init__(self):
        for start, end in self.shifts:
            if not 0 <= start < WEEK or not start < end <= start + WEEK:
                raise ValueError(f"Team {self.name}: a shift runs forward within a week.")
            if start != int(start) or end != int(end):
                raise ValueError(f"Team {self.name}: shifts start and end on the minute.")


@dataclass(frozen=True)
class Rules:
    wait_limit: float = math.inf  # minutes a call may wait for a team before it falls back
    queue_room: float = math.inf  # calls that may wait at once (M/M/c/K: K − c)
    answered_within: float = 20.0  # minutes from the call to a team on scene, for the share
    regions_share: bool = True  # a team may take another region's call
    patrol_minutes: float = 0.0  # a patrol unit's time a call answered by a team saves
    team_hour_cost: float = 0.0  # what an hour of a team on duty costs


@dataclass(frozen=True)
class Inputs:
    demand: Demand
    service: Service
    teams: tuple[TeamPlan, ...]
    rules: Rules = Rules()
    horizon: float = 52 * WEEK  # minutes; calls arriving before it are simulated
    warmup: float = 0.0  # calls arriving before this are simulated but not counted

    def __post_init__(self):
        if not self.teams:
            raise ValueError("A scenario needs at least one team.")
        if not 0 <= self.warmup < self.horizon:
            raise ValueError("The warm-up must end before the horizon.")


@dataclass
class Replication:
    """One replication's counts, over the calls that arrived after the warm-up."""

    calls: int = 0
    answered: int = 0
    answered_within: int = 0
    waited: int = 0  # not sent a team on arrival
    fallbacks: dict[str, int] = field(default_factory=dict)
    unmet_by_hour: list[int] = field(default_factory=lambda: [0] * HOURS_OF_WEEK)
    calls_by_hour: list[int] = field(default_factory=lambda: [0] * HOURS_OF_WEEK)
    wait_sum: float = 0.0  # minutes, over answered calls
    zero_waits: int = 0
    waits: list[float] = field(default_factory=list)  # the answered calls' waits above zero
    response_sum: float = 0.0  # call to team on scene, over answered calls
    busy: list[list[float]] = field(default_factory=list)  # [team][hour of week] minutes
    duty: list[list[float]] = field(default_factory=list)  # [team][hour of week] minutes
    still_waiting: int = 0  # at the end of the run
    events: int = 0  # SimPy events processed

    def wait_quantile(self, q: float) -> float:
        """The q-quantile of the answered calls' waits (nearest rank)."""
        n = self.zero_waits + len(self.waits)
        if not n:
            return math.nan
        rank = max(1, math.ceil(q * n))
        if rank <= self.zero_waits:
            return 0.0
        self.waits.sort()
        return self.waits[rank - self.zero_waits - 1]


class _Call:
    __slots__ = ("arrived", "done", "hour", "kind", "place", "seq")

    def __init__(self, arrived, kind, place, seq):
        self.arrived, self.kind, self.place, self.seq = arrived, kind, place, seq
        self.hour = int(arrived // HOUR) % HOURS_OF_WEEK
        self.done = False


class _Team:
    __slots__ = ("base", "duty", "free", "index", "keys", "plan", "position", "windows")

    def __init__(self, index, plan):
        self.index, self.plan = index, plan
        self.position = self.base = plan.base
        self.free = True
        self.keys = ()  # the queues this team may take calls from
        self.windows = plan.shifts
        # On duty or not, minute by minute of the week: shifts start and end on the minute,
        # and a look-up is what every call asks of every team.
        self.duty = bytearray(WEEK)
        for start, end in plan.shifts:
            self.duty[start : min(end, WEEK)] = b"\x01" * (min(end, WEEK) - start)
            if end > WEEK:  # past Sunday midnight
                self.duty[: end - WEEK] = b"\x01" * (end - WEEK)

    def on_duty(self, minute: float) -> bool:
        return self.duty[int(minute) % WEEK] == 1


def duty_minutes_by_hour(shifts: tuple[tuple[int, int], ...]) -> list[float]:
    """Minutes on duty in each hour of a week."""
    minutes = [0.0] * HOURS_OF_WEEK
    for start, end in shifts:
        t = start
        while t < end:
            hour_end = (t // 60 + 1) * 60
            stop = min(end, hour_end)
            minutes[int(t // 60) % HOURS_OF_WEEK] += stop - t
            t = stop
    return minutes


class _Run:
    def __init__(self, inputs: Inputs, rng: random.Random, estimate):
        self.inputs, self.rng = inputs, rng
        # Calls come from a fixed set of places and teams sit at them or at their bases:
        # the estimate between two is worked out once, keyed by the places' identities
        # (they live as long as the run, in the demand and the team plans).
        travel: dict[tuple[int, int], float] = {}

        def cached(origin, destination):
            key = (id(origin), id(destination))
            minutes = travel.get(key)
            if minutes is None:
                minutes = travel[key] = estimate(origin, destination)
            return minutes

        self.estimate = cached
        self.env = simpy.Environment()
        self.rules = inputs.rules
        self.kinds = inputs.demand.kinds
        self.teams = [_Team(i, plan) for i, plan in enumerate(inputs.teams)]
        self.result = Replication(
            fallbacks={POLICE_ONLY: 0, EMS: 0},
            busy=[[0.0] * HOURS_OF_WEEK for _ in self.teams],
        )
        self.seq = 0
        self.waiting = 0
        # One queue per (needs, region): a team takes from the queues it can serve.
        self.queues: dict[tuple, list] = {}
        for kind in self.kinds:
            self.queues.setdefault(self._key(kind), [])
        for team in self.teams:
            team.keys = tuple(key for key in self.queues if self._may_take(team, key))
        self.kind_keys = [self._key(kind) for kind in self.kinds]
        self.kind_teams = [
            [team for team in self.teams if self._may_take(team, key)] for key in self.kind_keys
        ]
        self.kind_sets = [frozenset(team.index for team in teams) for teams in self.kind_teams]
        self.round_the_clock = all(team.plan.shifts == ALWAYS for team in self.teams)
        # Free and on duty: the teams an arriving call may get.
        self.available = {team.index for team in self.teams if team.on_duty(0)}
        demand = inputs.demand
        if demand.places:
            self.places = [place for place, _ in demand.places]
            self.place_weights = list(accumulate(weight for _, weight in demand.places))
        else:
            self.places = None
        service = inputs.service
        self.exponential_rate = (
            1 / service.exponential_mean if service.exponential_mean is not None else None
        )
        pooled = tuple(visit for visits in service.visits.values() for visit in visits)
        self.visits = [service.visits.get(kind.concern) or pooled for kind in self.kinds]

    @staticmethod
    def _key(kind: CallKind) -> tuple:
        return (kind.needs, kind.region)

    def _may_take(self, team: _Team, key: tuple) -> bool:
        needs, region = key
        if not needs <= team.plan.crew:
            return False
        return self.rules.regions_share or not region or region == team.plan.region

    # Arrivals ---------------------------------------------------------------------------

    def _start_arrivals(self):
        demand = self.inputs.demand
        if demand.replay:
            self.replay = sorted(
                (a for a in demand.replay if a.minute < self.inputs.horizon),
                key=lambda a: a.minute,
            )
            self.replay_next = 0
            self._next_replayed(None)
            return
        rates = [[rate * demand.growth for rate in row] for row in demand.rates]
        self.hour_totals = [sum(row) for row in rates]
        self.hour_cumulative = [list(accumulate(row)) for row in rates]
        self.clock = 0.0
        self._next_drawn(None)

    def _next_drawn(self, _event):
        if _event is not None:
            self._arrive(self.pending_kind, self._draw_place())
        # Piecewise-constant rates: an exponential gap within the hour; past the hour's
        # end, start again from it (memorylessness makes that exact).
        t, rng, horizon = self.clock, self.rng, self.inputs.horizon
        while t < horizon:
            hour = int(t // HOUR)
            total = self.hour_totals[hour % HOURS_OF_WEEK]
            end = (hour + 1) * HOUR
            if total > 0:
                gap = rng.expovariate(total / HOUR)
                if t + gap < end:
                    t += gap
                    break
            t = end
        self.clock = t
        if t >= horizon:
            return
        cumulative = self.hour_cumulative[int(t // HOUR) % HOURS_OF_WEEK]
        self.pending_kind = (
            0
            if len(cumulative) == 1
            else min(bisect_right(cumulative, rng.random() * cumulative[-1]), len(cumulative) - 1)
        )
        self.env.timeout(t - self.env.now).callbacks.append(self._next_drawn)

    def _draw_place(self):
        if self.places is None:
            return None
        weights = self.place_weights
        return self.places[bisect_right(weights, self.rng.random() * weights[-1])]

    def _next_replayed(self, _event):
        if _event is not None:
            arrival = self.replay[self.replay_next - 1]
            self._arrive(arrival.kind, arrival.place)
        if self.replay_next < len(self.replay):
            at = self.replay[self.replay_next].minute
            self.replay_next += 1
            self.env.timeout(max(0.0, at - self.env.now)).callbacks.append(self._next_replayed)

    # Dispatch ---------------------------------------------------------------------------

    def _arrive(self, kind_index: int, place):
        now = self.env.now
        self.seq += 1
        call = _Call(now, kind_index, place, self.seq)
        counted = now >= self.inputs.warmup
        result = self.result
        if counted:
            result.calls += 1
            result.calls_by_hour[call.hour] += 1
        team = self._best_team(call)
        if team is not None:
            self._send(team, call)
            return
        if counted:
            result.waited += 1
        rules = self.rules
        if self.waiting >= rules.queue_room or rules.wait_limit <= 0:
            self._fall_back(call)
            return
        self.waiting += 1
        kind = self.kinds[kind_index]
        heappush(self.queues[self.kind_keys[kind_index]], (kind.priority, now, call.seq, call))
        if rules.wait_limit != math.inf:
            self.env.timeout(rules.wait_limit).callbacks.append(
                lambda _event, call=call: self._limit_reached(call)
            )

    def _best_team(self, call: _Call):
        place = call.place
        best, best_minutes = None, math.inf
        teams = self.teams
        # Team numbers in a set of ints iterate in the same order in every process.
        for index in self.available & self.kind_sets[call.kind]:
            team = teams[index]
            if place is None or team.position is None:
                return team  # no travel to compare: the first free team goes
            minutes = self.estimate(team.position, place)
            if minutes < best_minutes:
                best, best_minutes = team, minutes
        return best

    def _send(self, team: _Team, call: _Call):
        now = self.env.now
        call.done = True
        team.free = False
        self.available.discard(team.index)
        travel = (
            self.estimate(team.position, call.place)
            if call.place is not None and team.position is not None
            else 0.0
        )
        if self.exponential_rate is not None:
            held = self.rng.expovariate(self.exponential_rate)
        else:
            visits = self.visits[call.kind]
            visit = visits[int(self.rng.random() * len(visits))]
            held = visit.on_scene + visit.after
        wait = now - call.arrived
        if call.arrived >= self.inputs.warmup:
            result = self.result
            result.answered += 1
            result.wait_sum += wait
            if wait > 0:
                result.waits.append(wait)
            else:
                result.zero_waits += 1
            response = wait + travel
            result.response_sum += response
            if response <= self.rules.answered_within:
                result.answered_within += 1
        self._count_busy(team.index, now, now + travel + held)
        if call.place is not None:
            team.position = call.place
        self.env.timeout(travel + held).callbacks.append(lambda _event: self._free(team))

    def _count_busy(self, index: int, start: float, end: float):
        start, end = max(start, self.inputs.warmup), min(end, self.inputs.horizon)
        busy = self.result.busy[index]
        while start < end:
            hour = int(start // HOUR)
            stop = min(end, (hour + 1) * HOUR)
            busy[hour % HOURS_OF_WEEK] += stop - start
            start = stop

    def _free(self, team: _Team):
        team.free = True
        if self.round_the_clock or team.on_duty(self.env.now):
            self.available.add(team.index)
            if self.waiting:
                self._take_waiting(team)

    def _take_waiting(self, team: _Team):
        best_queue, best_head = None, None
        for key in team.keys:
            queue = self.queues[key]
            while queue and queue[0][3].done:
                heappop(queue)  # answered or fallen back meanwhile
            if queue and (best_head is None or queue[0] < best_head):
                best_queue, best_head = queue, queue[0]
        if best_queue is None:
            return
        heappop(best_queue)
        self.waiting -= 1
        self._send(team, best_head[3])

    def _limit_reached(self, call: _Call):
        if call.done:
            return
        self.waiting -= 1
        self._fall_back(call)

    def _fall_back(self, call: _Call):
        call.done = True
        if call.arrived >= self.inputs.warmup:
            result = self.result
            result.fallbacks[self.kinds[call.kind].fallback] += 1
            result.unmet_by_hour[call.hour] += 1

    # Shifts -----------------------------------------------------------------------------

    def _start_shifts(self):
        for team in self.teams:
            if team.plan.shifts != ALWAYS:
                bounds = {start for start, _ in team.windows} | {
                    end % WEEK for _, end in team.windows
                }
                self._next_bound(team, sorted(bounds))

    def _next_bound(self, team: _Team, bounds: list[int]):
        """At each start and end of a shift the team joins or leaves the available."""
        now = self.env.now
        week_start = now - now % WEEK
        later = [week_start + b for b in bounds if week_start + b > now]
        at = later[0] if later else week_start + WEEK + bounds[0]
        # Past the horizon shifts go on while a call may still be waiting for them.
        if at >= self.inputs.horizon + min(self.rules.wait_limit, WEEK):
            return

        def turn(_event):
            if team.on_duty(self.env.now):
                if team.free:
                    self.available.add(team.index)
                    if self.waiting:
                        self._take_waiting(team)
            else:
                self.available.discard(team.index)
            self._next_bound(team, bounds)

        self.env.timeout(at - now).callbacks.append(turn)

    def run(self) -> Replication:
        self._start_arrivals()
        self._start_shifts()
        env = self.env
        # Arrivals stop at the horizon; the run goes on until the calls in hand are done
        # or have fallen back, so that a late call is not dropped from the counts.
        env.run()
        result = self.result
        result.still_waiting = self.waiting
        result.events = next(env._eid)  # SimPy numbers each event it schedules
        weeks = self._hour_occurrences()
        result.duty = [
            [minutes * weeks[h] for h, minutes in enumerate(duty_minutes_by_hour(team.plan.shifts))]
            for team in self.teams
        ]
        return result

    def _hour_occurrences(self) -> list[float]:
        """How many times each hour of the week falls in [warm-up, horizon)."""
        counts = [0.0] * HOURS_OF_WEEK
        start, end = self.inputs.warmup, self.inputs.horizon
        first, last = int(start // HOUR), math.ceil(end / HOUR)
        full_weeks, rest = divmod(last - first, HOURS_OF_WEEK)
        for h in range(HOURS_OF_WEEK):
            counts[h] = full_weeks
        for hour in range(first, first + rest):
            counts[hour % HOURS_OF_WEEK] += 1
        # Part hours at either end count by the part inside.
        counts[first % HOURS_OF_WEEK] -= (start - first * HOUR) / HOUR
        counts[(last - 1) % HOURS_OF_WEEK] -= (last * HOUR - end) / HOUR
        return counts


def simulate(
    inputs: Inputs,
    rng: random.Random,
    *,
    estimate: Callable[[Place, Place], float] = estimate_minutes,
) -> Replication:
    """One replication of `inputs`, drawing from `rng`."""
    return _Run(inputs, rng, estimate).run()
