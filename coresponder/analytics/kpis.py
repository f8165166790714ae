"""The KPI library: every figure the program reports, defined exactly once.

Each KPI says in words what it counts (numerator, denominator, exclusions, unit) and
carries the published figure it is compared with. Its arithmetic is SQL over the call
facts (`models.CallFact`), kept to what SQLite, PostgreSQL, DuckDB and Spark all read the
same way: sums of CASE expressions, window functions, no date functions and no division
(the ratio is taken here, from the two whole numbers the engine returns). Percentiles are
nearest-rank: the smallest value whose rank r among n satisfies r·100 ≥ p·n, found from
the running count of each distinct value.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from typing import Any

from .engines import Engine

EPOCH = date(1970, 1, 1)
DAY_SECONDS = 86_400


def day_number(when: date) -> int:
    return (when - EPOCH).days


def from_day_number(number: int) -> date:
    return EPOCH + timedelta(days=number)


@dataclass(frozen=True)
class Reference:
    figure: float  # a fraction for rates
    says: str
    source: str


@dataclass(frozen=True)
class Kpi:
    key: str
    name: str
    definition: str
    numerator: str
    denominator: str
    exclusions: str
    unit: str  # "percent" or "minutes"
    reference: Reference | None = None
    higher_is_better: bool | None = True
    headline: bool = True
    # The dispositions it turns on. Not empty: it counts imported outcomes (a CAD's or an
    # export's) beside the encounters documented here, those whose source could tell one
    # of these (a yes/no apprehension flag tells a hold, not an arrest).
    tells: tuple[str, ...] = ()

    @property
    def imported(self) -> bool:
        return bool(self.tells)


COMPLETE = "complete = 1"  # a condition; summed, the column itself counts encounters
OUTCOME = "outcome_source <> ''"  # a complete encounter, or an imported outcome
IMPORTED = "outcome_source = 'imported'"
NOT_WITHDRAWN = "Referrals withdrawn by the sender and information-only referrals are not counted."
DRAFTS = "Encounters not yet complete (no disposition) and calls with no encounter."
OUTCOMES = "Complete encounters and imported outcomes"
NO_OUTCOME = (
    "Encounters not yet complete (no disposition), and calls with neither an encounter nor "
    "an imported outcome. An imported outcome (from a CAD or an export) is counted as the "
    "disposition it was mapped to (one mapped to other as none of them), and only when its "
    "source could say the dispositions this figure turns on."
)


def _tells(codes: tuple[str, ...]) -> str:
    """The outcome's source could say one of these dispositions."""
    found = " OR ".join(f"outcome_covers LIKE '%,{code},%'" for code in codes)
    return f"(outcome_covers = '*' OR {found})"


def _counted(kpi_tells: tuple[str, ...]) -> str:
    """An outcome a KPI turning on these dispositions counts."""
    return f"{OUTCOME} AND {_tells(kpi_tells)}"


ENCOUNTERS_ONLY = DRAFTS + " Imported outcomes: they carry no assessment, referral or force."


def _when(condition: str) -> str:
    return f"CASE WHEN {condition} THEN 1 ELSE 0 END"


def _disposition_in(*codes: str) -> str:
    return "disposition IN (" + ", ".join(f"'{code}'" for code in codes) + ")"


# The dispositions each outcome KPI turns on.
ARREST_FREE = ("arrest",)
NO_FORMAL_ACTION = ("resolved_on_scene", "refused_services")
VOLUNTARY_ENGAGEMENT = ("referred_voluntary", "transported_voluntary")
ENFORCEMENT = ("citation", "arrest")
INVOLUNTARY_HOLDS = ("emergency_hold",)
ED_DIVERSION = ("emergency_hold", "medical_transport")

