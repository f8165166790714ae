"""Every KPI on the hand-built facts of `dataset.py`, answers worked out by hand, on the
operational database (SQLite or PostgreSQL, whichever the suite runs on) and on DuckDB."""

from __future__ import annotations

from fractions import Fraction

import pytest

from coresponder.analytics import kpis
from coresponder.analytics.engines import DuckDBEngine, OperationalEngine
from coresponder.analytics.models import CallFact
from coresponder.analytics.store import arrow_table, connect, insert

from . import dataset

JANUARY = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY)


@pytest.fixture(params=["operational", "duckdb"])
def engine(request, db):
    if request.param == "operational":
        CallFact.objects.bulk_create(CallFact(**row) for row in dataset.facts())
        return OperationalEngine()
    connection = connect()
    insert(connection, arrow_table(dataset.as_rows(dataset.facts())))
    return DuckDBEngine(connection)


# (KPI, numerator, denominator), each counted from dataset.py's docstring and rows.
RATES = [
    ("arrest_free", 6, 7),  # c3 is the one arrest among c1–c7; c8 is a draft, c11 not ours
    ("no_formal_action", 2, 7),  # c1 resolved on scene, c7 refused
    ("voluntary_engagement", 2, 7),  # c2 referred, c5 transported voluntarily
    ("enforcement", 2, 7),  # c3 arrest, c4 citation
    ("help_delivered", 3, 7),  # c1 and c5 assessed, c2 referred
    ("use_of_force", 1, 7),  # c3
    ("ed_diversion", 6, 7),  # c6's hold is the only hospital ending
    ("follow_up_72h", 1, 2),  # c2 within an hour; c3 after 80 hours
    ("referral_completion", 1, 2),  # c2: two sent, one attended
    ("connected_after_repeat", 1, 1),  # only A met twice (B's second is a draft); A attended
    ("repeat_crisis_30", 2, 6),  # A (10 days), B (20 days) of A, B, C, D, E, F
    ("repeat_crisis_90", 3, 6),  # and F, whose next call is 40 days on, in February
]


@pytest.mark.parametrize(("key", "numerator", "denominator"), RATES)
def test_rate(engine, key, numerator, denominator):
    value = kpis.figures(engine, JANUARY)[key]
    assert (value.numerator, value.denominator) == (numerator, denominator)
    assert Fraction(value.value).limit_denominator(100) == Fraction(numerator, denominator)


def test_times_are_nearest_rank_percentiles(engine):
    figures = kpis.figures(engine, JANUARY)
    # On scene, c1–c6: 10, 20, 30, 40, 50, 60 minutes. Median: rank 3 of 6; p90: rank 6.
    assert figures["on_scene_median"].value == 30
    assert figures["on_scene_p90"].value == 60
    assert figures["on_scene_median"].denominator == 6
    # To arrive, c1–c3: 5, 10, 15 minutes.
    assert (figures["response_median"].value, figures["response_p90"].value) == (10, 15)


def test_counts_for_notes_and_costs(engine):
    counts = kpis.figures(engine, JANUARY).counts
    assert counts.calls == 9  # c1–c9
    assert (counts.encounters, counts.incomplete, counts.no_encounter) == (7, 1, 1)
    assert (counts.arrests, counts.citations, counts.holds) == (1, 1, 1)
    assert counts.without_on_scene_time == 1  # c7
    assert counts.officer_seconds == 1800 + 3000 + 4000
    assert (counts.referrals_sent, counts.referrals_accepted, counts.referrals_attended) == (
        2,
        1,
        1,
    )


def test_filters_narrow_every_kpi(engine):
    by_line = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, source="988")
    figures = kpis.figures(engine, by_line)
    assert (figures["arrest_free"].numerator, figures["arrest_free"].denominator) == (2, 2)
    assert figures["voluntary_engagement"].numerator == 1
    assert figures["repeat_crisis_30"].denominator == 2  # D and E
    by_team = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, team_id=101)
    assert kpis.figures(engine, by_team).counts.calls == 2
    oldest = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, age_band="90+", sex="male")
    assert kpis.figures(engine, oldest)["enforcement"].numerator == 1


def test_previous_period_is_the_same_length_before(engine):
    december = kpis.figures(engine, JANUARY.previous())
    assert (december["arrest_free"].numerator, december["arrest_free"].denominator) == (0, 1)


def test_nothing_to_count_is_no_value_not_zero(engine):
    empty = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, concern="grief_loss")
    figures = kpis.figures(engine, empty)
    assert figures["arrest_free"].value is None
    assert figures["on_scene_median"].value is None