# A rate over the facts' rows: (kpi, numerator SQL, denominator SQL); each a row-level
# expression that the engine sums.
RATES: list[tuple[Kpi, str, str]] = [
    (
        Kpi(
            "arrest_free",
            "Arrest-free rate",
            "Share of outcomes that were not a custodial arrest.",
            "Outcomes whose disposition is not arrest",
            OUTCOMES,
            NO_OUTCOME,
            "percent",
            Reference(
                0.98,
                "98% of 25,900 calls without arrest",
                "Colorado co-responder programs, state reporting",
            ),
            tells=ARREST_FREE,
        ),
        _when(_counted(ARREST_FREE) + " AND disposition <> 'arrest'"),
        _when(_counted(ARREST_FREE)),
    ),
    (
        Kpi(
            "no_formal_action",
            "No formal action",
            "Share of outcomes resolved on scene or where the person declined help and "
            "there were no safety grounds to act.",
            "Outcomes resolved on scene or with services refused",
            OUTCOMES,
            NO_OUTCOME,
            "percent",
            Reference(0.40, "40%", "Albuquerque Community Safety, COAST"),
            higher_is_better=None,
            tells=NO_FORMAL_ACTION,
        ),
        _when(
            _counted(NO_FORMAL_ACTION)
            + " AND "
            + _disposition_in("resolved_on_scene", "refused_services")
        ),
        _when(_counted(NO_FORMAL_ACTION)),
    ),
    (
        Kpi(
            "voluntary_engagement",
            "Voluntary engagement",
            "Share of outcomes where the person agreed to a referral or went voluntarily "
            "to a crisis centre, detox or hospital.",
            "Outcomes referred voluntarily or transported voluntarily",
            OUTCOMES,
            NO_OUTCOME,
            "percent",
            Reference(0.33, "33%", "Albuquerque Community Safety, COAST"),
            tells=VOLUNTARY_ENGAGEMENT,
        ),
        _when(
            _counted(VOLUNTARY_ENGAGEMENT)
            + " AND "
            + _disposition_in("referred_voluntary", "transported_voluntary")
        ),
        _when(_counted(VOLUNTARY_ENGAGEMENT)),
    ),
    (
        Kpi(
            "enforcement",
            "Enforcement action",
            "Share of outcomes that were a citation or an arrest.",
            "Outcomes with a citation or an arrest",
            OUTCOMES,
            NO_OUTCOME,
            "percent",
            Reference(0.03, "3%", "Albuquerque Community Safety, COAST"),
            higher_is_better=False,
            tells=ENFORCEMENT,
        ),
        _when(_counted(ENFORCEMENT) + " AND " + _disposition_in("citation", "arrest")),
        _when(_counted(ENFORCEMENT)),
    ),
    (
        Kpi(
            "involuntary_holds",
            "Involuntary holds",
            "Share of outcomes that were an involuntary evaluation hold (an emergency hold, "
            "or an apprehension under a mental-health act).",
            "Outcomes whose disposition is emergency hold",
            OUTCOMES,
            NO_OUTCOME,
            "percent",
            higher_is_better=None,
            tells=INVOLUNTARY_HOLDS,
        ),
        _when(_counted(INVOLUNTARY_HOLDS) + " AND disposition = 'emergency_hold'"),
        _when(_counted(INVOLUNTARY_HOLDS)),
    ),
    (
        Kpi(
            "help_delivered",
            "Help delivered",
            "Share of encounters with a completed assessment or a referral.",
            "Complete encounters with a completed assessment or at least one referral",
            "Complete encounters",
            ENCOUNTERS_ONLY,
            "percent",
            Reference(
                0.86,
                "86% of people received help",
                "a published co-responder program evaluation, as the design cites it",
            ),
        ),
        _when(f"{COMPLETE} AND (assessed = 1 OR referrals_sent > 0)"),
        "complete",
    ),
    (
        Kpi(
            "use_of_force",
            "Use-of-force rate",
            "Share of encounters where any force was used (hands-on control or more).",
            "Complete encounters whose safety record shows force other than none",
            "Complete encounters",
            ENCOUNTERS_ONLY,
            "percent",
            higher_is_better=False,
        ),
        _when(f"{COMPLETE} AND any_force = 1"),
        "complete",
    ),
    (
        Kpi(
            "ed_diversion",
            "Emergency-department diversion",
            "Share of outcomes that were not a transport to hospital by EMS or an "
            "involuntary hold.",
            "Outcomes whose disposition is neither emergency hold nor medical transport",
            OUTCOMES,
            NO_OUTCOME + " A voluntary transport is counted as diverted: its destination is "
            "usually a crisis centre or detox.",
            "percent",
            tells=ED_DIVERSION,
        ),
        _when(
            _counted(ED_DIVERSION)
            + " AND NOT "
            + _disposition_in("emergency_hold", "medical_transport")
        ),
        _when(_counted(ED_DIVERSION)),
    ),
    (
        Kpi(
            "follow_up_72h",
            "Follow-up within 72 hours",
            "Share of encounters needing follow-up whose first follow-up contact attempt "
            "came within 72 hours of the encounter.",
            "Encounters with a follow-up case whose first contact attempt was within 72 h",
            "Encounters from which a follow-up case was opened",
            "Encounters that needed no follow-up case.",
            "percent",
        ),
        _when(f"needs_follow_up = 1 AND follow_up_seconds <= {72 * 3600}"),
        "needs_follow_up",
    ),
    (
        Kpi(
            "referral_completion",
            "Referral completion",
            "Share of referrals sent that the person attended.",
            "Referrals attended",
            "Referrals sent",
            NOT_WITHDRAWN,
            "percent",
        ),
        "referrals_attended",
        "referrals_sent",
    ),
]

PEOPLE = [
    Kpi(
        "connected_after_repeat",
        "Connected after repeated contact",
        "Share of people met two or more times who attended at least one referral.",
        "People with two or more complete encounters in the period and at least one "
        "attended referral from them",
        "People with two or more complete encounters in the period",
        "Calls with no person identified.",
        "percent",
        Reference(
            0.688, "68.8%", "a published co-responder program evaluation, as the design cites it"
        ),
    ),
    Kpi(
        "repeat_crisis_30",
        "Repeat crisis within 30 days",
        "Share of people with a call in the period who called again within 30 days of a call.",
        "People with a call in the period followed by another call within 30 days (the "
        "later call may fall after the period)",
        "People with a call in the period",
        "Calls with no person identified.",
        "percent",
        higher_is_better=False,
    ),
    Kpi(
        "repeat_crisis_90",
        "Repeat crisis within 90 days",
        "Share of people with a call in the period who called again within 90 days of a call.",
        "People with a call in the period followed by another call within 90 days",
        "People with a call in the period",
        "Calls with no person identified.",
        "percent",
        higher_is_better=False,
        headline=False,
    ),
]

TIMES = [
    Kpi(
        "on_scene_median",
        "Officer time on scene (median)",
        "Median minutes from the team's arrival on scene to the officer clearing.",
        "—",
        "Calls with both an on-scene and an officer-cleared time",
        "Calls where either time is missing.",
        "minutes",
        higher_is_better=None,
    ),
    Kpi(
        "on_scene_p90",
        "Officer time on scene (90th percentile)",
        "Nine in ten calls cleared within this many minutes of arrival.",
        "—",
        "Calls with both an on-scene and an officer-cleared time",
        "Calls where either time is missing.",
        "minutes",
        higher_is_better=None,
        headline=False,
    ),
    Kpi(
        "response_median",
        "Time to arrive (median)",
        "Median minutes from the call being received to the team's arrival on scene.",
        "—",
        "Calls with a team on scene",
        "Calls no team reached.",
        "minutes",
        higher_is_better=False,
    ),
    Kpi(
        "response_p90",
        "Time to arrive (90th percentile)",
        "Nine in ten calls reached within this many minutes.",
        "—",
        "Calls with a team on scene",
        "Calls no team reached.",
        "minutes",
        higher_is_better=False,
        headline=False,
    ),
]

LIBRARY: dict[str, Kpi] = {kpi.key: kpi for kpi in [k for k, _, _ in RATES] + PEOPLE + TIMES}