def test_charts(engine):
    assert kpis.disposition_mix(engine, JANUARY) == {
        "arrest": 1,
        "citation": 1,
        "emergency_hold": 1,
        "referred_voluntary": 1,
        "refused_services": 1,
        "resolved_on_scene": 1,
        "transported_voluntary": 1,
    }
    grid = kpis.hour_of_week(engine, JANUARY)
    assert sum(map(sum, grid)) == 9
    assert grid[4][3] == 1  # c5: Friday 9 January at 03:00
    months = kpis.trend(engine, JANUARY, by="month")
    assert [(row["period"], row["calls"], row["encounters"]) for row in months] == [(202601, 9, 7)]
    distribution = kpis.time_distribution(engine, JANUARY)
    # 10, 20, 30, 40, 50, 60 minutes: 30 and 40 share the 30–45 bin.
    assert distribution["on_scene"] == {0: 0, 10: 1, 20: 1, 30: 2, 45: 1, 60: 1, 90: 0, 120: 0}
    assert sum(distribution["response"].values()) == 3
    (january,) = kpis.monthly(engine, JANUARY)
    assert (january["calls"], january["arrests"], january["force"]) == (9, 1, 1)
    assert january["response_median_minutes"] == 10


def test_one_time_distribution_alone(engine):
    only = kpis.time_distribution(engine, JANUARY, only="response")
    assert list(only) == ["response"]
    assert only["response"] == kpis.time_distribution(engine, JANUARY)["response"]
    with pytest.raises(ValueError, match="response or on_scene"):
        kpis.time_distribution(engine, JANUARY, only="waiting")


def with_imported_outcomes() -> list[dict]:
    """January's facts, and calls of January whose outcome was reported, not documented
    here: from a CAD (which can say any disposition) an arrest, a hold, an other and a
    resolved on scene; from an export whose only outcome column is a yes/no apprehension
    flag, one held and two not ("other"); and an imported call without an outcome."""
    at = dataset._at(1, 16)
    imported = {"has_encounter": 0, "complete": 0, "outcome_source": "imported", "team_id": None}
    rows = [
        dataset._fact(f"i{n}", at, disposition=disposition, outcome_covers="*", **imported)
        for n, disposition in enumerate(["arrest", "emergency_hold", "other", "resolved_on_scene"])
    ]
    rows += [
        dataset._fact(
            f"a{n}", at, disposition=disposition, outcome_covers=",emergency_hold,", **imported
        )
        for n, disposition in enumerate(["emergency_hold", "other", "other"])
    ]
    rows.append(
        dataset._fact("i-none", at, disposition="", has_encounter=0, complete=0, team_id=None)
    )
    return dataset.facts() + rows


@pytest.fixture(params=["operational", "duckdb"])
def imported_engine(request, db):
    if request.param == "operational":
        CallFact.objects.bulk_create(CallFact(**row) for row in with_imported_outcomes())
        return OperationalEngine()
    connection = connect()
    insert(connection, arrow_table(dataset.as_rows(with_imported_outcomes())))
    return DuckDBEngine(connection)


# (KPI, numerator, denominator, imported in it, imported left out): c1–c7 as before, the
# CAD's four everywhere, the apprehension flag's three only where a hold decides
IMPORTED_RATES = [
    ("arrest_free", 6 + 3, 7 + 4, 4, 3),  # i0 is an arrest
    ("no_formal_action", 2 + 1, 7 + 4, 4, 3),  # i3 resolved on scene; "other" is neither
    ("voluntary_engagement", 2, 7 + 4, 4, 3),
    ("enforcement", 2 + 1, 7 + 4, 4, 3),
    ("involuntary_holds", 1 + 1 + 1, 7 + 4 + 3, 7, 0),  # c6, i1 and a0
    ("ed_diversion", 6 + 3 + 2, 7 + 4 + 3, 7, 0),  # the holds are not diverted
    ("help_delivered", 3, 7, 0, 0),  # encounters only: an import has no assessment
    ("use_of_force", 1, 7, 0, 0),
]


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "imported", "left_out"), IMPORTED_RATES
)
def test_imported_outcomes_count_where_their_source_can_tell_and_only_there(
    imported_engine, key, numerator, denominator, imported, left_out
):
    value = kpis.figures(imported_engine, JANUARY)[key]
    assert (value.numerator, value.denominator) == (numerator, denominator)
    assert (value.imported, value.imported_left_out) == (imported, left_out)
    assert value.kpi.imported == (key not in ("help_delivered", "use_of_force"))


def test_imported_outcomes_are_counted_apart_and_filtered_alone(imported_engine):
    counts = kpis.figures(imported_engine, JANUARY).counts
    assert (counts.calls, counts.encounters, counts.outcomes, counts.imported_outcomes) == (
        9 + 8,
        7,
        7 + 7,
        7,
    )
    # the counts behind the cost estimate stay the encounters' own
    assert (counts.arrests, counts.holds) == (1, 1)
    only_imported = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, outcome_source="imported")
    held = kpis.figures(imported_engine, only_imported)["involuntary_holds"]
    assert (held.numerator, held.denominator) == (2, 7)
    only_documented = kpis.Filters(dataset.PROGRAM, *dataset.JANUARY, outcome_source="encounter")
    assert kpis.figures(imported_engine, only_documented)["arrest_free"].denominator == 7
    assert kpis.disposition_mix_by_source(imported_engine, JANUARY)["imported"] == {
        "arrest": 1,
        "emergency_hold": 2,
        "other": 3,
        "resolved_on_scene": 1,
    }
    (month,) = kpis.trend(imported_engine, JANUARY, by="month")
    assert month["arrest_free"] == pytest.approx(9 / 11)
    assert month["use_of_force"] == pytest.approx(1 / 7)