@dataclass(frozen=True)
class Filters:
    """What a figure is computed over. `start` is included, `end` is not."""

    program_id: int
    start: date
    end: date
    agency_id: int | None = None
    team_id: int | None = None
    source: str | None = None
    concern: str | None = None
    response: str | None = None
    age_band: str | None = None
    sex: str | None = None
    veteran: str | None = None
    outcome_source: str | None = None  # encounter (documented here) or imported

    def previous(self) -> Filters:
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start)

    def params(self) -> dict[str, Any]:
        values = {
            "program_id": self.program_id,
            "day_from": day_number(self.start),
            "day_to": day_number(self.end),
        }
        values.update(self.narrowing())
        return values

    def narrowing(self) -> dict[str, Any]:
        return {
            item.name: getattr(self, item.name)
            for item in fields(self)
            if item.name not in ("program_id", "start", "end")
            and getattr(self, item.name) not in (None, "")
        }

    def where(self, *, dated: bool = True) -> str:
        clauses = ["program_id = :program_id"]
        if dated:
            # The call's whole span inside the period: a call known only to 2019 is in 2019,
            # not in its January. (day < :day_to is implied, and keeps the index's range.)
            clauses += ["day >= :day_from", "day < :day_to", "day_end <= :day_to"]
        clauses += [f"{column} = :{column}" for column in self.narrowing()]
        return " AND ".join(clauses)


@dataclass(frozen=True)
class Value:
    kpi: Kpi
    numerator: int | None
    denominator: int | None
    value: float | None  # a fraction for rates, minutes for times; None when nothing to count
    imported: int = 0  # of the denominator, imported outcomes
    imported_left_out: int = 0  # imported outcomes whose source cannot tell this figure


@dataclass(frozen=True)
class Counts:
    """Whole-number counts beside the KPIs: the report's data-quality notes and costs."""

    calls: int = 0
    encounters: int = 0
    incomplete: int = 0
    no_encounter: int = 0
    without_on_scene_time: int = 0
    arrests: int = 0
    citations: int = 0
    holds: int = 0
    medical_transports: int = 0
    force: int = 0
    referrals_sent: int = 0
    referrals_accepted: int = 0
    referrals_attended: int = 0
    officer_seconds: int = 0
    officer_timed_calls: int = 0
    outcomes: int = 0  # complete encounters and imported outcomes
    imported_outcomes: int = 0


# The disposition counts (arrests … medical transports) are of complete encounters only:
# the cost estimate sets them against the program's own encounters.
COUNTS_SQL: dict[str, str] = {
    "calls": "1",
    "encounters": "complete",
    "outcomes": _when(OUTCOME),
    "imported_outcomes": _when(IMPORTED),
    "incomplete": _when("has_encounter = 1 AND complete = 0"),
    "no_encounter": _when("has_encounter = 0"),
    "without_on_scene_time": _when(f"{COMPLETE} AND on_scene_seconds IS NULL"),
    "arrests": _when(f"{COMPLETE} AND disposition = 'arrest'"),
    "citations": _when(f"{COMPLETE} AND disposition = 'citation'"),
    "holds": _when(f"{COMPLETE} AND disposition = 'emergency_hold'"),
    "medical_transports": _when(f"{COMPLETE} AND disposition = 'medical_transport'"),
    "force": _when(f"{COMPLETE} AND any_force = 1"),
    "referrals_sent": "referrals_sent",
    "referrals_accepted": "referrals_accepted",
    "referrals_attended": "referrals_attended",
    "officer_seconds": "COALESCE(officer_seconds, 0)",
    "officer_timed_calls": _when("officer_seconds IS NOT NULL"),
}


def _sum_columns() -> list[tuple[str, str]]:
    columns = [(f"{kpi.key}__n", num) for kpi, num, _ in RATES]
    columns += [(f"{kpi.key}__d", den) for kpi, _, den in RATES]
    for kpi, _, _ in RATES:
        if kpi.tells:
            columns.append((f"{kpi.key}__i", _when(f"{_counted(kpi.tells)} AND {IMPORTED}")))
            columns.append((f"{kpi.key}__x", _when(f"{IMPORTED} AND NOT {_tells(kpi.tells)}")))
    columns += [(f"count__{name}", expression) for name, expression in COUNTS_SQL.items()]
    return columns


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    if not denominator:
        return None
    return (numerator or 0) / denominator


@dataclass(frozen=True)
class Figures:
    """One period's answer: every KPI's value and the counts beside them."""

    filters: Filters
    values: dict[str, Value] = field(default_factory=dict)
    counts: Counts = field(default_factory=Counts)

    def __getitem__(self, key: str) -> Value:
        return self.values[key]


def figures(engine: Engine, filters: Filters) -> Figures:
    """Every KPI for one period and filter, in three queries."""
    params = filters.params()
    values: dict[str, Value] = {}

    columns = _sum_columns()
    select = ", ".join(f"SUM({expression})" for _, expression in columns)
    (row,) = engine.rows(f"SELECT {select} FROM {{facts}} WHERE {filters.where()}", params)
    sums = {name: int(value or 0) for (name, _), value in zip(columns, row, strict=True)}
    for kpi, _, _ in RATES:
        numerator, denominator = sums[f"{kpi.key}__n"], sums[f"{kpi.key}__d"]
        values[kpi.key] = Value(
            kpi,
            numerator,
            denominator,
            _ratio(numerator, denominator),
            imported=sums.get(f"{kpi.key}__i", 0),
            imported_left_out=sums.get(f"{kpi.key}__x", 0),
        )
    counts = Counts(**{name: sums[f"count__{name}"] for name in COUNTS_SQL})

    people, repeated, connected, within_30, within_90 = _people(engine, filters, params)
    for key, numerator, denominator in (
        ("connected_after_repeat", connected, repeated),
        ("repeat_crisis_30", within_30, people),
        ("repeat_crisis_90", within_90, people),
    ):
        values[key] = Value(LIBRARY[key], numerator, denominator, _ratio(numerator, denominator))

    for metric, (p50, p90, n) in _percentiles(engine, filters, params).items():
        for key, seconds in ((f"{metric}_median", p50), (f"{metric}_p90", p90)):
            minutes = None if seconds is None else seconds / 60
            values[key] = Value(LIBRARY[key], None, n, minutes)
    return Figures(filters, values, counts)


PEOPLE_SQL = """
SELECT COUNT(*),
       SUM(CASE WHEN encounters >= 2 THEN 1 ELSE 0 END),
       SUM(CASE WHEN encounters >= 2 AND attended >= 1 THEN 1 ELSE 0 END),
       SUM(within_30),
       SUM(within_90)
FROM (
    SELECT person_key,
           SUM(complete) AS encounters,
           SUM(referrals_attended) AS attended,
           MAX(CASE WHEN next_call_seconds <= {d30} THEN 1 ELSE 0 END) AS within_30,
           MAX(CASE WHEN next_call_seconds <= {d90} THEN 1 ELSE 0 END) AS within_90
    FROM {{facts}}
    WHERE {where} AND person_key IS NOT NULL
    GROUP BY person_key
) people
"""


def _people(engine: Engine, filters: Filters, params: Mapping[str, Any]) -> tuple[int, ...]:
    # The next call is any of the person's calls (any team, any source, even after the
    # period); the filters pick whose calls are counted.
    sql = PEOPLE_SQL.format(d30=30 * DAY_SECONDS, d90=90 * DAY_SECONDS, where=filters.where())
    (row,) = engine.rows(sql, params)
    return tuple(int(value or 0) for value in row)


def _percentile_columns(*, by: str = "") -> str:
    # Values are counted first and ranked by running count: the same nearest-rank answer
    # as ranking every row, with a window over distinct values instead of over all rows.
    partition = ", ".join(part for part in (by, "metric") if part)
    keep = f"{by}, " if by else ""
    return (
        f"SELECT {keep}metric,"
        " MIN(CASE WHEN below * 100 >= 50 * n THEN v END),"
        " MIN(CASE WHEN below * 100 >= 90 * n THEN v END),"
        " MAX(n)"
        " FROM ("
        f"  SELECT {keep}metric, v,"
        f"   SUM(c) OVER (PARTITION BY {partition} ORDER BY v"
        "    ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS below,"
        f"   SUM(c) OVER (PARTITION BY {partition}) AS n"
        f"  FROM (SELECT {keep}metric, v, COUNT(*) AS c FROM ({{timed}}) timed"
        f"   GROUP BY {partition}, v) counted"
        " ) ranked"
        f" GROUP BY {partition}"
    )


def _timed(filters: Filters, *, by: str = "") -> str:
    keep = f"{by}, " if by else ""
    return " UNION ALL ".join(
        f"SELECT {keep}'{metric}' AS metric, {column} AS v FROM {{facts}}"
        f" WHERE {filters.where()} AND {column} IS NOT NULL"
        for metric, column in (("on_scene", "on_scene_seconds"), ("response", "response_seconds"))
    )


def _percentiles(
    engine: Engine, filters: Filters, params: Mapping[str, Any]
) -> dict[str, tuple[int | None, int | None, int]]:
    sql = _percentile_columns().replace("{timed}", _timed(filters))
    found = {metric: (p50, p90, int(n or 0)) for metric, p50, p90, n in engine.rows(sql, params)}
    return {metric: found.get(metric, (None, None, 0)) for metric in ("on_scene", "response")}


def headline(figures_now: Figures) -> list[Value]:
    return [value for value in figures_now.values.values() if value.kpi.headline]


# -- The dashboard's charts: each a list of rows, the same on every engine. --------------

TREND_COLUMNS = ("calls", "encounters", "arrest_free", "voluntary_engagement", "use_of_force")


def trend(engine: Engine, filters: Filters, *, by: str = "week") -> list[dict[str, Any]]:
    """Calls, encounters and three rates (each over its own denominator) per week or
    month; calls not known to the week (or month) are left out (`left_out` counts them)."""
    if by not in ("week", "month"):
        raise ValueError(f"A trend is by week or by month, not {by!r}.")
    rates = {kpi.key: (num, den) for kpi, num, den in RATES}
    keys = TREND_COLUMNS[2:]
    select = [
        "COUNT(*)",
        "SUM(complete)",
        *(f"SUM({rates[key][0]}), SUM({rates[key][1]})" for key in keys),
    ]
    sql = (
        f"SELECT {by}, {', '.join(select)} FROM {{facts}} WHERE {filters.where()}"
        f" AND {by} IS NOT NULL GROUP BY {by} ORDER BY {by}"
    )
    rows = []
    for period, calls, encounters, *sums in engine.rows(sql, filters.params()):
        row = {"period": period, "calls": int(calls), "encounters": int(encounters or 0)}
        for key, numerator, denominator in zip(keys, sums[::2], sums[1::2], strict=True):
            row[key] = _ratio(int(numerator or 0), int(denominator or 0))
        rows.append(row)
    return rows


def disposition_mix(engine: Engine, filters: Filters) -> dict[str, int]:
    """Outcomes by disposition: complete encounters and imported outcomes together."""
    sql = (
        f"SELECT disposition, COUNT(*) FROM {{facts}} WHERE {filters.where()} AND {OUTCOME}"
        " GROUP BY disposition ORDER BY disposition"
    )
    return {disposition: int(count) for disposition, count in engine.rows(sql, filters.params())}


def disposition_mix_by_source(engine: Engine, filters: Filters) -> dict[str, dict[str, int]]:
    """Outcomes by disposition, apart: {"encounter": {...}, "imported": {...}}."""
    sql = (
        f"SELECT outcome_source, disposition, COUNT(*) FROM {{facts}}"
        f" WHERE {filters.where()} AND {OUTCOME}"
        " GROUP BY outcome_source, disposition ORDER BY outcome_source, disposition"
    )
    found: dict[str, dict[str, int]] = {"encounter": {}, "imported": {}}
    for source, disposition, count in engine.rows(sql, filters.params()):
        found.setdefault(source, {})[disposition] = int(count)
    return found


def left_out(engine: Engine, filters: Filters, column: str) -> int:
    """Calls of the period that a chart by `column` (week, month, hour_of_week) leaves out
    because their time is not known that finely."""
    if column not in ("week", "month", "hour_of_week"):
        raise ValueError(f"No chart places calls by {column!r}.")
    sql = f"SELECT COUNT(*) FROM {{facts}} WHERE {filters.where()} AND {column} IS NULL"
    (row,) = engine.rows(sql, filters.params())
    return int(row[0] or 0)


def unplaced(engine: Engine, filters: Filters) -> int:
    """Calls that may lie in the period but are not counted in it: known only to a month
    or a year that reaches beyond it."""
    sql = (
        f"SELECT COUNT(*) FROM {{facts}} WHERE {filters.where(dated=False)}"
        " AND day >= :day_earliest AND day < :day_to AND day_end > :day_from"
        " AND (day < :day_from OR day_end > :day_to)"
    )
    params = filters.params()
    # No call spans more than a year: the index's range stays a year before the period.
    params["day_earliest"] = params["day_from"] - 366
    (row,) = engine.rows(sql, params)
    return int(row[0] or 0)


def hour_of_week(engine: Engine, filters: Filters) -> list[list[int]]:
    """Calls by day of week (Monday first) and hour: seven rows of 24. Calls whose weekday
    and hour are not known are left out (`left_out`), not put on Monday at midnight."""
    sql = (
        f"SELECT hour_of_week, COUNT(*) FROM {{facts}} WHERE {filters.where()}"
        " AND hour_of_week IS NOT NULL GROUP BY hour_of_week"
    )
    grid = [[0] * 24 for _ in range(7)]
    for hour, count in engine.rows(sql, filters.params()):
        grid[int(hour) // 24][int(hour) % 24] = int(count)
    return grid


# Minutes: each bin holds values from its edge up to the next edge.
TIME_BINS = (0, 10, 20, 30, 45, 60, 90, 120)


def _bin_case(column: str) -> str:
    whens = " ".join(
        f"WHEN {column} < {upper * 60} THEN {lower}"
        for lower, upper in itertools.pairwise(TIME_BINS)
    )
    return f"CASE {whens} ELSE {TIME_BINS[-1]} END"


TIMED = (("response", "response_seconds"), ("on_scene", "on_scene_seconds"))


def time_distribution(
    engine: Engine, filters: Filters, *, only: str | None = None
) -> dict[str, dict[int, int]]:
    """How many calls took how long: time to arrive and time on scene (or `only` one of
    them), in minute bins."""
    timed = [(metric, column) for metric, column in TIMED if only in (None, metric)]
    if not timed:
        raise ValueError(f"No time called {only!r}: response or on_scene.")
    parts = [
        f"SELECT '{metric}' AS metric, {_bin_case(column)} AS bin FROM {{facts}}"
        f" WHERE {filters.where()} AND {column} IS NOT NULL"
        for metric, column in timed
    ]
    binned = " UNION ALL ".join(parts)
    sql = f"SELECT metric, bin, COUNT(*) FROM ({binned}) binned GROUP BY metric, bin"
    found = {metric: dict.fromkeys(TIME_BINS, 0) for metric, _ in timed}
    for metric, lower, count in engine.rows(sql, filters.params()):
        found[metric][int(lower)] = int(count)
    return found


MONTHLY_SQL: dict[str, str] = {
    "calls": "1",
    "encounters": "complete",
    "arrests": _when(f"{COMPLETE} AND disposition = 'arrest'"),
    "voluntary": _when(
        f"{COMPLETE} AND " + _disposition_in("referred_voluntary", "transported_voluntary")
    ),
    "force": _when(f"{COMPLETE} AND any_force = 1"),
    "services": _when(f"{COMPLETE} AND services = 1"),
    "holds": _when(f"{COMPLETE} AND disposition = 'emergency_hold'"),
    "ed_diverted": _when(
        f"{COMPLETE} AND NOT " + _disposition_in("emergency_hold", "medical_transport")
    ),
    "enrolled": _when("referrals_accepted > 0"),
    "officer_seconds": "COALESCE(officer_seconds, 0)",
}


def monthly(engine: Engine, filters: Filters) -> list[dict[str, Any]]:
    """Per month: the counts the public page and the state's monthly report publish,
    and the median time to arrive. Calls known only to the year are in no month."""
    select = ", ".join(f"SUM({expression})" for expression in MONTHLY_SQL.values())
    params = filters.params()
    sql = (
        f"SELECT month, {select} FROM {{facts}} WHERE {filters.where()}"
        " AND month IS NOT NULL GROUP BY month ORDER BY month"
    )
    rows = {}
    for month, *sums in engine.rows(sql, params):
        rows[int(month)] = {"month": int(month)} | {
            name: int(value or 0) for name, value in zip(MONTHLY_SQL, sums, strict=True)
        }
        rows[int(month)]["response_median_minutes"] = None
    medians = _percentile_columns(by="month").replace("{timed}", _timed(filters, by="month"))
    for month, metric, p50, _p90, _n in engine.rows(medians, params):
        if metric == "response" and month is not None and int(month) in rows and p50 is not None:
            rows[int(month)]["response_median_minutes"] = p50 / 60
    return [rows[month] for month in sorted(rows)]
